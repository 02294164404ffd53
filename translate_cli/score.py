"""Reference scoring with sacrebleu: BLEU, chrF, chrF++ and TER, also across different sentence splits.

One path for every command (``translate --reference``, ``batch --references``, ``score``, ``compare``):
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
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from sacrebleu.metrics import BLEU, CHRF, TER

from translate_cli.align import align
from translate_cli.document import Bead, Scores
from translate_cli.errors import UserError
from translate_cli.segment import segment

METRIC_LABELS = {"bleu": "BLEU", "chrf": "chrF", "chrf++": "chrF++", "ter": "TER"}
METRIC_FIELDS = {"bleu": "bleu", "chrf": "chrf", "chrf++": "chrfpp", "ter": "ter"}  # metric key -> Scores field
# sacrebleu's TER (TERCOM's beam search over shifts) grows faster than the square of a segment's length:
# seconds at 200 words, minutes at 1,000; longer segments are refused for TER rather than scored for minutes
TER_MAX_WORDS = 250
_SENTENCE_CHRF = CHRF()
_SHIFT_EVIDENCE = 5.0  # chrF points by which a shifted pairing must beat the line pairing to reject it


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


@dataclass(frozen=True)
class Segments:
    """The segments scored: the hypothesis and reference unit ids of each (``groups``), their texts, and
    what the regrouping counted."""

    groups: list[tuple[list[int], list[int]]]
    hyps: list[str]
    refs: list[str]
    inserted: int = 0  # hypothesis sentences without a reference partner, inside the covered part
    missing: int = 0  # reference sentences without a hypothesis partner
    uncovered: int = 0  # hypothesis sentences outside the part the reference covers
    units: int = 0  # hypothesis units in all


def sentence_chrf(hyp: str, ref: str) -> float:
    """Sentence-level chrF (sacrebleu defaults) of one hypothesis against one reference."""
    return _SENTENCE_CHRF.sentence_score(hyp, [ref]).score


def text_lines(text: str) -> list[str]:
    """The lines of a file as sacrebleu reads them: split on ``\\n`` only, trailing whitespace dropped."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return [line.rstrip() for line in lines]


def lines_correspond(hyp: Sequence[str], ref: Sequence[str], sample: int = 200) -> bool:
    """Whether line i of ``hyp`` goes with line i of ``ref`` as far as the text shows: False only when
    lines shifted by one or two match clearly better (chrF) than the lines as given."""
    if len(hyp) != len(ref):
        return False
    rows = [i for i in range(len(hyp)) if hyp[i] and ref[i]]
    if len(rows) < 3:
        return True
    rows = sorted(random.Random(0).sample(rows, min(sample, len(rows))))

    def mean_chrf(shift: int) -> float:
        pairs = [(hyp[i], ref[i + shift]) for i in rows if 0 <= i + shift < len(ref)]
        return sum(sentence_chrf(h, r) for h, r in pairs) / max(len(pairs), 1)

    as_given = mean_chrf(0)
    return all(mean_chrf(shift) <= as_given + _SHIFT_EVIDENCE for shift in (-2, -1, 1, 2))


def pair_texts(hyp_text: str, ref_text: str, by_line: bool | None = None) -> Pairing:
    """Pair a hypothesis with its reference (see the module docstring); ``by_line`` forces a choice."""
    hyp_lines, ref_lines = text_lines(hyp_text), text_lines(ref_text)
    if by_line is None:
        by_line = lines_correspond(hyp_lines, ref_lines)
    if by_line:
        if len(hyp_lines) != len(ref_lines):
            raise UserError(f"{len(hyp_lines)} hypothesis lines but {len(ref_lines)} reference lines")
        return Pairing(hyp_lines, ref_lines, [Bead((i,), (i,), 1.0) for i in range(len(hyp_lines))], True)
    hyp = [s.text for s in segment(hyp_text, "en")]
    ref = [s.text for s in segment(ref_text, "en")]
    return Pairing(hyp, ref, align(hyp, ref, src_translation=hyp), False)


def regroup(beads: Sequence[Bead], hyp: Sequence[str], ref: Sequence[str]) -> Segments:
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
    return Segments(groups, *group_texts(groups, hyp, ref), inserted, missing, uncovered, len(hyp))


def group_texts(groups: Sequence[tuple[Sequence[int], Sequence[int]]], hyp: Sequence[str],
                ref: Sequence[str]) -> tuple[list[str], list[str]]:
    """The hypothesis and reference text of each group of unit ids, units joined by a space."""
    return ([" ".join(hyp[i] for i in src) for src, _ in groups], [" ".join(ref[j] for j in tgt) for _, tgt in groups])


