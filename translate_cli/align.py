"""Monotonic sentence alignment of two sentence lists.

The cost of each bead follows Gale & Church (1993), "A program for aligning sentences in bilingual
corpora": a length model plus bead-type priors, minimised by dynamic programming over 0-1, 1-0,
1-1, 1-2, 2-1, 2-2, 1-3 and 3-1 beads. When the source sentences are also available translated
into the target's language, the similarity of that translation to the target side is added, as in
Bleualign (Sennrich & Volk 2010, "MT-based sentence alignment for OCR-generated parallel texts"),
measured as a character n-gram F-score (chrF, Popović 2015) so that names, numbers and cognates
anchor the path. The search runs in a band around a path found first on coarser blocks of
sentences, recursively, as in Vecalign (Thompson & Koehn 2019), so its cost grows about linearly
with document length, and a reference that stops early or skips a passage still aligns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from translate_cli.document import Bead
from translate_cli.errors import UserError

METHODS = ("auto", "length", "translation")

# Bead types (source sentences, target sentences). 0-1 comes first: the dynamic programme takes
# it separately, as a move along the current row.
_BEADS = ((0, 1), (1, 0), (1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1))
# Gale & Church (1993), table 5: P(1-1) = .89, P(2-1 or 1-2) = .089, P(2-2) = .011. Their
# P(1-0 or 0-1) = .0099 is raised to .1 so that a reference that skips a passage or stops early
# costs little (tuned on dev data, see benchmarks/bench_align.py); 1-3 and 3-1 are not in their
# table and get a small share.
_PRIOR = {(0, 1): 0.05, (1, 0): 0.05, (1, 1): 0.89, (1, 2): 0.089 / 2,
          (2, 1): 0.089 / 2, (2, 2): 0.011, (1, 3): 0.0025, (3, 1): 0.0025}
_VARIANCE = 6.8  # Gale & Church's s^2: variance of target characters per source character

# Character n-grams as in chrF (whitespace removed, here also lower-cased), kept as sets hashed
# into bits; the similarity is their F1 (Dice) rather than chrF's recall-weighted F2, so that
# neither side is favoured.
_ORDERS = (2, 3, 4, 5)
_BITS = 12  # 4096 bits per set
_RARE = 3  # coarse levels keep only n-grams found at most this often on each side

_SIM_WEIGHT = 20.0  # reward per bead for its similarity above the level's baseline (tuned on dev)
_LENGTH_WEIGHT = 1.0  # weight of the length cost when similarity is available
_FULL = 100  # a level with at most this many units per side is searched in full
_FACTOR = 4  # units per block at each coarser level
_MARGIN = 4  # cells added on each side of the projected coarse path


@dataclass(frozen=True)
class _Level:
    """Units (sentences or blocks of them) of both sides: lengths and optional n-gram bit sets."""

    src_len: np.ndarray
    tgt_len: np.ndarray
    src_bits: np.ndarray | None = None
    tgt_bits: np.ndarray | None = None
    unit: int = 1  # sentences per unit


def align(
    src: Sequence[str],
    tgt: Sequence[str],
    *,
    src_translation: Sequence[str] | None = None,
    method: str = "auto",
) -> list[Bead]:
    """Monotonic alignment of two sentence lists into beads covering every index once, in order.

    ``src_translation`` holds the source sentences translated into the target's language (pass
    ``src`` itself when both sides share a language); ``method='length'`` ignores it,
    ``'translation'`` requires it and ``'auto'`` uses it when given. A bead's score is the
    n-gram F-score of its two sides (with a translation) or the Gale & Church probability of its
    length difference (without), and 0 for 1-0 and 0-1 beads.
    """
    if method not in METHODS:
        raise UserError(f"unknown alignment method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "translation" and src_translation is None:
        raise UserError("alignment method 'translation' needs a translation of the source")
    if src_translation is not None and len(src_translation) != len(src):
        raise ValueError(f"{len(src_translation)} translated sentences for {len(src)} source sentences")
    if not src or not tgt:
        return [Bead((i,), (), 0.0) for i in range(len(src))] + [Bead((), (j,), 0.0) for j in range(len(tgt))]

    path = None
    if method != "length" and src_translation is not None:
        path = _align_levels(_ngram_levels(src_translation, tgt))
        if not _informative(src_translation, tgt, path):
            path = None
    if path is None:
        path = _align_levels(_length_levels(src, tgt))
    return [Bead(tuple(range(i0, i1)), tuple(range(j0, j1)), score) for i0, i1, j0, j1, score in path]


def _align_levels(levels: list[_Level]) -> list[tuple[int, int, int, int, float]]:
    """Search the coarsest level in full, then each finer one in a band around the path above."""
    path = None
    for level in reversed(levels):
        n, m = len(level.src_len), len(level.tgt_len)
        band = (np.zeros(n + 1, int), np.full(n + 1, m)) if path is None else _project(path, n, m)
        path = _search(level, *band)
    return path


def _informative(translation: Sequence[str], tgt: Sequence[str], path, sample: int = 200) -> bool:
    """Whether the translation tells matching sentences from others: on the 1-1 beads of the path it
    produced, its n-gram similarity to the aligned target must clearly exceed that to shifted targets.
    A poor translation (a broken or untrained model) then costs nothing: the length model decides."""
    pairs = [(i0, j0) for i0, i1, j0, j1, _ in path if i1 - i0 == 1 and j1 - j0 == 1]
    if not pairs or len(tgt) < 2:
        return False
    pairs = pairs[:: max(1, len(pairs) // sample)]
    grams_src = {i: _char_ngrams(translation[i]) for i, _ in pairs}
    grams_tgt: dict[int, set[str]] = {}

    def similarity(i: int, j: int) -> float:
        b = grams_tgt.setdefault(j, _char_ngrams(tgt[j]))
        a = grams_src[i]
        return 2 * len(a & b) / max(len(a) + len(b), 1)

    shift = max(1, len(tgt) // 3)
    aligned = np.mean([similarity(i, j) for i, j in pairs])
    shifted = np.mean([similarity(i, (j + shift) % len(tgt)) for i, j in pairs])
    return aligned - shifted > 0.05


def _char_ngrams(text: str) -> set[str]:
    """The character 2- to 5-grams of a sentence, lower-cased and without whitespace (as in chrF)."""
    chars = "".join(text.lower().split())
    return {chars[k:k + n] for n in _ORDERS for k in range(len(chars) - n + 1)}


def _length_levels(src: Sequence[str], tgt: Sequence[str]) -> list[_Level]:
    """Levels for the length model alone; source lengths are scaled to the target's total."""
    src_len = np.array([len(s) for s in src], dtype=float)
    tgt_len = np.array([len(t) for t in tgt], dtype=float)
    levels = [_Level(src_len * tgt_len.sum() / max(src_len.sum(), 1.0), tgt_len)]
    while max(len(levels[-1].src_len), len(levels[-1].tgt_len)) > _FULL:
        prev = levels[-1]
        levels.append(_Level(_block_sums(prev.src_len), _block_sums(prev.tgt_len), unit=prev.unit * _FACTOR))
    return levels


