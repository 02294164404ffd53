"""Scoring benchmark: the figures of translate, score, batch and compare against sacrebleu on real test sets
(also for a system whose case differs from the reference's, which TER ignores), several systems scored at
once, a translation without sentence ends, the cost of invented and missing sentences, and the coverage of a
partial reference.

    python benchmarks/bench_score.py --data ../shared/data/test

The "system" is a stand-in (the reference with words dropped and swapped, chrF about 70): this measures the
scoring path, not a model. Each command is run through the library function the CLI calls.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sacrebleu.metrics import BLEU, CHRF, TER

from translate_cli.batch import run_batch
from translate_cli.compare import compare_runs
from translate_cli.devkit.stand_in import LookupTranslator, system_output
from translate_cli.formats import write_outputs
from translate_cli.pipeline import source_segments, translate_segments
from translate_cli.score import pair_texts, score_texts, segments_of

ROOT = Path(__file__).resolve().parent.parent

SETS = {"NTREX-128": "ntrex128.newstest2019", "FLORES-200": "flores200.devtest"}
METRICS = ("BLEU", "chrF", "chrF++", "TER")


def sacrebleu(hyps: list[str], refs: list[str]) -> tuple[float, ...]:
    return tuple(m.corpus_score(hyps, [refs]).score for m in (BLEU(), CHRF(), CHRF(word_order=2), TER()))


def figures(scores) -> tuple[float, ...]:
    return scores.bleu, scores.chrf, scores.chrfpp, scores.ter


def cased(line: str, number: int) -> str:
    """The stand-in's output, lowercased on every other line (a case that BLEU and chrF count and TER ignores)."""
    output = system_output(line, number)
    return output.lower() if number % 2 else output


def four_commands(data: Path, work: Path) -> None:
    print("set          system   command     " + "".join(f"{m:>20}" for m in METRICS) + "   equal")
    for (label, stem), (name, make) in ((s, m) for s in SETS.items() for m in (("stand-in", system_output),
                                                                                 ("cased", cased))):
        sources = (data / f"{stem}.id").read_text(encoding="utf-8").splitlines()
        references = (data / f"{stem}.en").read_text(encoding="utf-8").splitlines()
        hyps = [make(r, k) for k, r in enumerate(references)]
        system = LookupTranslator(sources, hyps)
        hyps = [system.table[s] for s in sources]  # a repeated source line gets one translation
        folder = work / label / name
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
            print(f"{label:<12} {name:<8} {command:<11} " + "".join(f"{v:>20.14f}" for v in values) + f"   {same}")


def score_cli(*args) -> tuple[dict, str, float]:
    """``translate-cli score ARGS --json``: its JSON, its stderr and its seconds."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "translate_cli", "score", *map(str, args), "--json"],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"score {' '.join(map(str, args))}: {done.stderr.strip()}")
    return json.loads(done.stdout), done.stderr.strip(), time.perf_counter() - started


def several_systems(data: Path, work: Path) -> None:
    stem = SETS["NTREX-128"]
    references = (data / f"{stem}.en").read_text(encoding="utf-8").splitlines()
    ref = work / "ref.en"
    ref.write_text("\n".join(references) + "\n", encoding="utf-8")
    systems = {"stand-in": system_output, "cased": cased}
    files = []
    for name, make in systems.items():
        files.append(work / f"{name}.en")
        files[-1].write_text("\n".join(make(r, k) for k, r in enumerate(references)) + "\n", encoding="utf-8")
    print("\nseveral systems on NTREX-128: score REF -i S1 S2 (one row each), against sacrebleu on each file")
    data_, _, seconds = score_cli(ref, "-i", *files)
    for row, path in zip(data_["systems"], files):
        expected = sacrebleu(path.read_text(encoding="utf-8").splitlines(), references)
        got = (row["bleu"], row["chrf"], row["chrfpp"], row["ter"])
        print(f"{path.name:<14}" + "".join(f"{v:>9.2f}" for v in got)
              + f"   equal: {'yes' if got == expected else 'NO'}"
              + f"   nrefs in signature: {row['signatures']['bleu'].split('|')[0]}")
    print(f"({seconds:.1f} s)")


def without_sentence_ends(data: Path, work: Path) -> None:
    print("\na translation without sentence ends (one line, no . ! ?) against the one-sentence-per-line reference")
    print(f"{'set':<12}{'sentences':>10}" + "".join(f"{m:>9}" for m in METRICS)
          + f"{'joined BLEU':>13}{'joined chrF':>13}" + "  equal on segments  seconds")
    for label, stem in SETS.items():
        references = (data / f"{stem}.en").read_text(encoding="utf-8").splitlines()
        for count in (30, len(references)):
            line = " ".join(re.sub(r"[.!?]+(?=\W*$)", "", system_output(r, k))
                            for k, r in enumerate(references[:count]))
            hyp, ref = work / f"{label}-{count}.out", work / f"{label}-{count}.en"
            hyp.write_text(line + "\n", encoding="utf-8")
            ref_text = "\n".join(references[:count]) + "\n"
            ref.write_text(ref_text, encoding="utf-8")
            row, err, seconds = score_cli(hyp, ref)
            segments = segments_of(pair_texts(line + "\n", ref_text))
            got = (row["bleu"], row["chrf"], row["chrfpp"], row["ter"])
            # TER on the joined text, one line of thousands of words, would take hours
            joined = [m.corpus_score([line], [[" ".join(references[:count])]]).score for m in (BLEU(), CHRF())]
            same = got == sacrebleu(segments.hyps, segments.refs)
            print(f"{label:<12}{count:>10}" + "".join(f"{v:>9.2f}" for v in got)
                  + f"{joined[0]:>13.2f}{joined[1]:>13.2f}" + f"  {'yes' if same else 'NO':>18}  {seconds:>7.1f}"
                  + ("" if row["words"] else "  (not word-level!)"))


def long_lines(work: Path) -> None:
    print("\none line of 1,000 words (the sample article's English, repeated) against the same words shuffled")
    words = ((ROOT / "tests" / "data" / "almaty-back-online.en.txt").read_text(encoding="utf-8").split() * 3)[:1000]
    shuffled = list(words)
    random.Random(0).shuffle(shuffled)  # unrelated text: TER's slowest case, as a random-weight model's output
    ref, hyp = work / "long.en", work / "long.out"
    ref.write_text(" ".join(words) + "\n", encoding="utf-8")
    hyp.write_text(" ".join(shuffled) + "\n", encoding="utf-8")
    for metrics in (("-m", "bleu"), ()):
        row, err, seconds = score_cli(hyp, ref, *metrics)
        print(f"score {' '.join(metrics) or '(all metrics)':<15} {seconds:>5.1f} s  BLEU {row['bleu']:.2f}  "
              f"TER {row.get('ter', '-')}  {err}")


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
        several_systems(args.data, Path(work))
        without_sentence_ends(args.data, Path(work))
        long_lines(Path(work))
    penalties()


if __name__ == "__main__":
    main()
