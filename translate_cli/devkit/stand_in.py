"""A stand-in MT system for measuring the scoring path: the reference with words dropped and swapped (chrF about
70), served through the pipeline's translator interface. Used by tests/test_scoring_path.py and
benchmarks/bench_score.py."""

from __future__ import annotations


def system_output(line: str, number: int) -> str:
    """The reference line with every sixth word dropped and, on every third line, two words swapped."""
    words = line.split()
    kept = [w for k, w in enumerate(words) if (k + number) % 6 != 0] or words
    if len(kept) > 3 and number % 3 == 0:
        kept[1], kept[2] = kept[2], kept[1]
    return " ".join(kept)


class LookupTranslator:
    """Translates each source line of a test set into the stand-in system's output for that line."""

    identity = label = "stand-in system"

    def __init__(self, sources: list[str], outputs: list[str]):
        self.table = dict(zip(sources, outputs))

    def translate(self, sentences, progress=None, on_translated=None):
        outputs = [self.table[s] for s in sentences]
        if on_translated:
            on_translated(list(enumerate(outputs)))
        return outputs
