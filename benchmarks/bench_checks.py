"""How well translate_cli.checks finds known errors in real human translations, and how often it cries wolf.

Usage: python benchmarks/bench_checks.py --data ../shared/data/test [--seed 0] [--examples CODE|any]
       python benchmarks/bench_checks.py --data ../shared/data/dev --corpora ted.dev2010 nusax.valid opus100.dev

NTREX-128 and FLORES-200 references are taken as "system output" for their Indonesian sources. Clean: the
share of sentences each check flags (a check that fires on human translations is a check people switch off).
Injected: a copy of each translation with one known error (a number changed, a month swapped, a kept name
dropped, the source copied, a phrase looped, the sentence truncated); recall is the share of injected copies
on which the expected check fires, counted over sentences where that check did not already fire on the clean
translation. The rules were tuned on NTREX and the dev sets (../shared/data/dev) and confirmed on FLORES.
"""

from __future__ import annotations

import argparse
import random
import re
import time
from pathlib import Path

from translate_cli.checks import CODES, check_pair, check_pairs, count_findings

CORPORA = {"NTREX-128": "ntrex128.newstest2019", "FLORES-200": "flores200.devtest"}
MONTHS = "January February March April May June July August September October November December".split()
INJECTIONS = {"number": "numbers", "date": "numbers", "name": "names", "copy": "untranslated",
              "loop": "degenerate", "truncate": "degenerate"}


def inject(kind: str, source: str, translation: str, rng: random.Random) -> str | None:
    """The translation with one error of this kind, or None where the sentence has nothing to break."""
    words = translation.split()
    if kind == "number":
        numbers = list(re.finditer(r"\d+", translation))
        if not numbers:
            return None
        match = rng.choice(numbers)
        digits = list(match[0])
        k = rng.randrange(len(digits))
        digits[k] = rng.choice([d for d in "0123456789" if d != digits[k] and (k or d != "0" or len(digits) == 1)])
        return translation[:match.start()] + "".join(digits) + translation[match.end():]
    if kind == "date":
        found = [m for m in re.finditer(r"\b(" + "|".join(MONTHS) + r")\b", translation)]
        if not found:
            return None
        match = rng.choice(found)
        other = rng.choice([m for m in MONTHS if m != match[0]])
        return translation[:match.start()] + other + translation[match.end():]
    if kind == "name":  # a capitalised word the translation kept from the source (a month is a date), dropped
        kept = [w for w in re.findall(r"\b[A-Z][a-z]+\b", translation)[1:]
                if w not in MONTHS and re.search(rf"\b{w}\b", source)]
        if not kept:
            return None
        return " ".join(re.sub(rf"\b{rng.choice(kept)}\b", "", translation).split())
    if kind == "copy":
        return source
    if kind == "loop":
        size = rng.randint(1, min(3, len(words)))
        at = rng.randrange(len(words) - size + 1)
        phrase = words[at:at + size]
        return " ".join(words[:at + size] + phrase * rng.randint(3, 6) + words[at + size:])
    if kind == "truncate":
        if len(words) < 4:
            return None
        return " ".join(words[:rng.randint(len(words) * 3 // 10, len(words) * 7 // 10)])
    raise ValueError(kind)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/test"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", metavar="CODE", help="print the clean sentences this check (or any) flags")
    parser.add_argument("--corpora", nargs="+", metavar="STEM", help="STEM.id/STEM.en under --data instead of "
                                                                     "NTREX and FLORES (the dev sets, to tune on)")
    args = parser.parse_args()
    for name, stem in ({s: s for s in args.corpora} if args.corpora else CORPORA).items():
        sources = (args.data / f"{stem}.id").read_text(encoding="utf-8").splitlines()
        translations = (args.data / f"{stem}.en").read_text(encoding="utf-8").splitlines()
        started = time.process_time()
        clean = check_pairs(sources, translations)
        seconds = time.process_time() - started
        counts = count_findings(clean)
        flagged = sum(bool(row) for row in clean)
        print(f"\n{name}: {len(sources)} sentences, checked at {len(sources) / seconds:,.0f} sentences/s (one core)")
        print("clean sentences flagged: " + ", ".join(f"{code} {counts[code] / len(sources):.1%}" for code in CODES)
              + f"; any {flagged / len(sources):.1%}")
        rng = random.Random(args.seed)
        print(f"{'injected':<10} {'expected':<13} {'sentences':>9} {'recall':>7}")
        for kind, code in INJECTIONS.items():
            hits = total = 0
            for source, translation, found in zip(sources, translations, clean):
                broken = inject(kind, source, translation, rng)
                if broken is None or broken == translation or any(f.code == code for f in found):
                    continue
                total += 1
                hits += any(f.code == code for f in check_pair(source, broken))
            print(f"{kind:<10} {code:<13} {total:>9} {hits / max(total, 1):>7.3f}")
        if args.examples:
            for i, found in enumerate(clean):
                for finding in found:
                    if args.examples in (finding.code, "any"):
                        print(f"  {i + 1}: {finding.reason}\n    {sources[i]}\n    {translations[i]}")


if __name__ == "__main__":
    main()
