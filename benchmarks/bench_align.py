"""Sentence-alignment benchmark on held-out documents with synthetic, exactly known gold beads.

Each document starts as its 1-1 sentence pairs; with a fixed seed, about 10% of sentences are
merged with their neighbour (on either side) and about 5% deleted (on either side), so the gold
beads are 1-1, 2-1, 1-2, 1-0 and 0-1. Scoring is strict, as in Vecalign and Bertalign: a predicted
bead counts only if identical to a gold bead. "all" counts every bead; "non-null" leaves out 1-0
and 0-1 beads on both sides, as Vecalign's score.py does by default. A last table aligns the first
2,000 pairs of the sets as one document, complete and with the reference cut to its first third.
Times are CPU seconds of ``align`` alone. The aligner's weights were tuned on dev data
(``--data ../shared/data/dev --sets general.valid,opus100.dev``), never on the test sets.

Modes: ``length`` (Gale & Church alone); ``cognates`` (the untranslated Indonesian passed as its own
translation, so only names, numbers and cognates match); ``oracle-noisy`` (NOT a real MT output:
the English reference of each source sentence with words dropped, replaced and swapped, a
stand-in until the pipeline's translator is wired in); ``file`` (``--translations FILE``: one
English translation per original Indonesian line of the selected sets, in order); ``model:NAME``
(``--model M``: the sources translated by a model through the pipeline's Translator).

    python benchmarks/bench_align.py [--data ../shared/data/test] [--translations FILE] [--model M]...
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gold  # noqa: E402
from sacrebleu.metrics import CHRF  # noqa: E402

from translate_cli.align import align  # noqa: E402

MERGE = 0.10  # share of sentences merged with the next one (half on each side)
DELETE = 0.05  # share of sentences deleted (half on each side)


@dataclass
class Case:
    """An edited document: the sides to align, the source's translation and the gold beads."""

    src: list[str]
    tgt: list[str]
    translation: list[str]
    beads: set[tuple[tuple[int, ...], tuple[int, ...]]]


def edit(src: list[str], tgt: list[str], translation: list[str], rng: random.Random) -> Case:
    """Merge and delete sentences at random, keeping track of the gold beads."""
    case = Case([], [], [], set())
    k = 0
    while k < len(src):
        s, t = len(case.src), len(case.tgt)
        roll = rng.random()
        two = k + 1 < len(src)
        if roll < DELETE / 2:  # the target lost this sentence
            case.src.append(src[k])
            case.translation.append(translation[k])
            case.beads.add(((s,), ()))
        elif roll < DELETE:  # the source lost it
            case.tgt.append(tgt[k])
            case.beads.add(((), (t,)))
        elif roll < DELETE + MERGE / 2 and two:  # two source sentences became one
            case.src.append(f"{src[k]} {src[k + 1]}")
            case.translation.append(f"{translation[k]} {translation[k + 1]}")
            case.tgt += tgt[k : k + 2]
            case.beads.add(((s,), (t, t + 1)))
            k += 1
        elif roll < DELETE + MERGE and two:  # two target sentences became one
            case.src += src[k : k + 2]
            case.translation += translation[k : k + 2]
            case.tgt.append(f"{tgt[k]} {tgt[k + 1]}")
            case.beads.add(((s, s + 1), (t,)))
            k += 1
        else:
            case.src.append(src[k])
            case.translation.append(translation[k])
            case.tgt.append(tgt[k])
            case.beads.add(((s,), (t,)))
        k += 1
    return case


def noisy(sentence: str, vocabulary: list[str], rng: random.Random) -> str:
    """A stand-in for an MT output: drop 10%, replace 20% and swap 10% of adjacent words."""
    words = [w for w in sentence.split() if rng.random() >= 0.10] or sentence.split()[:1]
    words = [rng.choice(vocabulary) if rng.random() < 0.20 else w for w in words]
    for k in range(len(words) - 1):
        if rng.random() < 0.10:
            words[k], words[k + 1] = words[k + 1], words[k]
    return " ".join(words)


def cut_reference(beads, keep: int) -> set:
    """Gold beads once the target keeps only its first ``keep`` sentences."""
    cut = set()
    for src, tgt in beads:
        kept = tuple(t for t in tgt if t < keep)
        if kept:
            cut.add((src, kept))
        else:
            cut.update(((s,), ()) for s in src)
    return cut


def strict(predicted, gold_beads, non_null: bool) -> tuple[int, int, int]:
    """Counts of (correct, predicted, gold) beads, optionally without 1-0 and 0-1 beads."""
    keep = (lambda b: b[0] and b[1]) if non_null else (lambda b: True)
    predicted = {b for b in predicted if keep(b)}
    gold_beads = {b for b in gold_beads if keep(b)}
    return len(predicted & gold_beads), len(predicted), len(gold_beads)


