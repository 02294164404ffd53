"""Monotonic sentence alignment of two sentence lists, with or without a translation model.

Each bead (1-1, 1-2, 2-1, 2-2, 1-3, 3-1, 2-3, 3-2, 1-4, 4-1) costs a bead-type prior plus the length
cost of Gale & Church (1993), "A program for aligning sentences in bilingual corpora", minus a reward
for the similarity of its two sides; 1-0 and 0-1 beads form gaps with affine costs (Gotoh 1982), so
that a block of unmatched material (headers, captions, a passage the other side skips) costs little
more than one stray sentence, and gaps at either end of the document, where a reference covering
only part of it leaves the rest, have costs of their own. Dynamic programming finds the cheapest
monotonic path. The similarity comes from the best evidence at hand:

* ``translation``: the source sentences translated into the target's language, compared with the
  target as sets of character n-grams (as chrF, Popović 2015), as in Bleualign (Sennrich & Volk 2010);
  the reward follows their F-score above its median in the search band;
* ``tokens``: no model, only what both languages write alike: numbers, names and other cognates (words
  sharing their first four letters, after Simard, Foster & Isabelle 1992, "Using cognates to align
  sentences in bilingual corpora") and punctuation such as quotes, parentheses and question marks;
  each feature found on both sides of the document is an anchor, rewarded per bead that shares it;
* ``length``: the length model alone.

Features count by their rarity in the document (inverse document frequency): a feature of weight w
sets w hashed bits, so bit counts approximate weighted counts. The search runs in a band around a path
found first on coarser blocks of sentences, recursively, as in Vecalign (Thompson & Koehn 2019), so its
cost grows about linearly with document length. Priors, gap costs and rewards were calibrated on real
train/dev documents with benchmarks/tune_align.py. The tokens method's path then has a second pass
(_refine): where a document's anchors are reliable, a sentence of a merged bead that shares none of them
with its target is one the other side lost.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import get_args

import numpy as np

from translate_cli.errors import UserError
from translate_cli.records import Bead, Method

METHODS: tuple[str, ...] = get_args(Method)

# Bead types (source sentences, target sentences); 1-0 and 0-1 beads are gaps (see _search).
_BEADS = ((1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (2, 3), (3, 2), (1, 4), (4, 1))

# Character n-grams as in chrF (whitespace removed, here also lower-cased), kept as sets hashed
# into bits; a bead's similarity (and score) is their F1 (Dice) rather than chrF's recall-weighted
# F2, so that neither side is favoured.
_ORDERS = (2, 3, 4, 5)
_BITS = 12  # 4096 bits per set


@dataclass(frozen=True)
class Weights:
    """Costs of one method. ``variance``: Gale & Church's s^2, the variance of target characters per
    source character (6.8 in their paper); ``shared``: for tokens the reward per feature bit a bead's
    two sides share (and ``unmatched`` the cost per bit left unmatched), for a translation the reward
    per unit of F-score; then the costs of opening and extending a gap inside the document and at its
    ends."""

    variance: float
    shared: float
    unmatched: float
    gap_open: float
    gap_extend: float
    end_open: float
    end_extend: float


@dataclass(frozen=True)
class AlignParams:
    """The aligner's tuned parameters (benchmarks/tune_align.py builds variants with ``dataclasses.replace``).
    ``prior``: probability of each bead type; ``weights``: costs per method, and ``partial_weights``
    those used instead when one side covers only part of the other; ``max_weight``: most bits a feature
    sets; ``idf_scale``: bits per halving of a feature's document frequency; ``scale_spread``: relative
    uncertainty of the length scale of a partial reference; ``prior_weight``: matched sentences the
    expected length ratio counts as (see _align_levels)."""

    prior: Mapping[tuple[int, int], float]
    weights: Mapping[str, Weights]
    partial_weights: Mapping[str, Weights]
    max_weight: int
    idf_scale: float
    scale_spread: float
    prior_weight: float

    def costs(self, kind: str, partial: bool) -> Weights:
        """The weights of a method, those for partial references when ``partial``."""
        return self.partial_weights.get(kind, self.weights[kind]) if partial else self.weights[kind]


DEFAULT_PARAMS = AlignParams(
    # Started from Gale & Church (1993), table 5: P(1-1) = .89, P(2-1 or 1-2) = .089, P(2-2) = .011; the
    # larger beads were given small shares, then all tuned on real documents (benchmarks/tune_align.py).
    prior={(1, 1): 0.89, (1, 2): 0.0712, (2, 1): 0.0712, (2, 2): 0.0014, (1, 3): 0.0064, (3, 1): 0.0064,
           (2, 3): 0.00022, (3, 2): 0.00022, (1, 4): 0.00046, (4, 1): 0.00046},
    # The line-aligned tuning sets never lose a sentence, so the tokens' gap opening had drifted to 7.4, where
    # their objective was flat, and their length variance to 10.9: a sentence the reference lost went into
    # its neighbour's bead. With a reference that lost and merged sentences among them (bench_align's ted-dev
    # edited), a whole document takes a gap opening of 4.0 and a variance of 7.4, near Gale & Church's 6.8.
    # When one side covers only part of the other, the scale rests on few beads and the covered part must
    # stay in one piece: there the earlier, dearer values still win (partial_weights), as does the length
    # model's dear gaps everywhere, since with length alone they are all that keeps such a part together.
    weights={
        "length": Weights(6.8, 0.0, 0.0, 2.88, 4.61, 4.1, 2.0),
        "tokens": Weights(7.4, 0.72, 0.055, 4.0, 2.88, 0.94, 0.72),
        "translation": Weights(10.9, 49.2, 0.0, 1.73, 0.65, 0.6, 0.43),
    },
    partial_weights={"tokens": Weights(10.9, 0.72, 0.055, 7.42, 2.88, 0.94, 0.72)},
    max_weight=8,
    idf_scale=0.93,
    scale_spread=0.77,
    prior_weight=16.0,  # 2-64 tried on train/dev
)
_PARTIAL_RATIO = 0.6  # below this ratio of the two length scales, one side covers part of the other
_ALIKE = 2.5  # sides written alike differ by at most this factor in characters per word (Chinese: 4)
_MIN_GAIN = {"translation": 0.1, "tokens": 0.005}
_FULL = 100  # a level with at most this many units per side is searched in full
_FACTOR = 4  # units per block at each coarser level
_MARGIN = 4  # cells added on each side of the projected coarse path
# The second pass over the tokens' path (see _refine), chosen on ted-dev edited and text+berg dev:
_ANCHOR_BITS = 2  # features of at least this weight are anchors (the commonest punctuation weighs 1)
_MIN_ANCHORS = 4  # total anchor weight a sentence needs before missing anchors count against it
_MIN_COUNT = 2  # ... and at least this many anchors (one stem shared by chance, as "sendiri"/"send", is none)
_MAX_BARE = 0.12  # anchors are trusted when at most this share of the 1-1 sentences with them share none
_MIN_SAMPLE = 5  # sentences of 1-1 beads with anchors needed to tell (see _trusted)


@dataclass(frozen=True)
class _Level:
    """Units (sentences or blocks of them) of both sides: lengths and, but for the length method,
    feature bit sets."""

    src_len: np.ndarray
    tgt_len: np.ndarray
    kind: str  # the method
    unit: int = 1  # sentences per unit
    src_bits: np.ndarray | None = None
    tgt_bits: np.ndarray | None = None
    shared_words: int = 0  # leading words of each row holding the bits set on both sides (see _weighted_bitsets)
    spread: float = 0.0  # relative uncertainty of the length scale
    partial: bool = False  # one side covers only part of the other


def align(
    src: Sequence[str],
    tgt: Sequence[str],
    *,
    src_translation: Sequence[str] | None = None,
    method: str = "auto",
    params: AlignParams = DEFAULT_PARAMS,
) -> list[Bead]:
    """Monotonic alignment of two sentence lists into beads covering every index once, in order.

    ``src_translation`` holds the source sentences translated into the target's language (pass
    ``src`` itself when both sides share a language). Methods: ``'translation'`` compares it with the
    target (and requires it), ``'tokens'`` compares numbers, names, cognates and punctuation of the
    two sides as written, ``'length'`` uses sentence lengths alone, and ``'auto'`` the best of these
    that tells matching sentences apart in this document. A bead's score is the similarity of its two
    sides (n-gram F-score) or, for the length method, the Gale & Church probability of its length
    difference; 0 for 1-0 and 0-1 beads. ``params``: the tuned costs (see ``AlignParams``).
    """
    if method not in METHODS:
        raise UserError(f"unknown alignment method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "translation" and src_translation is None:
        raise UserError("alignment method 'translation' needs a translation of the source")
    if src_translation is not None and len(src_translation) != len(src):
        raise ValueError(f"{len(src_translation)} translated sentences for {len(src)} source sentences")
    if not src or not tgt:
        return [Bead((i,), (), 0.0) for i in range(len(src))] + [Bead((), (j,), 0.0) for j in range(len(tgt))]

    src_len = np.array([len(s) for s in src], dtype=float)
    tgt_len = np.array([len(t) for t in tgt], dtype=float)
    scale = tgt_len.sum() / max(src_len.sum(), 1.0)
    src_len *= scale  # on the target's scale (see _align_levels)

    def prior(kind: str) -> float | None:
        """The expected scale (see _align_levels): from the translation only where it is the evidence used."""
        expected = _expected_ratio(src, tgt, src_translation if kind == "translation" else None)
        return expected / scale if expected is not None and scale > 0 else None

    candidates = []
    if method in ("auto", "translation") and src_translation is not None:
        candidates.append(("translation", _char_ngrams(src_translation), _char_ngrams(tgt)))
    if method in ("auto", "tokens"):
        candidates.append(("tokens", _tokens(src), _tokens(tgt)))
    for kind, src_features, tgt_features in candidates:
        levels = _feature_levels(src_len, tgt_len, src_features, tgt_features, kind, params)
        path = _align_levels(levels, params, prior(kind))
        if method != "auto" or _informative(levels[0], path, kind):
            if kind == "tokens":
                path = _refine(path, levels[0], src_features, tgt_features, params)
            return _beads(path)
    return _beads(_align_levels(_length_levels(src_len, tgt_len), params, prior("length")))


def _beads(path) -> list[Bead]:
    """Beads from a path of (src start, src end, tgt start, tgt end, score)."""
    return [Bead(tuple(range(i0, i1)), tuple(range(j0, j1)), score) for i0, i1, j0, j1, score in path]


def covered_span(beads: Sequence[Bead]) -> tuple[range, range]:
    """The source and target sentences from the first to the last bead that has both sides: the part
    of the document that the other side covers (empty ranges when no bead does)."""
    matched = [b for b in beads if b.src and b.tgt]
    if not matched:
        return range(0), range(0)
    return range(matched[0].src[0], matched[-1].src[-1] + 1), range(matched[0].tgt[0], matched[-1].tgt[-1] + 1)


def _align_levels(levels: list[_Level], params: AlignParams,
                  prior: float | None = None) -> list[tuple[int, int, int, int, float]]:
    """Search the coarsest level in full, then each finer one in a band around the path above.

    Source lengths come scaled to the target's total, right when each side covers the whole of the
    other. When that scale is far from the ratio of the median sentences, or one side has far fewer
    sentences, one side covers only part of the other, and the median ratio is used instead. Either way
    the coarsest level is searched first to find the beads of both sides, whose lengths give the scale
    for the search proper, so that a passage one side lacks does not skew it. With only part covered, that
    scale rests on the few beads it helped choose; the ``prior`` scale known before aligning (see
    ``_expected_ratio``), when there is one, is averaged in (in log space) as if it came from
    ``params.prior_weight`` more sentences.
    """
    factor = _median_ratio(levels[0])
    count = len(levels[0].tgt_len) / len(levels[0].src_len)
    partial = not (_PARTIAL_RATIO <= factor <= 1 / _PARTIAL_RATIO and _PARTIAL_RATIO <= count <= 1 / _PARTIAL_RATIO)
    coarsest = replace(levels[-1], src_len=levels[-1].src_len * (factor if partial else 1.0),
                       spread=params.scale_spread if partial else 0.0, partial=partial)
    n, m = len(coarsest.src_len), len(coarsest.tgt_len)
    coarse, _ = _search(coarsest, params, np.zeros(n + 1, int), np.full(n + 1, m), True)
    matched = [(i0, i1, j0, j1) for i0, i1, j0, j1, _ in coarse if i1 > i0 and j1 > j0]
    src_total = sum(levels[-1].src_len[i0:i1].sum() for i0, i1, _, _ in matched)
    tgt_total = sum(levels[-1].tgt_len[j0:j1].sum() for _, _, j0, j1 in matched)
    factor = tgt_total / src_total if src_total > 0 and tgt_total > 0 else 1.0
    if partial and prior is not None:
        k = sum(j1 - j0 for _, _, j0, j1 in matched) * levels[-1].unit
        weight = params.prior_weight
        factor = float(np.exp((k * np.log(factor) + weight * np.log(prior)) / (k + weight)))
    levels = [replace(level, src_len=level.src_len * factor, partial=partial) for level in levels]
    path: list[tuple[int, int, int, int, float]] | None = None
    for level in reversed(levels):
        n, m = len(level.src_len), len(level.tgt_len)
        band = (np.zeros(n + 1, int), np.full(n + 1, m)) if path is None else _project(path, n, m)
        path, _ = _search(level, params, *band, partial or level.unit == 1)
    assert path is not None  # levels holds at least the sentence level
    return path


def _expected_ratio(src: Sequence[str], tgt: Sequence[str], src_translation: Sequence[str] | None) -> float | None:
    """Target characters per source character expected before aligning: the translation's own ratio
    when there is one; 1 (Gale & Church's c) when both sides are written alike, with as many
    characters per word within ``_ALIKE``; otherwise unknown (None), e.g. Chinese and English."""
    if src_translation is not None:
        return max(sum(map(len, src_translation)), 1) / max(sum(map(len, src)), 1)

    def per_word(texts: Sequence[str]) -> float:
        return max(sum(map(len, texts)), 1) / max(sum(len(t.split()) for t in texts), 1)

    return 1.0 if 1 / _ALIKE <= per_word(tgt) / per_word(src) <= _ALIKE else None


def _median_ratio(level: _Level) -> float:
    """Ratio of the median target sentence to the median source sentence."""
    return max(float(np.median(level.tgt_len)), 1.0) / max(float(np.median(level.src_len)), 1.0)


def _informative(level: _Level, path, kind: str, sample: int = 500) -> bool:
    """Whether the features tell matching sentences from others: on the 1-1 beads of the path they
    produced, their similarity must exceed by ``_MIN_GAIN[kind]`` that of the same sentences paired with
    targets a third and two thirds of the document away. A translation must beat what a junk text of
    the right length gets (about 0.05 on the tuning data), so a broken or untrained model costs nothing;
    tokens need only be shared at all. With too few 1-1 beads to tell, tokens are trusted and a
    translation is not."""
    pairs = np.array([(i0, j0) for i0, i1, j0, j1, _ in path if i1 - i0 == 1 and j1 - j0 == 1]).reshape(-1, 2)
    m = len(level.tgt_len)
    if len(pairs) < 3 or m < 3:
        return kind == "tokens"
    pairs = pairs[:: max(1, len(pairs) // sample)]
    src, tgt = pairs[:, 0], pairs[:, 1]
    aligned = _dice(level, src, tgt)
    shifted = sum(_dice(level, src, (tgt + k * m // 3) % m) for k in (1, 2)) / 2
    return float(np.mean(aligned - shifted)) > _MIN_GAIN[kind]


def _char_ngrams(sentences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sentence index and 64-bit hash of each character 2- to 5-gram, lower-cased and whitespace
    removed as in chrF."""
    return _hashed_ngrams(["".join(s.lower().split()) for s in sentences], _ORDERS)


_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»‹›「」『』‘’‚‛'`´"}
                        | {c: "(" for c in "[{（【"} | {c: ")" for c in "]}）】"})
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+|[^\w\s]")


