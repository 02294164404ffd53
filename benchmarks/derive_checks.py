"""Learn what translate_cli.checks needs from training corpora: the id->en length ratio and the common words.

Usage: python benchmarks/derive_checks.py ../shared/data/train/combined [--min-count 5]

PREFIX.id / PREFIX.en are line-aligned training text (never a test/ file). Prints the median English/Indonesian
character ratio and its 0.5% and 99.5% quantiles over pairs whose source has at least 20 characters (paste them
into ``checks.py``), and writes ``translate_cli/data/checks_words_id.txt``: the Indonesian words written in lower
case at least MIN_COUNT times, so a capitalised word of the list is a common word that a translation translates
(``Universitas``, ``Pantai``, ``Gedung Putih``), not a name it must keep.
"""

from __future__ import annotations

import argparse
import math
import re
from collections import Counter
from pathlib import Path

WORD = re.compile(r"[^\W\d_]+")
OUT = Path(__file__).resolve().parent.parent / "translate_cli" / "data" / "checks_words_id.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("prefix", help="PREFIX.id and PREFIX.en, line-aligned")
    parser.add_argument("--min-count", type=int, default=5)
    args = parser.parse_args()
    source = Path(f"{args.prefix}.id").read_text(encoding="utf-8").splitlines()
    target = Path(f"{args.prefix}.en").read_text(encoding="utf-8").splitlines()

    ratios = sorted(math.log(len(t.strip()) / len(s.strip()))
                    for s, t in zip(source, target) if len(s.strip()) >= 20 and t.strip())
    quantile = lambda q: math.exp(ratios[int(q * (len(ratios) - 1))])  # noqa: E731
    print(f"pairs {len(ratios)}: LENGTH_RATIO = {quantile(0.5):.3f}, "
          f"LENGTH_BOUNDS = ({quantile(0.005):.3f}, {quantile(0.995):.3f})")

    lower = Counter(word for line in source for word in WORD.findall(line) if word.islower())
    words = sorted(w for w, n in lower.items() if n >= args.min_count)
    OUT.write_text(f"# Common Indonesian words for translate_cli.checks, learned by\n"
                   f"# python benchmarks/derive_checks.py {args.prefix} --min-count {args.min_count}\n"
                   + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words written to {OUT}")


if __name__ == "__main__":
    main()
