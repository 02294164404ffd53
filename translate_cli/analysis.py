"""compare-mt's analyses that need no extra model, for ``compare``.

They follow compare-mt (Neubig et al., 2019, "compare-mt: A Tool for Holistic Comparison of Language
Generation Systems", NAACL demo; github.com/neulab/compare-mt), with its defaults:

* n-gram differences: ``compare_mt/ngram_utils.py`` ``compare_ngrams`` (compare_type=match: output
  n-grams, n = 1..4, that the reference also holds, clipped by the reference count) ranked by
  ``compare_mt/stat_utils.py`` ``extract_salient_features``: (m_a + alpha) / (m_a + m_b + 2 alpha), alpha = 1.
* word accuracy by word frequency: ``compare_mt/bucketers.py`` ``FreqWordBucketer`` (cutoffs
  1, 2, 3, 4, 5, 10, 100, 1000; frequency counted on the references unless a training corpus is given)
  and ``WordBucketer.calc_statistics`` (per bucket: matched / reference words = recall, matched / output
  words = precision, their harmonic mean = F-measure).
* sentence buckets by sentence-level score: ``ScoreSentenceBucketer`` (cutoffs 10, 20, ..., 90).
  compare-mt buckets by sentence BLEU; here by sentence chrF, the per-sentence score translate-cli shows
  everywhere (BLEU is unreliable on single sentences).

Words are sacrebleu's 13a tokens (what BLEU counts), case-sensitive like compare-mt's defaults.
Word-level differences between two outputs use :mod:`difflib` (Ratcliff/Obershelp matching).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from translate_cli.errors import UserError

FREQUENCY_CUTOFFS = (1, 2, 3, 4, 5, 10, 100, 1000)
SCORE_CUTOFFS = (10, 20, 30, 40, 50, 60, 70, 80, 90)
MAX_NGRAM = 4
ALPHA = 1.0
TOP_NGRAMS = 15


@dataclass
class WordBucket:
    """Word accuracy of every system on the words whose frequency falls in ``label`` (lists follow the systems)."""

    label: str
    ref_words: int
    out_words: list[int]
    precision: list[float]
    recall: list[float]
    fmeasure: list[float]


@dataclass
class NgramDifference:
    """One n-gram, how often each of two systems matched it, and its salience for the first system."""

    ngram: str
    matches: list[int]
    salience: float


@dataclass
class NgramComparison:
    """The n-grams that ``first`` gets right more often than ``second``, and the reverse (most salient first)."""

    first: str
    second: str
    first_better: list[NgramDifference]
    second_better: list[NgramDifference]


@dataclass
class ScoreBucket:
    """How many segments of every system have a sentence chrF in ``label``."""

    label: str
    segments: list[int]


@cache
def _tokenizer():
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    return Tokenizer13a()


def tokenize(text: str) -> str:
    """``text`` as sacrebleu's 13a tokens joined by spaces (BLEU's default tokenization)."""
    return _tokenizer()(text.strip())


def bucket_labels(cutoffs: Sequence[float], integers: bool) -> list[str]:
    """compare-mt's bucket names (``Bucketer.set_bucket_cutoffs``): ``<1``, ``1``, ..., ``[5,10)``, ``>=1000``."""
    labels = [f"<{cutoffs[0]}"]
    for low, high in zip(cutoffs, cutoffs[1:]):
        labels.append(f"{low}" if integers and high - 1 == low else f"[{low},{high})")
    return labels + [f">={cutoffs[-1]}"]


def bucket_of(value: float, cutoffs: Sequence[float]) -> int:
    """The bucket index of ``value``: the first cutoff above it (compare-mt's ``cutoff_into_bucket``)."""
    return next((i for i, cutoff in enumerate(cutoffs) if value < cutoff), len(cutoffs))


def word_frequencies(tokenized: Iterable[str]) -> Counter:
    """Word counts over tokenized sentences."""
    counts: Counter = Counter()
    for sentence in tokenized:
        counts.update(sentence.split())
    return counts


