"""How well translate_cli.checks finds known errors in real human translations, and how often it cries wolf.

Usage: python benchmarks/bench_checks.py --data ../shared/data/test [--seed 0] [--examples CODE|any]
       python benchmarks/bench_checks.py --data ../shared/data/dev --corpora ted.dev2010 nusax.valid opus100.dev
       python benchmarks/bench_checks.py --data ../shared/data/test --corpora news.test --sample 40 \
           [--labels benchmarks/checks_labels.tsv]

NTREX-128 and FLORES-200 references are taken as "system output" for their Indonesian sources. Clean: the
share of sentences each check flags (a check that fires on human translations is a check people switch off).
Injected: a copy of each translation with one known error (a number changed, a month swapped, a kept name
dropped, the source copied, a phrase looped, the sentence truncated); recall is the share of injected copies
on which the expected check fires, counted over sentences where that check did not already fire on the clean
translation. The rules were tuned on NTREX and the dev sets (../shared/data/dev) and confirmed on FLORES.

Adjudication: a "clean" human reference is not always faithful (a free translation drops a name or a number).
``--sample N`` prints N flagged clean sentences drawn at random (``--seed``) to label by hand; with ``--labels``
(lines ``CORPUS<TAB>LINE<TAB>true|false<TAB>note``: a true discrepancy, or a false alarm) it prints the share of
false alarms in the labelled sample, with its Wilson 95% interval, and the false-alarm rate that share estimates
(raw rate x share); and the same pooled over every labelled sentence still flagged (each round's sample, drawn at
random from the sentences flagged then, less those no longer flagged).
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


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's score interval for a proportion k/n (Wilson 1927, "Probable inference, the law of succession")."""
    if not n:
        return 0.0, 1.0
    p = k / n
    centre, half = p + z * z / (2 * n), z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def adjudicate(name: str, sources: list[str], translations: list[str], clean: list, args: argparse.Namespace,
               labels: dict[tuple[str, int], str]) -> None:
    """A random sample of the flagged clean sentences: printed to label, or its labels counted."""
    flagged = [i for i, row in enumerate(clean) if row]
    sample = sorted(random.Random(args.seed).sample(flagged, min(args.sample, len(flagged))))
    if not args.labels:
        for i in sample:
            reasons = "; ".join(f"{f.code}: {f.reason}" for f in clean[i])
            print(f"  {name}\t{i + 1}\t?\t{reasons}\n    {sources[i]}\n    {translations[i]}")
        return
    given = [labels[name, i + 1] for i in sample if (name, i + 1) in labels]
    if not given:
        print(f"adjudicated: no labels for {name} in {args.labels}")
        return
    false = sum(label == "false" for label in given)
    low, high = wilson(false, len(given))
    raw = len(flagged) / len(sources)
    print(f"adjudicated: {len(given)} of {len(sample)} sampled flagged sentences labelled, {false} false alarms "
          f"({false / len(given):.0%}, 95% CI {low:.0%}-{high:.0%}): clean flagged {raw:.1%} raw, "
          f"false alarms estimated {raw * false / len(given):.1%} ({raw * low:.1%}-{raw * high:.1%})")
    # every round's sample was drawn at random from its flagged sentences: those still flagged, pooled, are a
    # larger sample of today's (a sentence that is no longer flagged drops out)
    pooled = [labels[name, i + 1] for i in flagged if (name, i + 1) in labels]
    false = sum(label == "false" for label in pooled)
    low, high = wilson(false, len(pooled))
    print(f"pooled: {len(pooled)} labelled sentences of every round still flagged, {false} false alarms: "
          f"false alarms estimated {raw * false / len(pooled):.1%} ({raw * low:.1%}-{raw * high:.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/test"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", metavar="CODE", help="print the clean sentences this check (or any) flags")
    parser.add_argument("--corpora", nargs="+", metavar="STEM", help="STEM.id/STEM.en under --data instead of "
                                                                     "NTREX and FLORES (the dev sets, to tune on)")
    parser.add_argument("--sample", type=int, metavar="N", help="N flagged clean sentences at random, to label")
    parser.add_argument("--labels", type=Path, help="hand labels of the sample (CORPUS, LINE, true|false, note)")
    args = parser.parse_args()
    labels = {}
    if args.labels:
        for line in args.labels.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                corpus, number, label = line.split("\t")[:3]
                labels[corpus, int(number)] = label
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
        if args.sample:
            adjudicate(name, sources, translations, clean, args, labels)
        if args.examples:
            for i, found in enumerate(clean):
                for finding in found:
                    if args.examples in (finding.code, "any"):
                        print(f"  {i + 1}: {finding.reason}\n    {sources[i]}\n    {translations[i]}")


if __name__ == "__main__":
    main()