def _tokens(sentences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sentence index and hash of each token feature that may be written alike in two languages:
    numbers (digits only, so that 1,8 and 1.8 agree), words by their first four letters (Simard et al.
    1992) and punctuation marks, quotes and brackets of any script folded together."""
    texts = []
    for s in sentences:
        features = []
        for token in _TOKEN.findall(unicodedata.normalize("NFKC", s).lower().translate(_QUOTES)):
            if token[0].isdigit():
                features.append("#" + re.sub(r"\D", "", token))
            elif token[0].isalpha():
                features.append(token[:4])
            else:
                features.append(token)
        texts.append(features)
    rows = np.repeat(np.arange(len(texts)), [len(f) for f in texts])
    return rows, np.array([zlib.crc32(f.encode()) for fs in texts for f in fs], dtype=np.uint64)


def _hashed_ngrams(texts: Sequence[str], orders) -> tuple[np.ndarray, np.ndarray]:
    """Sentence index and 64-bit hash of each character n-gram of the given orders."""
    sizes = np.array([len(t) for t in texts])
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    rows = np.repeat(np.arange(len(texts)), sizes)
    all_rows, all_hashes = [np.zeros(0, int)], [np.zeros(0, np.uint64)]
    for order in orders:
        count = len(codes) - order + 1
        if count <= 0:
            continue
        hashes = np.full(count, order, dtype=np.uint64)
        for k in range(order):  # polynomial hash; uint64 arithmetic wraps around
            hashes = hashes * np.uint64(1_000_003) + codes[k : k + count]
        inside = rows[:count] == rows[order - 1 :]
        all_rows.append(rows[:count][inside])
        all_hashes.append(hashes[inside])
    return np.concatenate(all_rows), np.concatenate(all_hashes)


def _length_levels(src_len: np.ndarray, tgt_len: np.ndarray) -> list[_Level]:
    """Levels for the length model alone."""
    levels = [_Level(src_len, tgt_len, "length")]
    while max(len(levels[-1].src_len), len(levels[-1].tgt_len)) > _FULL:
        prev = levels[-1]
        levels.append(_Level(_block_sums(prev.src_len), _block_sums(prev.tgt_len), "length", prev.unit * _FACTOR))
    return levels


def _distinct(rows: np.ndarray, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each (sentence, feature) pair once."""
    order = np.lexsort((hashes, rows))
    rows, hashes = rows[order], hashes[order]
    keep = np.ones(len(rows), bool)
    keep[1:] = (rows[1:] != rows[:-1]) | (hashes[1:] != hashes[:-1])
    return rows[keep], hashes[keep]


def _frequency(hashes: np.ndarray, of: np.ndarray) -> np.ndarray:
    """How often each hash in ``of`` occurs in ``hashes`` (0 when absent)."""
    values, counts = np.unique(hashes, return_counts=True)
    if not len(values):
        return np.zeros(len(of), int)
    at = np.minimum(np.searchsorted(values, of), len(values) - 1)
    return np.where(values[at] == of, counts[at], 0)


def _feature_levels(src_len, tgt_len, src_features, tgt_features, kind: str, params: AlignParams) -> list[_Level]:
    """Levels with weighted feature bit sets: per sentence, then per block of sentences."""
    n, m = len(src_len), len(tgt_len)
    src_rows, src_hash = _distinct(*src_features)
    tgt_rows, tgt_hash = _distinct(*tgt_features)
    # Document frequency on each side, and an inverse-document-frequency weight from the commoner side.
    src_df_own, src_df_other = _frequency(src_hash, src_hash), _frequency(tgt_hash, src_hash)
    tgt_df_own, tgt_df_other = _frequency(tgt_hash, tgt_hash), _frequency(src_hash, tgt_hash)
    src_w = _weights(src_df_own / n, src_df_other / m, params)
    tgt_w = _weights(tgt_df_own / m, tgt_df_other / n, params)
    if kind == "tokens":  # words of one language only are no evidence either way
        src_w[src_df_other == 0] = 0
        tgt_w[tgt_df_other == 0] = 0
    levels = [_Level(src_len, tgt_len, kind, 1,
                     *_weighted_bitsets((src_rows, src_hash, src_w, n), (tgt_rows, tgt_hash, tgt_w, m), _BITS))]
    if max(n, m) <= _FULL:
        return levels
    # Coarse levels keep the features found on both sides, in sets growing with the blocks.
    src_keep, tgt_keep = src_df_other > 0, tgt_df_other > 0
    while max(len(levels[-1].src_len), len(levels[-1].tgt_len)) > _FULL:
        prev = levels[-1]
        unit = prev.unit * _FACTOR
        bits = _BITS + len(levels) * (_FACTOR.bit_length() - 1)  # as many bits per level
        src_blocks, tgt_blocks = _block_sums(prev.src_len), _block_sums(prev.tgt_len)
        levels.append(_Level(
            src_blocks,
            tgt_blocks,
            kind,
            unit,
            *_weighted_bitsets((src_rows[src_keep] // unit, src_hash[src_keep], src_w[src_keep], len(src_blocks)),
                               (tgt_rows[tgt_keep] // unit, tgt_hash[tgt_keep], tgt_w[tgt_keep], len(tgt_blocks)),
                               bits),
        ))
    return levels


def _weights(own: np.ndarray, other: np.ndarray, params: AlignParams) -> np.ndarray:
    """Bits per feature: log2 of the inverse document frequency on the side where it is commoner."""
    idf = -np.log2(np.maximum(np.maximum(own, other), 1e-9))
    return np.clip(np.rint(params.idf_scale * idf), 1, params.max_weight).astype(int)


def _bucket(hashes: np.ndarray, bits: int) -> np.ndarray:
    """Top ``bits`` bits of Knuth's multiplicative hash: hash * 2^64 / phi, wrapping around."""
    return ((hashes * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - bits)).astype(np.intp)


def _weighted_bitsets(src, tgt, bits: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Per-unit feature sets of both sides, each side given as (units, hashes, weights, unit count), as
    packed bit rows (uint64); a feature of weight w sets w of 2^``bits`` hashed bits.

    Only the bits set on both sides can be shared, so they come first, in the same order on both sides,
    in the returned number of leading words; each side's own bits follow. Every count (shared or not) is
    as over the 2^``bits`` bits, but a row holds only the bits the document sets: at the coarse levels,
    whose bits grow with the document (as many bits per level, see _feature_levels) while their units
    shrink, that keeps time and memory linear in the document (20,000 sentences: 2^20 bits a row)."""
    cells = []
    for rows, hashes, weights, _ in (src, tgt):
        reps = np.repeat(np.arange(len(rows)), weights)
        copy = np.arange(len(reps)) - np.repeat(np.cumsum(weights) - weights, weights)
        cells.append((rows[reps], _bucket(hashes[reps] + copy.astype(np.uint64) * np.uint64(0x2545F4914F6CDD1D), bits)))
    present = [np.zeros(1 << bits, bool) for _ in cells]
    for seen, (_, buckets) in zip(present, cells):
        seen[buckets] = True
    both = present[0] & present[1]
    words = -(-int(both.sum()) // 64)
    sets = []
    for seen, (rows, buckets), (_, _, _, count) in zip(present, cells, (src, tgt)):
        own = seen & ~both
        column = np.where(both, np.cumsum(both) - 1, 64 * words + np.cumsum(own) - 1)[buckets]
        width = max(1, words + -(-int(own.sum()) // 64))
        packed = np.zeros(count * width, np.uint64)
        np.bitwise_or.at(packed, rows * width + (column >> 6), np.uint64(1) << (column & 63).astype(np.uint64))
        sets.append(packed.reshape(count, width))
    return sets[0], sets[1], words


def _block_sums(lengths: np.ndarray) -> np.ndarray:
    """Total length of each block of ``_FACTOR`` consecutive units."""
    return np.add.reduceat(lengths, np.arange(0, len(lengths), _FACTOR))


def _runs(bits: np.ndarray, size: int) -> np.ndarray:
    """Union of the sets of each run of ``size`` consecutive units (one row per start)."""
    out = bits[: len(bits) - size + 1].copy()
    for k in range(1, size):
        out |= bits[k : len(bits) - size + 1 + k]
    return out


def _popcount(bits: np.ndarray) -> np.ndarray:
    return np.bitwise_count(bits).sum(axis=-1, dtype=np.int64)


def _length_cost(src_len: np.ndarray, tgt_len: np.ndarray, variance: float, spread: float) -> np.ndarray:
    """-log P(|delta|) of Gale & Church (1993), lengths already on the same scale.

    delta = (l2 - l1) / sqrt(s^2 * mean length); the two-tailed normal probability uses the erfc
    approximation of Abramowitz & Stegun 7.1.26, written in log form so it never underflows. s^2 is
    ``variance``; a scale known only to a relative standard deviation ``spread`` adds (spread * l1)^2.
    """
    z = np.abs(tgt_len - src_len) / np.sqrt(2 * (variance * ((src_len + tgt_len) / 2 + 1) + (spread * src_len) ** 2))
    t = 1 / (1 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return z * z - np.log(poly)


def _search(level: _Level, params: AlignParams, lo: np.ndarray, hi: np.ndarray,
            ends: bool) -> tuple[list[tuple[int, int, int, int, float]], float]:
    """Cheapest monotonic path through the band ``lo[i] <= j <= hi[i]`` of nodes (i, j).

    Runs of 1-0 or of 0-1 beads are gaps with affine costs, an opening cost plus a cost per sentence
    (Gotoh 1982, "An improved algorithm for matching biological sequences"), so that a block of
    unmatched material costs little more than one stray sentence; gaps at the ends of the document
    (a reference that covers only part of it) have costs of their own. Three states per node: the
    path ends with a bead of both sides (M), with a 1-0 bead (V) or with a 0-1 bead (H).
    Returns the beads as (src start, src end, tgt start, tgt end, score) and the path's cost.
    """
    n, m = len(level.src_len), len(level.tgt_len)
    widths = hi - lo + 1
    start = np.concatenate([[0], np.cumsum(widths)])
    size = int(start[-1])
    cell_i = np.repeat(np.arange(n + 1), widths)
    cell_j = np.arange(size) - start[cell_i] + lo[cell_i]
    src_cum = np.concatenate([[0.0], np.cumsum(level.src_len)])
    tgt_cum = np.concatenate([[0.0], np.cumsum(level.tgt_len)])

    def cell_at(pi: np.ndarray, pj: np.ndarray) -> np.ndarray:
        """Index of node (pi, pj), or ``size`` when it lies outside the band."""
        inside = (pi >= 0) & (pj >= 0)
        pi_in = np.where(inside, pi, 0)
        inside &= (pj >= lo[pi_in]) & (pj <= hi[pi_in])
        return np.where(inside, start[pi_in] + pj - lo[pi_in], size)

    # For every bead type: the node it starts from, its cost and its score, for a bead ending in each node.
    prev = np.stack([cell_at(cell_i - a, cell_j - b) for a, b in _BEADS])
    cost = np.full((len(_BEADS), size), np.inf)
    score = np.zeros((len(_BEADS), size))
    baseline = None
    w = params.costs(level.kind, level.partial)
    for t, (a, b) in enumerate(_BEADS):
        inside = prev[t] < size
        if not inside.any():
            continue
        pi, pj = cell_i[inside] - a, cell_j[inside] - b
        length = _length_cost(src_cum[pi + a] - src_cum[pi], tgt_cum[pj + b] - tgt_cum[pj],
                              w.variance, level.spread)
        cost[t, inside] = level.unit * -np.log(params.prior[(a, b)]) + length
        if level.src_bits is None:
            score[t, inside] = np.exp(-length)
            continue
        shared, src_size, tgt_size = _overlap(level, pi, a, pj, b)
        total = src_size + tgt_size
        score[t, inside] = np.divide(2 * shared, total, out=np.zeros(len(shared)), where=total > 0)
        if level.kind == "tokens":  # anchors: a reward per bit shared, a cost per bit unmatched
            cost[t, inside] -= level.unit * (w.shared * shared - w.unmatched * (total - 2 * shared))
        else:  # the F-score above its median over the 1-1 beads of the band, mostly unrelated pairs
            baseline = np.median(score[t, inside]) if baseline is None else baseline
            cost[t, inside] -= level.unit * w.shared * (score[t, inside] - baseline)

    up = cell_at(cell_i - 1, cell_j)  # where a 1-0 bead starts
    at_end = ends & ((cell_j == 0) | (cell_j == m))  # 1-0 beads before the first or after the last target sentence
    open_v = np.where(at_end, w.end_open, w.gap_open)
    extend_v = level.unit * np.where(at_end, w.end_extend, w.gap_extend)
    # Totals per state; the extra last node stands for "outside the band".
    match, vertical, horizontal, best = (np.full(size + 1, np.inf) for _ in range(4))
    move = np.zeros(size, dtype=np.int8)
    for i in range(n + 1):
        s, e = start[i], start[i + 1]
        if i == 0:
            match[s] = 0.0  # the origin: lo[0] == 0
        else:
            candidates = best[prev[:, s:e]] + cost[:, s:e]
            move[s:e] = np.argmin(candidates, axis=0)
            match[s:e] = candidates[move[s:e], np.arange(e - s)]
            p = up[s:e]
            vertical[s:e] = np.minimum(vertical[p], np.minimum(match[p], horizontal[p]) + open_v[s:e]) + extend_v[s:e]
        # 0-1 beads move along the row: a gap opened at k reaches j at open + (j - k) * extend.
        at_row_end = ends and i in (0, n)
        extend = level.unit * (w.end_extend if at_row_end else w.gap_extend)
        along = extend * np.arange(e - s)
        opened = np.minimum(match[s:e], vertical[s:e]) + (w.end_open if at_row_end else w.gap_open)
        horizontal[s + 1 : e] = np.minimum.accumulate(opened - along)[:-1] + along[1:]
        best[s:e] = np.minimum(np.minimum(match[s:e], vertical[s:e]), horizontal[s:e])

    def state(cell: int) -> int:
        """Which state holds the best total of a node: 0 = M, 1 = V, 2 = H."""
        return int(np.argmin([match[cell], vertical[cell], horizontal[cell]]))

    path = []
    cell, i, j = start[n] + m - lo[n], n, m
    now = state(cell)
    total = float(best[cell])
    while i or j:
        if now == 0:
            t = move[cell]
            a, b = _BEADS[t]
            path.append((i - a, i, j - b, j, float(score[t, cell])))
            cell = prev[t, cell]
            now = state(cell)
        elif now == 1:
            a, b = 1, 0
            p = up[cell]
            now = (1 if vertical[p] <= min(match[p], horizontal[p]) + open_v[cell]
                   else int(np.argmin([match[p], np.inf, horizontal[p]])))
            path.append((i - 1, i, j, j, 0.0))
            cell = p
        else:
            a, b = 0, 1
            path.append((i, i, j - 1, j, 0.0))
            opened = min(match[cell - 1], vertical[cell - 1]) + (w.end_open if ends and i in (0, n) else w.gap_open)
            now = 2 if horizontal[cell - 1] <= opened else (0 if match[cell - 1] <= vertical[cell - 1] else 1)
            cell -= 1
        i, j = i - a, j - b
    return path[::-1], total


def _overlap(level: _Level, src_start, a, tgt_start, b, budget=1 << 18):
    """Bits shared by the feature sets of source runs of ``a`` units and target runs of ``b`` units,
    and the bits of each; pairs are ANDed a ``budget`` of bytes at a time, over the words holding the
    bits set on both sides alone (see _weighted_bitsets)."""
    assert level.src_bits is not None and level.tgt_bits is not None
    src_runs, tgt_runs = _runs(level.src_bits, a), _runs(level.tgt_bits, b)
    words = level.shared_words
    src_and, tgt_and = src_runs[:, :words], tgt_runs[:, :words]
    chunk = max(1, budget // (8 * max(words, 1)))
    shared = np.concatenate([
        _popcount(src_and[src_start[k : k + chunk]] & tgt_and[tgt_start[k : k + chunk]])
        for k in range(0, max(len(src_start), 1), chunk)
    ])
    return shared, _popcount(src_runs)[src_start], _popcount(tgt_runs)[tgt_start]


def _dice(level: _Level, src_start, tgt_start) -> np.ndarray:
    """F1 of the feature sets of single source and target units."""
    shared, src_size, tgt_size = _overlap(level, src_start, 1, tgt_start, 1)
    total = src_size + tgt_size
    return np.divide(2 * shared, total, out=np.zeros(len(shared)), where=total > 0)


def _project(path, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Band of nodes at the next finer level around a path of coarse beads, widened by a margin."""
    lo, hi = np.full(n + 1, m), np.zeros(n + 1, int)
    for i0, i1, j0, j1, _ in path:
        rows = slice(min(i0 * _FACTOR, n), min(i1 * _FACTOR, n) + 1)
        lo[rows] = np.minimum(lo[rows], min(j0 * _FACTOR, m))
        hi[rows] = np.maximum(hi[rows], min(j1 * _FACTOR, m))
    return np.maximum(lo - _MARGIN, 0), np.minimum(hi + _MARGIN, m)



def _refine(path, level: _Level, src_features, tgt_features, params: AlignParams):
    """A second pass over the tokens method's path that revisits merges and gaps with the anchors of
    each sentence (features found on both sides of the document). It follows the gap filling of
    Bleualign (Sennrich & Volk 2011, "Iterative, MT-based sentence alignment of parallel texts"),
    which joins an unaligned sentence to a neighbouring bead when that raises their similarity, the
    other way round: a sentence whose anchors are all absent from its target is not its translation.

    * An edge sentence of a merged bead (2-1, 1-2, ...) that shares no anchor with the bead's other
      side, while the rest of the bead shares some, is one the other side lost: a 1-0 or 0-1 bead.
    * A gap next to a 1-1 bead whose sentence shares no anchor with its partner takes that partner
      when its own sentence shares some; the bead's sentence becomes the gap (up to 3 sweeps).

    Only where the document's anchors can be trusted (see _trusted). Linear in the path's length."""
    src_a, tgt_a = _anchors(src_features, tgt_features, len(level.src_len), len(level.tgt_len), params)
    if not _trusted(path, src_a, tgt_a):
        return path
    kept = {(i0, i1, j0, j1): score for i0, i1, j0, j1, score in path}
    beads = [bead for i0, i1, j0, j1, _ in path for bead in _peel(i0, i1, j0, j1, src_a, tgt_a)]
    for _ in range(3):
        if not _swap_gaps(beads, src_a, tgt_a):
            break
    return [(*b, kept[b] if b in kept else _bead_score(level, *b)) for b in map(tuple, beads)]


def _trusted(path, src_a: list[dict[int, int]], tgt_a: list[dict[int, int]]) -> bool:
    """Whether missing anchors tell a lost sentence here: at most ``_MAX_BARE`` of the sentences of the
    path's 1-1 beads with anchors of weight ``_MIN_ANCHORS`` share none with their partner (a news article
    with its names and numbers; not Text+Berg's German-French, whose shared word stems are mostly chance),
    among at least ``_MIN_SAMPLE`` such sentences."""
    sample = [(own, other) for i0, i1, j0, j1, _ in path if i1 - i0 == 1 and j1 - j0 == 1
              for own, other in ((src_a[i0], tgt_a[j0]), (tgt_a[j0], src_a[i0]))
              if sum(own.values()) >= _MIN_ANCHORS]
    return len(sample) >= _MIN_SAMPLE and sum(not _shared(*pair) for pair in sample) <= _MAX_BARE * len(sample)


def _anchors(src_features, tgt_features, n: int, m: int, params: AlignParams) -> list[list[dict[int, int]]]:
    """Per sentence of each side, its anchors as {feature hash: weight}: features found on both sides
    of the document, of at least ``_ANCHOR_BITS`` (weights as in _feature_levels)."""
    src_rows, src_hash = _distinct(*src_features)
    tgt_rows, tgt_hash = _distinct(*tgt_features)
    sides = ((src_rows, src_hash, tgt_hash, n, m), (tgt_rows, tgt_hash, src_hash, m, n))
    out = []
    for rows, hashes, other, count, other_count in sides:
        df_other = _frequency(other, hashes)
        weights = _weights(_frequency(hashes, hashes) / count, df_other / other_count, params)
        keep = (df_other > 0) & (weights >= _ANCHOR_BITS)
        sets: list[dict[int, int]] = [{} for _ in range(count)]
        for row, h, w in zip(rows[keep].tolist(), hashes[keep].tolist(), weights[keep].tolist()):
            sets[row][h] = w
        out.append(sets)
    return out


def _has_anchors(own: dict[int, int]) -> bool:
    """Whether a sentence has anchors enough for their absence to count."""
    return len(own) >= _MIN_COUNT and sum(own.values()) >= _MIN_ANCHORS


def _shared(own: dict[int, int], other: dict[int, int]) -> int:
    """Weight of the anchors of ``own`` found in ``other``."""
    return sum(w for h, w in own.items() if h in other)


def _union(sets: list[dict[int, int]], start: int, end: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for k in range(start, end):
        out.update(sets[k])
    return out


def _peel(i0: int, i1: int, j0: int, j1: int, src_a, tgt_a) -> list[list[int]]:
    """A bead as [i0, i1, j0, j1], its edge sentences that share no anchor with its other side split off
    as gaps (see _refine)."""
    before: list[list[int]] = []
    after: list[list[int]] = []

    def bare(sets, k, other, rest) -> bool:
        return _has_anchors(sets[k]) and not _shared(sets[k], other) and _shared(rest, other) > 0

    while i1 > i0 and j1 > j0 and (i1 - i0 >= 2 or j1 - j0 >= 2):
        src_u, tgt_u = _union(src_a, i0, i1), _union(tgt_a, j0, j1)
        if i1 - i0 >= 2 and bare(src_a, i0, tgt_u, _union(src_a, i0 + 1, i1)):
            before.append([i0, i0 + 1, j0, j0])
            i0 += 1
        elif i1 - i0 >= 2 and bare(src_a, i1 - 1, tgt_u, _union(src_a, i0, i1 - 1)):
            after.insert(0, [i1 - 1, i1, j1, j1])
            i1 -= 1
        elif j1 - j0 >= 2 and bare(tgt_a, j0, src_u, _union(tgt_a, j0 + 1, j1)):
            before.append([i0, i0, j0, j0 + 1])
            j0 += 1
        elif j1 - j0 >= 2 and bare(tgt_a, j1 - 1, src_u, _union(tgt_a, j0, j1 - 1)):
            after.insert(0, [i1, i1, j1 - 1, j1])
            j1 -= 1
        else:
            break
    return [*before, [i0, i1, j0, j1], *after]


def _swap_gaps(beads: list[list[int]], src_a, tgt_a) -> bool:
    """One sweep of the gap moves of _refine over beads [i0, i1, j0, j1], in place; whether any moved."""
    moved = False
    for k, (i0, i1, j0, j1) in enumerate(beads):
        if (i1 - i0) + (j1 - j0) != 1:
            continue
        for near in (k - 1, k + 1):
            if not 0 <= near < len(beads):
                continue
            p0, p1, q0, q1 = beads[near]
            if p1 - p0 != 1 or q1 - q0 != 1:
                continue
            if i1 > i0:  # a source sentence without target, beside (p0)-(q0)
                new, old, partner = src_a[i0], src_a[p0], tgt_a[q0]
                gap, pair = [p0, p1, q0 + (near > k), q0 + (near > k)], [i0, i1, q0, q1]
            else:  # a target sentence without source, beside (p0)-(q0)
                new, old, partner = tgt_a[j0], tgt_a[q0], src_a[p0]
                gap, pair = [p0 + (near > k), p0 + (near > k), q0, q1], [p0, p1, j0, j1]
            if _has_anchors(old) and not _shared(old, partner) and _shared(new, partner):
                beads[near], beads[k] = gap, pair
                moved = True
                break
    return moved


def _bead_score(level: _Level, i0: int, i1: int, j0: int, j1: int) -> float:
    """A bead's score as _search gives it: Dice of its two sides' feature bits (0 for a gap)."""
    if i1 == i0 or j1 == j0:
        return 0.0
    assert level.src_bits is not None and level.tgt_bits is not None
    src, tgt = np.bitwise_or.reduce(level.src_bits[i0:i1]), np.bitwise_or.reduce(level.tgt_bits[j0:j1])
    words = level.shared_words
    total = int(_popcount(src) + _popcount(tgt))
    return 2 * int(_popcount(src[:words] & tgt[:words])) / total if total else 0.0