def _ngram_levels(src: Sequence[str], tgt: Sequence[str]) -> list[_Level]:
    """Levels with n-gram sets: all n-grams per sentence, then rare shared n-grams per block."""
    src_rows, src_hash = _ngrams(src)
    tgt_rows, tgt_hash = _ngrams(tgt)
    levels = [_Level(
        np.array([len(s) for s in src], dtype=float),
        np.array([len(t) for t in tgt], dtype=float),
        _bitsets(src_rows, src_hash, len(src), _BITS),
        _bitsets(tgt_rows, tgt_hash, len(tgt), _BITS),
    )]
    if max(len(src), len(tgt)) <= _FULL:
        return levels
    # Coarse levels: common n-grams would fill every block's set, so keep the rare ones found on
    # both sides (names, numbers, content words), counted in hash buckets.
    buckets = min(22, (4 * max(len(src_hash), len(tgt_hash))).bit_length())
    src_bucket, tgt_bucket = _bucket(src_hash, buckets), _bucket(tgt_hash, buckets)
    src_count = np.bincount(src_bucket, minlength=1 << buckets)
    tgt_count = np.bincount(tgt_bucket, minlength=1 << buckets)
    rare = (src_count >= 1) & (src_count <= _RARE) & (tgt_count >= 1) & (tgt_count <= _RARE)
    src_keep, tgt_keep = rare[src_bucket], rare[tgt_bucket]
    while max(len(levels[-1].src_len), len(levels[-1].tgt_len)) > _FULL:
        prev = levels[-1]
        unit = prev.unit * _FACTOR
        bits = _BITS + len(levels) * (_FACTOR.bit_length() - 1)  # as many bits per level
        src_len, tgt_len = _block_sums(prev.src_len), _block_sums(prev.tgt_len)
        levels.append(_Level(
            src_len,
            tgt_len,
            _bitsets(src_rows[src_keep] // unit, src_hash[src_keep], len(src_len), bits),
            _bitsets(tgt_rows[tgt_keep] // unit, tgt_hash[tgt_keep], len(tgt_len), bits),
            unit,
        ))
    return levels


def _ngrams(sentences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sentence index and 64-bit hash of each character n-gram, whitespace removed as in chrF."""
    texts = ["".join(s.lower().split()) for s in sentences]
    sizes = np.array([len(t) for t in texts])
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    rows = np.repeat(np.arange(len(texts)), sizes)
    all_rows, all_hashes = [np.zeros(0, int)], [np.zeros(0, np.uint64)]
    for order in _ORDERS:
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


def _bucket(hashes: np.ndarray, bits: int) -> np.ndarray:
    """Top ``bits`` bits of Knuth's multiplicative hash: hash * 2^64 / phi, wrapping around."""
    return ((hashes * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - bits)).astype(np.intp)


def _bitsets(rows: np.ndarray, hashes: np.ndarray, count: int, bits: int) -> np.ndarray:
    """Per-unit n-gram sets as packed bit rows (``count`` x ``2^bits / 64`` uint64)."""
    sets = np.zeros((count, 1 << bits), dtype=bool)
    sets[rows, _bucket(hashes, bits)] = True
    return np.packbits(sets, axis=1).view(np.uint64)


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


def _length_cost(src_len: np.ndarray, tgt_len: np.ndarray) -> np.ndarray:
    """-log P(|delta|) of Gale & Church (1993), lengths already on the same scale.

    delta = (l2 - l1) / sqrt(s^2 * mean length); the two-tailed normal probability uses the erfc
    approximation of Abramowitz & Stegun 7.1.26, written in log form so it never underflows.
    """
    z = np.abs(tgt_len - src_len) / np.sqrt(2 * _VARIANCE * ((src_len + tgt_len) / 2 + 1))
    t = 1 / (1 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return z * z - np.log(poly)


def _search(level: _Level, lo: np.ndarray, hi: np.ndarray) -> list[tuple[int, int, int, int, float]]:
    """Cheapest monotonic path through the band ``lo[i] <= j <= hi[i]`` of nodes (i, j).

    Returns beads as (src start, src end, tgt start, tgt end, score).
    """
    n, m = len(level.src_len), len(level.tgt_len)
    widths = hi - lo + 1
    start = np.concatenate([[0], np.cumsum(widths)])
    size = int(start[-1])
    cell_i = np.repeat(np.arange(n + 1), widths)
    cell_j = np.arange(size) - start[cell_i] + lo[cell_i]
    src_cum = np.concatenate([[0.0], np.cumsum(level.src_len)])
    tgt_cum = np.concatenate([[0.0], np.cumsum(level.tgt_len)])

    # For every bead type but 0-1: the cell it starts from (``size`` = outside the band), its cost
    # and its score, for a bead ending in each cell.
    moves = len(_BEADS) - 1
    prev = np.full((moves, size), size)
    cost = np.zeros((moves, size))
    score = np.zeros((moves, size))
    sims = {}
    for t, (a, b) in enumerate(_BEADS[1:]):
        pi, pj = cell_i - a, cell_j - b
        inside = (pi >= 0) & (pj >= 0)
        pi_in = np.where(inside, pi, 0)
        inside &= (pj >= lo[pi_in]) & (pj <= hi[pi_in])
        prev[t, inside] = start[pi[inside]] + pj[inside] - lo[pi[inside]]
        cost[t] = level.unit * -np.log(_PRIOR[(a, b)])
        if b == 0:
            continue
        pi, pj = pi[inside], pj[inside]
        ls = src_cum[pi + a] - src_cum[pi]
        lt = tgt_cum[pj + b] - tgt_cum[pj]
        length = _length_cost(ls, lt)
        if level.src_bits is None:
            cost[t, inside] += length
            score[t, inside] = np.exp(-length)
        else:
            sims[t] = (inside, _dice(level.src_bits, pi, a, level.tgt_bits, pj, b))
            cost[t, inside] += _LENGTH_WEIGHT * length
            score[t, inside] = sims[t][1]
    if sims:
        # Similarity counts relative to the level's typical value, the median 1-1 similarity in
        # the band, which is mostly made of unrelated pairs.
        baseline = np.median(sims[_BEADS.index((1, 1)) - 1][1])
        for t, (inside, sim) in sims.items():
            cost[t, inside] -= level.unit * _SIM_WEIGHT * (sim - baseline)

    total = np.full(size + 1, np.inf)  # the extra last cell stands for "outside the band"
    back = np.zeros(size, dtype=np.int8)
    skip = level.unit * -np.log(_PRIOR[(0, 1)])
    for i in range(n + 1):
        s, e = start[i], start[i + 1]
        if i == 0:
            best, move = np.full(e - s, np.inf), np.zeros(e - s, dtype=np.int8)
            best[0] = 0.0  # the origin: lo[0] == 0
        else:
            candidates = total[prev[:, s:e]] + cost[:, s:e]
            move = np.argmin(candidates, axis=0)
            best = candidates[move, np.arange(e - s)]
            move += 1
        # 0-1 beads move along the row: total[j] = min over k <= j of best[k] + (j - k) * skip.
        along = skip * np.arange(e - s)
        running = np.minimum.accumulate(best - along)
        total[s:e] = running + along
        back[s:e] = np.where(running < best - along, 0, move)

    path = []
    cell, i, j = start[n] + m - lo[n], n, m
    while i or j:
        t = back[cell]
        a, b = _BEADS[t]
        path.append((i - a, i, j - b, j, 0.0 if t == 0 else float(score[t - 1, cell])))
        cell = cell - 1 if t == 0 else prev[t - 1, cell]
        i, j = i - a, j - b
    return path[::-1]


def _dice(src_bits, src_start, a, tgt_bits, tgt_start, b, chunk=1 << 14) -> np.ndarray:
    """F1 of the n-gram sets of source runs of ``a`` units and target runs of ``b`` units."""
    src_runs, tgt_runs = _runs(src_bits, a), _runs(tgt_bits, b)
    src_size, tgt_size = _popcount(src_runs), _popcount(tgt_runs)
    shared = np.concatenate([
        _popcount(src_runs[src_start[k : k + chunk]] & tgt_runs[tgt_start[k : k + chunk]])
        for k in range(0, max(len(src_start), 1), chunk)
    ])
    total = src_size[src_start] + tgt_size[tgt_start]
    return np.divide(2 * shared, total, out=np.zeros(len(shared)), where=total > 0)


def _project(path, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Band of nodes at the next finer level around a path of coarse beads, widened by a margin."""
    lo, hi = np.full(n + 1, m), np.zeros(n + 1, int)
    for i0, i1, j0, j1, _ in path:
        rows = slice(min(i0 * _FACTOR, n), min(i1 * _FACTOR, n) + 1)
        lo[rows] = np.minimum(lo[rows], min(j0 * _FACTOR, m))
        hi[rows] = np.maximum(hi[rows], min(j1 * _FACTOR, m))
    return np.maximum(lo - _MARGIN, 0), np.minimum(hi + _MARGIN, m)
