"""requirements/lock_part.py: the hashed lock split into what `make setup` installs and Ray's part, which only
`make test` (and `make setup-ray`) adds."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
SCRIPT = ROOT / "requirements" / "lock_part.py"


def _part(name: str) -> str:
    return subprocess.run([sys.executable, str(SCRIPT), name], input=LOCK.read_text(encoding="utf-8"),
                          capture_output=True, text=True, check=True).stdout


def test_the_lock_splits_into_a_base_without_ray_and_ray_with_what_only_it_needs():
    spec = importlib.util.spec_from_file_location("lock_part", SCRIPT)
    assert spec and spec.loader
    lock_part = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lock_part)
    found = lock_part.packages(LOCK.read_text(encoding="utf-8"))
    base, ray = lock_part.packages(_part("base")), lock_part.packages(_part("ray"))
    assert set(base) | set(ray) == set(found) and not set(base) & set(ray)  # every package once, hashes kept
    assert all(lines == found[name][0] for name, (lines, _) in {**base, **ray}.items())
    assert {"ray", "grpcio", "opencensus"} <= set(ray)
    assert {"torch", "transformers", "sacrebleu", "pytest", "ruff", "setuptools"} <= set(base)
    for name, (_, via) in base.items():  # nothing the base installs is needed by Ray's packages alone
        assert not via or not via <= set(ray), name
    for name, (_, via) in ray.items():
        assert name == "ray" or via <= set(ray), name
