"""`score`'s cost against sacrebleu's own API on the same 1,000 lines (CPU seconds, best of 3, interleaved).

The reference is NTREX-128's English (first 1,000 lines), the "system" that reference with 15% of its words
dropped; both sides compute BLEU, chrF, chrF++ and TER, and must agree on every figure.

    python benchmarks/bench_score_speed.py --data ../shared/data/test
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from sacrebleu.metrics import BLEU, CHRF, TER

from translate_cli.score import score_texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/test"))
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    refs = (args.data / "ntrex128.newstest2019.en").read_text(encoding="utf-8").split("\n")[: args.lines]
    rng = random.Random(0)
    hyps = [" ".join(w for w in r.split() if rng.random() > 0.15) for r in refs]
    hyp_text, ref_text = "\n".join(hyps) + "\n", "\n".join(refs) + "\n"

    def sacrebleu_api() -> list[float]:
        return [m.corpus_score(hyps, [refs]).score for m in (BLEU(), CHRF(), CHRF(word_order=2), TER())]

    def ours() -> list[float]:
        scores = score_texts(hyp_text, ref_text)
        return [scores.bleu, scores.chrf, scores.chrfpp, scores.ter]

    times: dict[str, list[float]] = {"sacrebleu": [], "score": []}
    for _ in range(args.repeat):
        for name, run in (("sacrebleu", sacrebleu_api), ("score", ours)):
            start = time.process_time()
            figures = run()
            times[name].append(time.process_time() - start)
            if name == "sacrebleu":
                expected = figures
            elif figures != expected:
                raise SystemExit(f"figures differ: {figures} vs {expected}")
    best = {name: min(values) for name, values in times.items()}
    print(f"{len(refs)} lines: sacrebleu API {best['sacrebleu']:.3f} s, score {best['score']:.3f} s, "
          f"ratio {best['score'] / best['sacrebleu']:.2f} (same BLEU, chrF, chrF++, TER)")


if __name__ == "__main__":
    main()