def f1(correct: int, predicted: int, expected: int) -> tuple[float, float, float]:
    p = correct / predicted if predicted else 0.0
    r = correct / expected if expected else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def run(case: Case, mode: str) -> tuple[tuple[int, int, int], tuple[int, int, int], float]:
    """Align one case in one mode; strict counts (all beads, non-null beads) and seconds."""
    start = time.process_time()
    if mode == "length":
        beads = align(case.src, case.tgt, method="length")
    else:
        translation = case.src if mode == "cognates" else case.translation
        beads = align(case.src, case.tgt, src_translation=translation, method="translation")
    seconds = time.process_time() - start
    predicted = {(b.src, b.tgt) for b in beads}
    return strict(predicted, case.beads, False), strict(predicted, case.beads, True), seconds


def add(results) -> tuple[tuple[int, int, int], tuple[int, int, int], float]:
    every, non_null, seconds = zip(*results)
    return tuple(map(sum, zip(*every))), tuple(map(sum, zip(*non_null))), sum(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=gold.DEFAULT_DATA, help="folder of the test sets")
    parser.add_argument("--sets", default=",".join(gold.SETS), help="comma-separated set names")
    parser.add_argument("--translations", type=Path, help="one translation per Indonesian line of the sets")
    parser.add_argument("--model", action="append", default=[],
                        help="translate the sources with this model (alias or folder) for a 'model:' mode; repeatable")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    names = args.sets.split(",")
    sets = [(name, doc) for name in names for doc in gold.load(name, args.data)]
    documents = [doc for _, doc in sets]
    references = [doc.en for doc in documents]
    vocabulary = sorted({w for doc in references for s in doc for w in s.split()})
    rng = random.Random(args.seed)
    translations = {"oracle-noisy": [[noisy(s, vocabulary, rng) for s in doc] for doc in references]}
    if args.translations:
        lines = gold.read_lines(args.translations)
        if len(lines) != sum(map(len, references)):
            sys.exit(f"{args.translations}: {len(lines)} lines for {sum(map(len, references))} source sentences")
        translations["file"] = []
        for doc in references:
            translations["file"].append(lines[: len(doc)])
            lines = lines[len(doc) :]
    for model in args.model:
        from translate_cli.models import resolve_model
        from translate_cli.translate import load_translator

        translator = load_translator(resolve_model(model), beam=4)
        output = iter(translator.translate([s for doc in documents for s in doc.id]))
        translations[f"model:{Path(model).name}"] = [[next(output) for _ in doc.id] for doc in documents]
    chrf = CHRF()
    for name, docs in translations.items():
        hyps = [s for doc in docs for s in doc]
        score = chrf.corpus_score(hyps, [[s for doc in references for s in doc]]).score
        print(f"{name}: chrF {score:.1f} against the reference")

    modes = ["length", "cognates", *translations]
    print(f"\nseed {args.seed}; merge {MERGE:.0%}, delete {DELETE:.0%}; strict bead P/R/F1")
    print(f"{'set':<22}{'mode':<14}{'beads':>7}{'P':>7}{'R':>7}{'F1':>7}{'F1 non-null':>13}{'cpu s':>9}")
    results = {}
    for mode in modes:
        rng = random.Random(args.seed)
        translation = translations.get(mode, references)
        for k, doc in enumerate(documents):
            results[mode, k] = run(edit(doc.id, doc.en, translation[k], rng), mode)
    for name in [*names, "all"]:
        for mode in modes:
            every, non_null, seconds = add(
                r for (m, k), r in results.items() if m == mode and name in ("all", sets[k][0]))
            p, r, f = f1(*every)
            print(f"{name:<22}{mode:<14}{every[2]:>7}{p:>7.3f}{r:>7.3f}{f:>7.3f}{f1(*non_null)[2]:>13.3f}{seconds:>9.2f}")

    print("\none long document: the first 2,000 pairs of the sets, edited as above")
    print(f"{'reference':<22}{'mode':<14}{'src x tgt':>11}{'F1':>7}{'F1 non-null':>13}{'cpu s':>9}")
    pairs = [(k, i) for k, doc in enumerate(documents) for i in range(len(doc.id))][:2000]
    for cut, label in ((1.0, "complete"), (1 / 3, "first third only")):
        for mode in modes:
            rng = random.Random(args.seed)
            translation = translations.get(mode, references)
            case = edit([documents[k].id[i] for k, i in pairs], [documents[k].en[i] for k, i in pairs],
                        [translation[k][i] for k, i in pairs], rng)
            if cut < 1:
                keep = round(len(case.tgt) * cut)
                case.tgt = case.tgt[:keep]
                case.beads = cut_reference(case.beads, keep)
            every, non_null, seconds = run(case, mode)
            size = f"{len(case.src)}x{len(case.tgt)}"
            print(f"{label:<22}{mode:<14}{size:>11}{f1(*every)[2]:>7.3f}{f1(*non_null)[2]:>13.3f}{seconds:>9.2f}")


if __name__ == "__main__":
    main()