def read_word_frequencies(path: Path) -> Counter:
    """Word counts of a training corpus (plain text, read line by line, 13a-tokenized)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as lines:
            return word_frequencies(tokenize(line) for line in lines)
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def word_accuracy(refs: Sequence[str], outputs: Sequence[Sequence[str]], frequencies: Counter) -> list[WordBucket]:
    """Precision, recall and F-measure of each system's words per frequency bucket (tokenized input).

    An output word matches when the reference segment holds it (each reference occurrence matched once);
    a word's bucket is that of its frequency, so a matched word falls in the bucket of its reference word.
    Buckets holding no word on either side are left out.
    """
    size = len(FREQUENCY_CUTOFFS) + 1
    ref_total = [0] * size
    out_total = [[0] * size for _ in outputs]
    matched = [[0] * size for _ in outputs]
    for i, ref in enumerate(refs):
        ref_counts = Counter(ref.split())
        for word, count in ref_counts.items():
            ref_total[bucket_of(frequencies[word], FREQUENCY_CUTOFFS)] += count
        for system, hyps in enumerate(outputs):
            for word, count in Counter(hyps[i].split()).items():
                bucket = bucket_of(frequencies[word], FREQUENCY_CUTOFFS)
                out_total[system][bucket] += count
                matched[system][bucket] += min(count, ref_counts[word])
    buckets = []
    for b, label in enumerate(bucket_labels(FREQUENCY_CUTOFFS, integers=True)):
        if not ref_total[b] and not any(totals[b] for totals in out_total):
            continue
        precision = [m[b] / o[b] if m[b] else 0.0 for m, o in zip(matched, out_total)]
        recall = [m[b] / ref_total[b] if m[b] else 0.0 for m in matched]
        fmeasure = [2 * p * r / (p + r) if p + r else 0.0 for p, r in zip(precision, recall)]
        buckets.append(WordBucket(label, ref_total[b], [o[b] for o in out_total], precision, recall, fmeasure))
    return buckets


def ngram_matches(refs: Sequence[str], hyps: Sequence[str]) -> Counter:
    """How often each output n-gram (n = 1..4) matched the reference, clipped by the reference's count."""
    from sacrebleu.metrics.helpers import extract_all_word_ngrams

    matches: Counter = Counter()
    for ref, hyp in zip(refs, hyps):
        ref_ngrams, _ = extract_all_word_ngrams(ref, 1, MAX_NGRAM)
        hyp_ngrams, _ = extract_all_word_ngrams(hyp, 1, MAX_NGRAM)
        matches.update(hyp_ngrams & ref_ngrams)
    return matches


def ngram_differences(names: tuple[str, str], first: Counter, second: Counter,
                      top: int = TOP_NGRAMS) -> NgramComparison:
    """The ``top`` n-grams each system matches more often than the other, by compare-mt's salience."""
    differing = [(ngram, first[ngram], second[ngram]) for ngram in first.keys() | second.keys()
                 if first[ngram] != second[ngram]]

    def salience(a: int, b: int) -> float:
        return (a + ALPHA) / (a + b + 2 * ALPHA)

    def ranked(items, flip: bool) -> list[NgramDifference]:
        scored = [(salience(b, a) if flip else salience(a, b), " ".join(ngram), a, b) for ngram, a, b in items]
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [NgramDifference(text, [a, b], value) for value, text, a, b in scored[:top]]

    return NgramComparison(names[0], names[1], ranked([d for d in differing if d[1] > d[2]], flip=False),
                           ranked([d for d in differing if d[2] > d[1]], flip=True))


def score_buckets(scores: Sequence[Sequence[float]]) -> list[ScoreBucket]:
    """Segments per sentence-score bucket for every system; ``scores[segment][system]``."""
    labels = bucket_labels(SCORE_CUTOFFS, integers=False)
    counts = [[0] * len(labels) for _ in scores[0]] if scores else []
    for row in scores:
        for system, value in enumerate(row):
            counts[system][bucket_of(value, SCORE_CUTOFFS)] += 1
    return [ScoreBucket(label, [c[b] for c in counts]) for b, label in enumerate(labels)]


def word_changes(hypotheses: Sequence[str]) -> list[list[tuple[str, bool]]]:
    """Each hypothesis as runs of words, flagged True where it differs from the first system's output
    (the first system's, where it differs from the second's)."""
    words = [h.split() for h in hypotheses]
    marked = []
    for i, mine in enumerate(words):
        other = words[1 if i == 0 else 0] if len(words) > 1 else mine
        changed = [False] * len(mine)
        for tag, _, _, low, high in difflib.SequenceMatcher(None, other, mine, autojunk=False).get_opcodes():
            if tag != "equal":
                changed[low:high] = [True] * (high - low)
        runs: list[tuple[str, bool]] = []
        for word, flag in zip(mine, changed):
            if runs and runs[-1][1] == flag:
                runs[-1] = (f"{runs[-1][0]} {word}", flag)
            else:
                runs.append((word, flag))
        marked.append(runs)
    return marked
