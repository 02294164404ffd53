"""Print one part of the hashed lock (requirements/lock.txt, on stdin), each package with its hashes:
``ray``, the packages that only Ray needs (Ray and what it alone pulls in), or ``base``, all the others.

``make setup`` installs the base part and ``make test`` the Ray part too, so the lock stays the one
source of versions while a user who never starts Ray does not install it. pip-compile's ``# via`` lines
say which package needs which: a package is Ray's when everything that needs it is Ray's.
"""

from __future__ import annotations

import re
import sys

PACKAGE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==")


def name_of(text: str) -> str:
    """A package name as pip compares them (PEP 503): lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", text).lower()


def packages(lock: str) -> dict[str, tuple[list[str], set[str]]]:
    """Each package of the lock: its lines (requirement, hashes, comments) and the names in its ``# via``."""
    found: dict[str, tuple[list[str], set[str]]] = {}
    current = None
    for line in lock.splitlines():
        if match := PACKAGE.match(line):
            current = name_of(match.group(1))
            found[current] = ([], set())
        elif line.startswith("#"):  # a comment of the file's own (its header; "unsafe" packages follow)
            current = None
        if current is None:
            continue
        found[current][0].append(line)
        via = re.match(r"\s*#\s+(?:via\s+)?(\S+)", line)
        if via and line.strip() != "# via" and not line.lstrip().startswith("--hash"):
            found[current][1].add(name_of(via.group(1)))
    return found


def ray_only(found: dict[str, tuple[list[str], set[str]]]) -> set[str]:
    """Ray and every package that only Ray's packages need."""
    ray = {"ray"}
    while grown := {name for name, (_, via) in found.items() if name not in ray and via and via <= ray}:
        ray |= grown
    return ray


def main() -> None:
    part = sys.argv[1] if len(sys.argv) == 2 else ""
    if part not in ("ray", "base"):
        sys.exit("usage: lock_part.py ray|base < requirements/lock.txt")
    found = packages(sys.stdin.read())
    ray = ray_only(found)
    for name, (lines, _) in found.items():
        if (name in ray) == (part == "ray"):
            print("\n".join(lines))


if __name__ == "__main__":
    main()
