"""Time and peak memory of ``align`` without a model on N x N documents, N = 1,000, 5,000 and 20,000.

The documents are the test sets' line-aligned pairs concatenated (NTREX, FLORES, TICO-19, news, ...),
cut to N lines on each side. With ``--against FILE`` (an older align.py, e.g. from
``git show main:translate_cli/align.py > /tmp/align_old.py``), both run on the same documents and the
ratios old / new are printed, with whether their beads are identical. Times are CPU seconds of the
aligner; peak memory is tracemalloc's peak of the aligner's allocations (numpy's included), measured
in a second run so that tracing does not slow the timed one.

    python benchmarks/bench_align_scale.py [--data ../shared/data] [--sizes 1000,5000,20000] [--against FILE]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import tracemalloc
from pathlib import Path

import gold

from translate_cli import align as current

SETS = ("ntrex128.newstest2019", "flores200.devtest", "tico19.test", "news.test", "general.test",
        "religious.test", "geovedi.test")


def document(folder: Path, n: int) -> tuple[list[str], list[str]]:
    """The first ``n`` lines of the test sets concatenated, on each side."""
    src: list[str] = []
    tgt: list[str] = []
    for name in SETS:
        s, t = gold.read_pair(folder, name)
        src += s
        tgt += t
        if len(src) >= n:
            break
    if len(src) < n:
        raise SystemExit(f"the test sets hold only {len(src)} lines")
    return src[:n], tgt[:n]


def measure(module, src: list[str], tgt: list[str]) -> tuple[list, float, float]:
    """Beads, CPU seconds and peak traced MB of one alignment."""
    start = time.process_time()
    beads = module.align(src, tgt, method="auto")
    seconds = time.process_time() - start
    tracemalloc.start()
    module.align(src, tgt, method="auto")
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return beads, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=gold.DATA, help="the shared/data folder (or its test folder)")
    parser.add_argument("--sizes", default="1000,5000,20000", help="comma-separated N")
    parser.add_argument("--against", type=Path, help="an older align.py to compare with")
    args = parser.parse_args()
    folder = args.data / "test" if (args.data / "test").is_dir() else args.data
    old = None
    if args.against:
        spec = importlib.util.spec_from_file_location("align_old", args.against)
        assert spec is not None and spec.loader is not None
        old = sys.modules["align_old"] = importlib.util.module_from_spec(spec)  # dataclasses look it up
        spec.loader.exec_module(old)
    print(f"{'N':>7}{'cpu s':>8}{'peak MB':>9}" + (f"{'old s':>8}{'old MB':>9}{'x time':>8}{'x MB':>7}  same beads"
                                                  if old else ""))
    for n in map(int, args.sizes.split(",")):
        src, tgt = document(folder, n)
        beads, seconds, peak = measure(current, src, tgt)
        row = f"{n:>7}{seconds:>8.2f}{peak:>9.0f}"
        if old is not None:
            old_beads, old_seconds, old_peak = measure(old, src, tgt)
            row += (f"{old_seconds:>8.2f}{old_peak:>9.0f}{old_seconds / seconds:>8.1f}{old_peak / peak:>7.1f}"
                    f"  {'yes' if old_beads == beads else 'NO'}")
        print(row, flush=True)


if __name__ == "__main__":
    main()