def segments_of(pairing: Pairing) -> Segments:
    """The scored segments of a pairing: its lines, or its sentences regrouped along the beads."""
    if pairing.by_line:
        groups = [([i], [i]) for i in range(len(pairing.hyp))]
        return Segments(groups, list(pairing.hyp), list(pairing.ref), units=len(pairing.hyp))
    return regroup(pairing.beads, pairing.hyp, pairing.ref)


def score_texts(hyp_text: str, ref_text: str, options: ScoreOptions = ScoreOptions()) -> Scores:
    """Corpus scores of a hypothesis text against its reference text, as every command computes them."""
    pairing = pair_texts(hyp_text, ref_text)
    return score_segments(segments_of(pairing), not pairing.by_line, options)


def score_segments(segments: Segments, resegmented: bool = False, options: ScoreOptions = ScoreOptions()) -> Scores:
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
    )


def score_corpus(hyps: Sequence[str], refs: Sequence[str] | Sequence[Sequence[str]],
                 options: ScoreOptions = ScoreOptions()) -> Scores:
    """Plain sacrebleu corpus scores of segment-aligned hypotheses and one reference (a list of strings)
    or several (a list of such lists)."""
    streams = [list(refs)] if not refs or isinstance(refs[0], str) else [list(r) for r in refs]
    for stream in streams:
        if len(stream) != len(hyps):
            raise UserError(f"{len(hyps)} hypothesis segments but {len(stream)} reference segments")
    return _scores(hyps, streams, options, ref_segments=len(hyps), matched=sum(1 for h in hyps if h),
                   coverage=1.0, resegmented=False)


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
    named = [(name, hyps) for name, (hyps, _) in zip(names, systems)]
    signatures, results = PairedTest(named, metrics, systems[0][1], test_type=test_type,
                                     n_samples=1000 if test_type == "bs" else 10000)()
    del results["System"]
    # sacrebleu keys results by score name (chrF2, chrF2++); its dicts keep the order of ``metrics``
    by_key = dict(zip(metrics, results.values()))
    signed = {key: str(signature) for key, signature in zip(metrics, signatures.values())}

    def number(value) -> float | None:
        return None if value is None else float(value)  # numpy's floats to plain ones (JSON)

    return [PairedResult(*({key: number(getattr(column[k], attr)) for key, column in by_key.items()}
                           for attr in ("mean", "ci", "p_value")), signed) for k in range(len(names))]


def corpus_metrics(options: ScoreOptions = ScoreOptions()) -> dict:
    """Fresh sacrebleu metric objects for ``options.metrics``, keyed as in ``Scores.signatures``."""
    from sacrebleu.metrics.bleu import _TOKENIZERS

    if options.tokenize and options.tokenize not in _TOKENIZERS:
        raise UserError(f"unknown tokenizer {options.tokenize!r}: sacrebleu knows {', '.join(_TOKENIZERS)}")
    bleu = {"tokenize": options.tokenize} if options.tokenize else {}
    build = {"bleu": lambda: BLEU(lowercase=options.lowercase, **bleu),
             "chrf": lambda: CHRF(lowercase=options.chrf_lowercase),
             "chrf++": lambda: CHRF(word_order=2, lowercase=options.chrf_lowercase),
             "ter": lambda: TER(case_sensitive=options.ter_case_sensitive)}
    return {key: build[key]() for key in METRIC_LABELS if key in options.metrics}


def ter_too_long(hyps: Sequence[str], streams: Sequence[Sequence[str]]) -> str | None:
    """Why TER is not computed on these segments (one longer than ``TER_MAX_WORDS`` words), or None."""
    for number, texts in enumerate(zip(hyps, *streams), 1):
        words = max(len(text.split()) for text in texts)
        if words > TER_MAX_WORDS:
            return (f"TER not computed: segment {number} has {words:,} words, more than {TER_MAX_WORDS} "
                    "(sacrebleu's TER would take minutes)")
    return None


def _scores(hyps: Sequence[str], streams: list[list[str]], options: ScoreOptions, **counts) -> Scores:
    if not streams[0]:
        raise UserError("nothing to score: the reference has no sentences")
    if "ter" in options.metrics and (reason := ter_too_long(hyps, streams)):
        raise UserError(f"{reason}; leave it out with -m bleu,chrf,chrf++")
    metrics = corpus_metrics(options)
    results = {key: metric.corpus_score(list(hyps), streams, n_bootstrap=options.n_bootstrap)
               for key, metric in metrics.items()}
    return Scores(
        **{field: results[key].score if key in results else None for key, field in METRIC_FIELDS.items()},
        signatures={key: str(metric.get_signature()) for key, metric in metrics.items()},
        ci={key: float(result._ci) for key, result in results.items()} if options.n_bootstrap > 1 else {},
        **counts,
    )
