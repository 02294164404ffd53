"""Scoring benchmark: the figures of translate, score, batch and compare against sacrebleu on real test sets,
the cost of invented and missing sentences, and the coverage of a partial reference.

    python benchmarks/bench_score.py --data ../shared/data/test

The "system" is a stand-in (the reference with words dropped and swapped, chrF about 70): this measures the
scoring path, not a model. Each command is run through the library function the CLI calls.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from sacrebleu.metrics import BLEU, CHRF, TER

from translate_cli.batch import run_batch
from translate_cli.compare import compare_runs
from translate_cli.formats import write_outputs
from translate_cli.pipeline import source_segments, translate_segments
from translate_cli.score import score_texts

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from stand_in import LookupTranslator, system_output  # noqa: E402

SETS = {"NTREX-128": "ntrex128.newstest2019", "FLORES-200": "flores200.devtest"}
METRICS = ("BLEU", "chrF", "chrF++", "TER")


def sacrebleu(hyps: list[str], refs: list[str]) -> tuple[float, ...]:
    return tuple(m.corpus_score(hyps, [refs]).score for m in (BLEU(), CHRF(), CHRF(word_order=2), TER()))


def figures(scores) -> tuple[float, ...]:
    return scores.bleu, scores.chrf, scores.chrfpp, scores.ter


def four_commands(data: Path, work: Path) -> None:
    print("set          command     " + "".join(f"{m:>20}" for m in METRICS) + "   equal")
    for label, stem in SETS.items():
        sources = (data / f"{stem}.id").read_text(encoding="utf-8").splitlines()
        references = (data / f"{stem}.en").read_text(encoding="utf-8").splitlines()
        hyps = [system_output(r, k) for k, r in enumerate(references)]
        system = LookupTranslator(sources, hyps)
        folder = work / label
        (folder / "in").mkdir(parents=True)
        (folder / "refs").mkdir()
        text, ref_text = "\n".join(sources) + "\n", "\n".join(references) + "\n"
        (folder / "in" / "set.id.txt").write_text(text, encoding="utf-8")
        (folder / "refs" / "set.en.txt").write_text(ref_text, encoding="utf-8")
        translated = translate_segments("set", source_segments(text, True), system, ref_text, lines=True)
        write_outputs(translated, folder / "translate")
        batch = run_batch(folder / "in", folder / "batch", system, references=folder / "refs", quiet=True,
                          presegmented=True)
        compared = compare_runs([folder / "batch"], folder / "refs", n_samples=100).systems[0].metrics
        rows = {
            "sacrebleu": sacrebleu(hyps, references),
            "translate": figures(translated.scores),
            "score": figures(score_texts((folder / "translate" / "set.en.txt").read_text(encoding="utf-8"), ref_text)),
            "batch": figures(batch.corpus),
            "compare": tuple(compared[m].score for m in METRICS),
        }
        for command, values in rows.items():
            same = "-" if command == "sacrebleu" else ("yes" if values == rows["sacrebleu"] else "NO")
            print(f"{label:<12} {command:<11} " + "".join(f"{v:>20.14f}" for v in values) + f"   {same}")


def penalties() -> None:
    english = (ROOT / "tests" / "data" / "almaty-back-online.en.txt").read_text(encoding="utf-8")
    lines = [line for line in english.splitlines() if line.strip()]
    invented = "A spokesman added that the weather in the mountains had been unusually mild for January."
    cases = {
        "identical": lines,
        "+1 invented sentence": lines[:10] + [invented] + lines[10:],
        "-1 missing sentence": lines[:10] + lines[11:],
        "+1 invented, -1 missing": lines[:6] + [invented] + lines[6:10] + lines[11:],
    }
    reference = "\n".join(lines) + "\n"
    print(f"\nthe sample article's English version ({len(lines)} lines) as reference, the hypothesis as one paragraph")
    print(f"{'hypothesis':<26}" + "".join(f"{m:>9}" for m in METRICS) + "  inserted  missing  coverage")
    for name, hyp in cases.items():
        s = score_texts(" ".join(hyp) + "\n", reference)
        print(f"{name:<26}" + "".join(f"{v:>9.2f}" for v in figures(s))
              + f"  {s.inserted:>8}  {s.missing:>7}  {s.coverage:>8.1%}")

    print("\npartial references: the whole translation against part of the reference")
    print(f"{'reference':<26}{'true coverage':>14}{'reported':>10}{'chrF':>8}")
    third = len(lines) // 3
    for name, part in {"first 11 paragraphs": lines[:11], "middle third": lines[third:2 * third],
                       "last third": lines[2 * third:]}.items():
        s = score_texts("\n\n".join(lines) + "\n", "\n".join(part) + "\n")
        print(f"{name:<26}{len(part) / len(lines):>14.1%}{s.coverage:>10.1%}{s.chrf:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "test",
                        help="folder holding the test sets (ntrex128.newstest2019.id/.en, flores200.devtest.id/.en)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        four_commands(args.data, Path(work))
    penalties()


if __name__ == "__main__":
    main()
