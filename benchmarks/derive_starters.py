"""Suggest sentence starters for translate_cli/data/abbreviations_{lang}.txt from tuning corpora.

Usage: python benchmarks/derive_starters.py FILE... [--lang id] [--min-count 30] [--max-capital 0.02]

FILES hold one sentence per line (e.g. ../shared/data/train/combined.id; never a test/ file). This
is the orthographic heuristic of Punkt (Kiss & Strunk, 2006): a word that often opens a sentence
capitalised but is almost never capitalised inside one is a "frequent sentence starter", so after
an abbreviation or an initial it signals a new sentence. Prints the capitalised words that pass
and are not yet in the [starters] section, most frequent first, to be reviewed by hand.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from translate_cli.segment import _load_rules, rules_for

WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--lang", default="id")
    parser.add_argument("--min-count", type=int, default=30, help="sentence-initial occurrences at least")
    parser.add_argument("--max-capital", type=float, default=0.02, help="share capitalised inside sentences at most")
    args = parser.parse_args()

    initial: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    capital_inside: Counter[str] = Counter()
    for path in args.files:
        for line in path.read_text(encoding="utf-8").splitlines():
            words = WORD.findall(line)
            if not words:
                continue
            if line.lstrip("\"'“‘(").startswith(words[0]):
                initial[words[0]] += 1
            for word in words[1:]:
                if word.islower():
                    lower[word] += 1
                elif word[0].isupper() and word[1:].islower():
                    capital_inside[word] += 1

    known = _load_rules(rules_for(args.lang)).starters
    for word, count in initial.most_common():
        if count < args.min_count:
            break
        low, cap = lower[word.lower()], capital_inside[word]
        if (word[0].isupper() and word[1:].islower() and word not in known and low
                and cap / (cap + low) <= args.max_capital):
            print(f"{word}\t{count}\tinside: {low} lower, {cap} capitalised")


if __name__ == "__main__":
    main()
