"""Reference scoring with sacrebleu: BLEU, chrF, chrF++ and TER, also across different sentence splits.

One path for every command (``translate --reference``, ``batch --reference``, ``score``, ``compare``):
:func:`pair_texts` takes the hypothesis text and the reference text as written to disk and pairs them.

* **Line by line**, exactly as ``sacrebleu REF -i HYP`` does, when both have the same number of lines
  (split on ``\\n``, trailing whitespace dropped) and nothing shows that the lines are shifted.
* Otherwise both are **split into sentences and aligned** (:func:`translate_cli.align.align`, both sides
  English) and the hypothesis sentences regrouped to the reference's segments, the usual practice for
  unsegmented MT output (Matusov et al. 2005, "Evaluating machine translation output with automatic
  sentence segmentation"). As in mwerSegmenter, every hypothesis sentence inside the part the reference
  covers is scored: one without a reference partner (inserted) joins its neighbour's segment, and a
  reference sentence without a hypothesis partner (missing) is scored against an empty hypothesis. Only
  hypothesis text before the first or after the last aligned reference sentence is left out as uncovered,
  and ``coverage`` says how much remains.
* When sentence alignment **finds little** (a hypothesis without sentence ends), or leaves inserted and
  missing sentences that a word-level split explains with clearly fewer edits, the hypothesis words are
  re-split to the reference's sentences with the fewest word edits, mwerSegmenter's own method
  (:func:`resegment_words`).

Each metric keeps its sacrebleu defaults (TER is case-insensitive), only the metrics asked for are
computed, and TER is left out, saying why, on segments too long for it (``TER_MAX_WORDS``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.metrics.helpers import extract_word_ngrams

from translate_cli.align import align
from translate_cli.errors import UserError
from translate_cli.records import Bead, Scores
from translate_cli.segment import segment

METRIC_LABELS = {"bleu": "BLEU", "chrf": "chrF", "chrf++": "chrF++", "ter": "TER"}
METRIC_FIELDS = {"bleu": "bleu", "chrf": "chrf", "chrf++": "chrfpp", "ter": "ter"}  # metric key -> Scores field
# sacrebleu's TER (TERCOM's beam search over shifts) grows with both sides' lengths: measured here on
# unrelated text, 8 s for 250 against 250 words, 36 s for 500 against 100, but 6 s for 2,000 against 80 and
# 1 s for 80 against 2,000; so TER is left out, saying why, where both sides are long
TER_MAX_WORDS = 250  # the longer side of a segment, hypothesis or reference, ...
TER_SHORT_WORDS = 80  # ... when the shorter side has more than this
_SENTENCE_CHRF = CHRF()
_LOW_COVERAGE = 0.5  # below this share of the hypothesis covered, the commands say so
_WORD_BAND = 250  # words either side of the diagonal searched by the word-level resegmentation
_CLEAR_GAIN = 0.05  # share of the reference's words by which re-split words must need fewer edits to be used
_PUNCTUATION = "\"'.,;:!?()[]{}«»“”‘’…-–—"  # stripped from words before the word-level alignment compares them
_DIAGONAL, _UP, _LEFT = 0, 1, 2  # moves of the word alignment: match or substitute, delete, insert
_SHIFT_EVIDENCE = 5.0  # chrF points by which a shifted pairing must beat the line pairing to reject it
# lines whose shifted pairings are scored (a fixed sample): untranslated output (news.valid's Indonesian against
# its English) scores 8 points lower shifted, with a standard error of 1.1 points over 50 lines
_SHIFT_SAMPLE = 50


def metric_values(scores: Scores) -> dict[str, float | None]:
    """Each metric's corpus score by its key (``METRIC_LABELS`` order): ``{"bleu": ..., "chrf++": ..., ...}``;
    None for a metric not computed."""
    return {key: getattr(scores, field) for key, field in METRIC_FIELDS.items()}


@dataclass(frozen=True)
class ScoreOptions:
    """sacrebleu settings, each metric's defaults unless changed: BLEU's tokenizer (None: 13a) and
    lowercasing (sacrebleu's ``-lc``, BLEU only), bootstrap resamples for 95% confidence intervals (1: none),
    chrF/chrF++ lowercasing (``--chrf-lowercase``), TER case sensitivity (``--ter-case-sensitive``; TER is
    case-insensitive by default), and the metrics to compute (keys of ``METRIC_LABELS``; the others stay None).
    """

    tokenize: str | None = None
    lowercase: bool = False
    n_bootstrap: int = 1
    chrf_lowercase: bool = False
    ter_case_sensitive: bool = False
    metrics: tuple[str, ...] = tuple(METRIC_LABELS)


@dataclass(frozen=True)
class Pairing:
    """A hypothesis and its reference cut into units (lines, or sentences) and the beads that pair them."""

    hyp: list[str]
    ref: list[str]
    beads: list[Bead]
    by_line: bool
    words: bool = False  # sentence alignment found little: hypothesis words re-split to the reference's sentences
    chrf_stats: list[list[int]] | None = None  # by line: each line pair's chrF statistics, from the line check


@dataclass(frozen=True)
class SegmentGroups:
    """The segments scored: the hypothesis and reference unit ids of each (``groups``), their texts, and
    what the regrouping counted."""

    groups: list[tuple[list[int], list[int]]]
    hyps: list[str]
    refs: list[str]
    inserted: int = 0  # hypothesis sentences without a reference partner, inside the covered part
    missing: int = 0  # reference sentences without a hypothesis partner
    uncovered: int = 0  # hypothesis sentences outside the part the reference covers
    units: int = 0  # hypothesis units in all
    words: bool = False  # the hypothesis units are its words re-split to the reference's sentences
    chrf_stats: list[list[int]] | None = None  # each segment's chrF statistics when already extracted


def sentence_chrf(hyp: str, ref: str) -> float:
    """Sentence-level chrF (sacrebleu defaults) of one hypothesis against one reference."""
    return _SENTENCE_CHRF.sentence_score(hyp, [ref]).score


def chrf_of_stats(rows: Sequence[list[int]]) -> float:
    """chrF (sacrebleu's defaults) of segments from their statistics (:func:`corresponding_line_stats`), summed
    as ``CHRF.corpus_score`` sums them: the figure ``score_corpus_metric("chrf", ...)`` gives for them, and
    for one row the figure :func:`sentence_chrf` gives for the pair."""
    return _SENTENCE_CHRF._aggregate_and_compute(list(rows)).score


def _chrf_ngrams(text: str) -> list:
    """The character and word n-gram counts sentence-level chrF compares (see :func:`sentence_chrf`)."""
    return _SENTENCE_CHRF._extract_reference_info([_SENTENCE_CHRF._preprocess_segment(text)])["ref_ngrams"][0]


def _chrf_stats(hyp_ngrams: list, ref_ngrams: list) -> list[int]:
    """chrF's match statistics of one pair from the n-gram counts of both sides, as sacrebleu's
    ``CHRF._compute_segment_statistics`` counts them for one reference."""
    stats: list[int] = []
    for h, r in zip(hyp_ngrams, ref_ngrams):
        stats.extend(_SENTENCE_CHRF._get_match_statistics(h, r))
    return stats


def text_lines(text: str) -> list[str]:
    """The lines of a file as sacrebleu reads them: split on ``\\n`` only, trailing whitespace dropped."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return [line.rstrip() for line in lines]


def corresponding_line_stats(hyp: Sequence[str], ref: Sequence[str],
                             sample: int = _SHIFT_SAMPLE) -> list[list[int]] | None:
    """Each line pair's chrF statistics (sacrebleu's, default settings; summed they give the corpus chrF)
    when line i of ``hyp`` goes with line i of ``ref`` as far as the text shows; None when the counts differ
    or lines shifted by one or two match clearly better (mean sentence chrF of a fixed sample of lines)."""
    if len(hyp) != len(ref):
        return None
    # the steps of sacrebleu's CHRF.corpus_score (each side's n-grams extracted once), keeping the n-grams
    # so that the shifted pairings cost only their matching
    hyp_ngrams = [_chrf_ngrams(line) for line in hyp]
    ref_ngrams = [_chrf_ngrams(line) for line in ref]
    stats = [_chrf_stats(h, r) for h, r in zip(hyp_ngrams, ref_ngrams)]
    rows = [i for i in range(len(hyp)) if hyp[i] and ref[i]]
    if len(rows) < 3:
        return stats
    rows = sorted(random.Random(0).sample(rows, min(sample, len(rows))))
    chrf = _SENTENCE_CHRF._compute_f_score

    def mean_chrf(shift: int) -> float:
        scores = [chrf(_chrf_stats(hyp_ngrams[i], ref_ngrams[i + shift]) if shift else stats[i])
                  for i in rows if 0 <= i + shift < len(ref)]
        return sum(scores) / max(len(scores), 1)

    as_given = mean_chrf(0)
    return stats if all(mean_chrf(shift) <= as_given + _SHIFT_EVIDENCE for shift in (-2, -1, 1, 2)) else None


def pair_texts(hyp_text: str, ref_text: str, by_line: bool | None = None) -> Pairing:
    """Pair a hypothesis with its reference (see the module docstring); ``by_line`` forces a choice."""
    hyp_lines, ref_lines = text_lines(hyp_text), text_lines(ref_text)
    stats = None
    if by_line is None:
        stats = corresponding_line_stats(hyp_lines, ref_lines)
        by_line = stats is not None
    if by_line:
        if len(hyp_lines) != len(ref_lines):
            raise UserError(f"{len(hyp_lines)} hypothesis lines but {len(ref_lines)} reference lines")
        return Pairing(hyp_lines, ref_lines, [Bead((i,), (i,), 1.0) for i in range(len(hyp_lines))], True,
                       chrf_stats=stats)
    hyp = [s.text for s in segment(hyp_text, "en")]
    ref = [s.text for s in segment(ref_text, "en")]
    beads = align(hyp, ref, src_translation=hyp)
    by_sentence = Pairing(hyp, ref, beads, False)
    little = found_little(beads, hyp, ref)
    segments = regroup(beads, hyp, ref)
    if not (little or segments.inserted or segments.missing):
        return by_sentence
    pieces = resegment_words(hyp_text, ref)
    units = [piece for piece in pieces if piece]
    ids = iter(range(len(units)))
    by_word = Pairing(units, ref, [Bead((next(ids),) if piece else (), (k,), 1.0) for k, piece in enumerate(pieces)],
                      False, words=True)
    if little:
        return by_word
    # sentences joined or split past what the aligner's beads allow show up as inserted and missing
    # sentences; then the re-split words win when they need clearly fewer word edits (mwerSegmenter's criterion)
    gain = word_edits(segments.hyps, segments.refs) - word_edits(pieces, ref)
    return by_word if gain > _CLEAR_GAIN * sum(len(r.split()) for r in ref) else by_sentence


def word_edits(hyps: Sequence[str], refs: Sequence[str]) -> int:
    """The word edit distance (Levenshtein) summed over segment pairs, words compared as in
    :func:`resegment_words`."""
    import numpy as np

    total = 0
    for hyp, ref in zip(hyps, refs):
        h, r = _word_keys(hyp.split()), _word_keys(ref.split())
        cols = np.arange(len(h) + 1)
        row = cols.copy()
        for word in r:
            best = np.minimum(row + 1, np.concatenate(([len(h) + len(r) + 1], row[:-1] + (np.array(h) != word))))
            row = np.minimum.accumulate(best - cols) + cols
        total += int(row[-1])
    return total


def _word_keys(words: Sequence[str]) -> list[str]:
    return [w.lower().strip(_PUNCTUATION) or w for w in words]


def found_little(beads: Sequence[Bead], hyp: Sequence[str], ref: Sequence[str]) -> bool:
    """Whether sentence alignment left most of one side unaligned although the other side has the words
    for it (a hypothesis without sentence ends, a one-line-per-sentence file against paragraphs): not so
    for a reference or hypothesis that covers only part of the other, whose aligned part has their length."""
    def words(texts: Sequence[str], ids) -> int:
        return sum(len(texts[i].split()) for i in ids)

    hyp_all, ref_all = words(hyp, range(len(hyp))), words(ref, range(len(ref)))
    hyp_aligned = words(hyp, [i for bead in beads if bead.src and bead.tgt for i in bead.src])
    ref_aligned = words(ref, [j for bead in beads if bead.src and bead.tgt for j in bead.tgt])
    return ((hyp_aligned < hyp_all / 2 and ref_all > 2 * hyp_aligned)
            or (ref_aligned < ref_all / 2 and hyp_all > 2 * ref_aligned))


def resegment_words(hyp_text: str, ref: Sequence[str]) -> list[str]:
    """The hypothesis words re-split into one segment per reference sentence (empty where none fits),
    minimising the word edit distance of the segments to their sentences: mwerSegmenter's method (Matusov
    et al. 2005, "Evaluating machine translation output with automatic sentence segmentation"), a
    Levenshtein alignment of the hypothesis words to the reference's words whose path is cut where the
    reference's sentences end. Words are compared lowercased without surrounding punctuation. The DP is
    banded: only paths within ``_WORD_BAND`` words of the length-scaled diagonal are searched, so time
    and memory grow linearly with the text (Ukkonen's band, 1985), one row of moves per reference word."""
    import numpy as np

    tokens = hyp_text.split()
    ref_tokens = [(k, word) for k, sentence in enumerate(ref) for word in sentence.split()]
    n, m = len(tokens), len(ref_tokens)
    if not n or not m:
        return [" ".join(tokens)] + [""] * (len(ref) - 1) if ref else []
    vocabulary: dict[str, int] = {}

    def ids(words) -> np.ndarray:
        return np.array([vocabulary.setdefault(key, len(vocabulary)) for key in _word_keys(list(words))])

    h, r = ids(tokens), ids(word for _, word in ref_tokens)
    far = n + m + 1  # more than any path costs
    bounds = [(max(0, j * n // m - _WORD_BAND), min(n, -(-(j + 1) * n // m) + _WORD_BAND)) for j in range(m + 1)]
    lo, hi = bounds[0]
    previous = np.arange(lo, hi + 1)  # row 0: hypothesis words before any reference word are insertions
    moves = [np.full(hi - lo + 1, _LEFT, dtype=np.int8)]
    for j in range(1, m + 1):
        (plo, phi), (lo, hi) = bounds[j - 1], bounds[j]
        cols = np.arange(lo, hi + 1)
        up = np.full(len(cols), far)
        inside = cols <= phi
        up[inside] = previous[cols[inside] - plo] + 1  # reference word j deleted
        diagonal = np.full(len(cols), far)
        ok = (cols >= plo + 1) & (cols - 1 <= phi)
        diagonal[ok] = previous[cols[ok] - 1 - plo] + (h[cols[ok] - 1] != r[j - 1])
        best = np.minimum(up, diagonal)
        # insertions along the row: D[i] = min over k <= i of best[k] + (i - k)
        row = np.minimum.accumulate(best - cols) + cols
        move = np.where(diagonal <= up, _DIAGONAL, _UP).astype(np.int8)
        move[row < best] = _LEFT
        moves.append(move)
        previous = row
    owner, i, j = [0] * n, n, m  # owner[i]: the reference word row that takes hypothesis word i
    while i > 0:
        step = moves[j][i - bounds[j][0]] if j else _LEFT
        if step == _UP:
            j -= 1
            continue
        owner[i - 1] = max(j, 1)
        i, j = i - 1, j - (step == _DIAGONAL)
    pieces: list[list[str]] = [[] for _ in ref]
    for token, j in zip(tokens, owner):
        pieces[ref_tokens[j - 1][0]].append(token)
    return [" ".join(piece) for piece in pieces]


def regroup(beads: Sequence[Bead], hyp: Sequence[str], ref: Sequence[str]) -> SegmentGroups:
    """One segment per bead that holds reference sentences; hypothesis-only beads inside the covered part
    join the segment before them (the first segment, at the start), those outside it are uncovered."""
    aligned = [k for k, bead in enumerate(beads) if bead.src and bead.tgt]
    first, last = (aligned[0], aligned[-1]) if aligned else (len(beads), -1)
    groups: list[tuple[list[int], list[int]]] = []
    waiting: list[int] = []  # inserted sentences before the first segment
    inserted = missing = uncovered = 0
    for k, bead in enumerate(beads):
        if bead.tgt:
            groups.append((waiting + list(bead.src), list(bead.tgt)))
            waiting = []
            missing += 0 if bead.src else len(bead.tgt)
        elif first <= k <= last:
            inserted += len(bead.src)
            (groups[-1][0] if groups else waiting).extend(bead.src)
        else:
            uncovered += len(bead.src)
    groups = [(sorted(src), tgt) for src, tgt in groups]
    return SegmentGroups(groups, *group_texts(groups, hyp, ref), inserted, missing, uncovered, len(hyp))


def group_texts(groups: Sequence[tuple[Sequence[int], Sequence[int]]], hyp: Sequence[str],
                ref: Sequence[str]) -> tuple[list[str], list[str]]:
    """The hypothesis and reference text of each group of unit ids, units joined by a space."""
    return ([" ".join(hyp[i] for i in src) for src, _ in groups], [" ".join(ref[j] for j in tgt) for _, tgt in groups])


def segments_of(pairing: Pairing) -> SegmentGroups:
    """The scored segments of a pairing: its lines, or its sentences regrouped along the beads."""
    if pairing.by_line:
        groups = [([i], [i]) for i in range(len(pairing.hyp))]
        return SegmentGroups(groups, list(pairing.hyp), list(pairing.ref), units=len(pairing.hyp),
                             chrf_stats=pairing.chrf_stats)
    segments = regroup(pairing.beads, pairing.hyp, pairing.ref)
    return replace(segments, words=True) if pairing.words else segments


def score_texts(hyp_text: str, ref_text: str, options: ScoreOptions = ScoreOptions()) -> Scores:
    """Corpus scores of a hypothesis text against its reference text, as every command computes them."""
    pairing = pair_texts(hyp_text, ref_text)
    return score_segments(segments_of(pairing), not pairing.by_line, options)


def score_segments(segments: SegmentGroups, resegmented: bool = False,
                   options: ScoreOptions = ScoreOptions()) -> Scores:
    """sacrebleu corpus scores of the segments, with the regrouping's counts."""
    covered = segments.units - segments.uncovered
    return _scores(
        segments.hyps, [segments.refs], options,
        ref_segments=len(segments.refs),
        matched=sum(1 for h in segments.hyps if h),
        coverage=covered / segments.units if segments.units else 0.0,
        resegmented=resegmented,
        inserted=segments.inserted,
        missing=segments.missing,
        words=segments.words,
        chrf_stats=segments.chrf_stats,
    )


def coverage_warning(scores: Scores, presegmented: bool | None = None) -> str | None:
    """One line to show when the hypothesis met its reference loosely (re-split word by word, or less than
    half of it covered), or None; ``presegmented=False`` (a translation not made line by line) adds the
    ``--presegmented`` hint for test sets with one sentence per line."""
    if scores.words:
        text = (f"sentence alignment found little: the hypothesis was re-split word by word to the reference's "
                f"{scores.ref_segments} sentences (mwerSegmenter's method) and scored so")
    elif scores.resegmented and scores.coverage < _LOW_COVERAGE:
        text = f"the reference covers only {scores.coverage:.0%} of the hypothesis; the rest is not scored"
    else:
        return None
    hint = "; a test set with one sentence per line is translated line by line with --presegmented"
    return text + (hint if presegmented is False else "")


def scoring_notes(scores: Scores | None, presegmented: bool | None = None) -> list[str]:
    """What to tell about an article's scores: the :func:`coverage_warning` and why TER was left out."""
    if scores is None:
        return []
    return [note for note in (coverage_warning(scores, presegmented), scores.ter_skipped) if note]


def score_corpus(hyps: Sequence[str], refs: Sequence[str] | Sequence[Sequence[str]],
                 options: ScoreOptions = ScoreOptions()) -> Scores:
    """Plain sacrebleu corpus scores of segment-aligned hypotheses and one reference (a list of strings)
    or several (a list of such lists)."""
    one = not refs or isinstance(refs[0], str)  # mypy does not narrow ``refs`` by its first item
    streams = [list(cast(Sequence[str], refs))] if one else [list(r) for r in refs]
    for stream in streams:
        if len(stream) != len(hyps):
            raise UserError(f"{len(hyps)} hypothesis segments but {len(stream)} reference segments")
    return _scores(hyps, streams, options, ref_segments=len(hyps), matched=sum(1 for h in hyps if h),
                   coverage=1.0, resegmented=False)


def score_corpus_metric(key: str, hyps: Sequence[str], refs: Sequence[str]) -> float:
    """One metric of :func:`score_corpus` (``key`` as in ``METRIC_LABELS``), the same figure without
    computing the others (TER is slow)."""
    return corpus_metrics()[key].corpus_score(list(hyps), [list(refs)]).score


def score_pairings(hyp_text: str, ref_texts: Sequence[str]) -> list[Pairing]:
    """A hypothesis paired with each of its references; several references must be line-aligned with it."""
    pairings = [pair_texts(hyp_text, ref_text) for ref_text in ref_texts]
    if len(pairings) > 1 and not all(p.by_line for p in pairings):
        raise UserError("several references need files with one segment per line, as many lines as the hypothesis")
    return pairings


def scored_texts(pairings: Sequence[Pairing]) -> tuple[list[str], list[list[str]]]:
    """The hypothesis segments and the reference streams that :func:`score_pairings`' pairings score."""
    if len(pairings) == 1:
        segments = segments_of(pairings[0])
        return segments.hyps, [segments.refs]
    return list(pairings[0].hyp), [list(p.ref) for p in pairings]


def pairings_scores(pairings: Sequence[Pairing], options: ScoreOptions = ScoreOptions()) -> Scores:
    """The scores of a hypothesis from :func:`score_pairings`' pairings with its references."""
    if len(pairings) == 1:
        return score_segments(segments_of(pairings[0]), not pairings[0].by_line, options)
    return score_corpus(pairings[0].hyp, [p.ref for p in pairings], options)


@dataclass(frozen=True)
class PairedResult:
    """One system's paired test against the first: bootstrap mean and 95% CI (bootstrap only) and p-value
    (None for the baseline) of each metric, by key, and the test's signatures (with ``bs:``/``ar:`` and seed)."""

    means: dict[str, float | None]
    ci: dict[str, float | None]
    p_values: dict[str, float | None]
    signatures: dict[str, str]


def paired_test(names: Sequence[str], systems: Sequence[tuple[list[str], list[list[str]]]], options: ScoreOptions,
                test_type: str = "bs") -> list[PairedResult]:
    """sacrebleu's paired significance test of every system against the first (``bs``: bootstrap resampling,
    1000 resamples; ``ar``: approximate randomization, 10000 trials), on line-aligned segments
    (``scored_texts`` of each system, all with the same references)."""
    from sacrebleu.significance import PairedTest

    metrics = corpus_metrics(options)
    named: list[tuple[str, Sequence[str]]] = [(name, hyps) for name, (hyps, _) in zip(names, systems)]
    signatures, results = PairedTest(named, metrics, systems[0][1], test_type=test_type,
                                     n_samples=1000 if test_type == "bs" else 10000)()
    del results["System"]
    # sacrebleu keys results by score name (chrF2, chrF2++); its dicts keep the order of ``metrics``
    by_key = dict(zip(metrics, results.values()))
    signed = {key: str(signature) for key, signature in zip(metrics, signatures.values())}

    def number(value) -> float | None:
        return None if value is None else float(value)  # numpy's floats to plain ones (JSON)

    def values(k: int, attr: str) -> dict[str, float | None]:
        return {key: number(getattr(column[k], attr)) for key, column in by_key.items()}

    return [PairedResult(values(k, "mean"), values(k, "ci"), values(k, "p_value"), signed) for k in range(len(names))]


def corpus_metrics(options: ScoreOptions = ScoreOptions()) -> dict:
    """Fresh sacrebleu metric objects for ``options.metrics``, keyed as in ``Scores.signatures``."""
    from sacrebleu.metrics.bleu import _TOKENIZERS

    if options.tokenize and options.tokenize not in _TOKENIZERS:
        raise UserError(f"unknown tokenizer {options.tokenize!r}: sacrebleu knows {', '.join(_TOKENIZERS)}")
    bleu = {"tokenize": options.tokenize} if options.tokenize else {}
    build = {"bleu": lambda: _bleu(options, bleu),
             "chrf": lambda: CHRF(lowercase=options.chrf_lowercase),
             "chrf++": lambda: CHRF(word_order=2, lowercase=options.chrf_lowercase),
             "ter": lambda: TER(case_sensitive=options.ter_case_sensitive)}
    return {key: build[key]() for key in METRIC_LABELS if key in options.metrics}


def _bleu(options: ScoreOptions, bleu: dict):
    try:
        return BLEU(lowercase=options.lowercase, **bleu)
    except RuntimeError as error:  # ja-mecab, ko-mecab: sacrebleu's message names the pip extra they need
        install = next((line.strip() for line in str(error).splitlines() if "pip install" in line), "")
        raise UserError(f"--tokenize {options.tokenize} needs extra dependencies: {install}") from None
    except OSError as error:  # spm, flores101/200 download their sentencepiece model on first use
        raise UserError(f"--tokenize {options.tokenize} could not fetch its sentencepiece model ({error})") from None


def ter_too_long(hyps: Sequence[str], streams: Sequence[Sequence[str]]) -> str | None:
    """Why TER is not computed on these segments (one with more than ``TER_MAX_WORDS`` words on one side
    and more than ``TER_SHORT_WORDS`` on the other), or None."""
    for number, (hyp, *refs) in enumerate(zip(hyps, *streams), 1):
        sides = sorted((len(hyp.split()), max(len(ref.split()) for ref in refs)))
        if sides[0] > TER_SHORT_WORDS and sides[1] > TER_MAX_WORDS:
            return (f"TER not computed: segment {number} has {sides[1]:,} words against {sides[0]:,} "
                    f"(more than {TER_MAX_WORDS} against more than {TER_SHORT_WORDS}: sacrebleu's TER would "
                    "take minutes)")
    return None


def format_score(value: float | None) -> str:
    """A corpus score as the tables show it (one decimal); a dash for a metric not computed."""
    return "-" if value is None else f"{value:.1f}"


def _scores(hyps: Sequence[str], streams: list[list[str]], options: ScoreOptions,
            chrf_stats: list[list[int]] | None = None, **counts) -> Scores:
    if not streams[0]:
        raise UserError("nothing to score: the reference has no sentences")
    ter_skipped = ter_too_long(hyps, streams) if "ter" in options.metrics else None
    if ter_skipped:
        options = replace(options, metrics=tuple(key for key in options.metrics if key != "ter"))
    metrics = corpus_metrics(options)
    results = {}
    if chrf_stats is not None and not options.chrf_lowercase and options.n_bootstrap == 1:
        results = _chrf_from_line_stats(metrics, hyps, streams[0], chrf_stats)
    results.update({key: metric.corpus_score(list(hyps), streams, n_bootstrap=options.n_bootstrap)
                    for key, metric in metrics.items() if key not in results})
    # Any: mypy checks the values of a **-unpacked dict against every field, not only the metrics'
    metric_scores: dict[str, Any] = {field: results[key].score if key in results else None
                                     for key, field in METRIC_FIELDS.items()}
    return Scores(
        **metric_scores,
        signatures={key: str(metric.get_signature()) for key, metric in metrics.items()},
        ci={key: float(result._ci) for key, result in results.items()} if options.n_bootstrap > 1 else {},
        ter_skipped=ter_skipped or "",
        **counts,
    )


def _chrf_from_line_stats(metrics: dict, hyps: Sequence[str], refs: Sequence[str],
                          chrf_stats: list[list[int]]) -> dict:
    """chrF's and chrF++'s corpus scores (those of ``metrics``) from the line check's chrF statistics of each
    segment against one reference: ``corpus_score``'s figures and signatures without extracting the character
    n-grams again; chrF++ adds the statistics of its word n-grams, counted as its
    ``CHRF._compute_segment_statistics`` counts them."""
    results = {}
    for key in ("chrf", "chrf++"):
        metric = metrics.get(key)
        if metric is None:
            continue
        stats = chrf_stats if not metric.word_order else [
            row + _word_stats(metric, hyp, ref) for row, hyp, ref in zip(chrf_stats, hyps, refs)]
        metric.num_refs = 1  # what corpus_score's reference caching records for one reference stream
        results[key] = metric._aggregate_and_compute(stats)
    return results


def _word_stats(metric: CHRF, hyp: str, ref: str) -> list[int]:
    """chrF++'s word n-gram match statistics of one pair (``metric.word_order`` orders)."""
    hyp_words, ref_words = metric._remove_punctuation(hyp), metric._remove_punctuation(ref)
    stats: list[int] = []
    for n in range(1, metric.word_order + 1):
        stats.extend(metric._get_match_statistics(extract_word_ngrams(hyp_words, n), extract_word_ngrams(ref_words, n)))
    return stats
