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
_SENTENCE_CHRF = CHRF()
_SHIFT_EVIDENCE = 5.0  # chrF points by which a shifted pairing must beat the line pairing to reject it


def metric_values(scores: Scores) -> dict[str, float]:
    """Each metric's corpus score by its key (``METRIC_LABELS`` order): ``{"bleu": ..., "chrf++": ..., ...}``."""
    return {key: getattr(scores, field) for key, field in METRIC_FIELDS.items()}


@dataclass(frozen=True)
class ScoreOptions:
    """sacrebleu settings: BLEU's tokenizer (None: its default, 13a), lowercasing for every metric, and
    bootstrap resamples for 95% confidence intervals (1: none)."""

    tokenize: str | None = None
    lowercase: bool = False
    n_bootstrap: int = 1


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


def corpus_metrics(options: ScoreOptions = ScoreOptions()) -> dict:
    """Fresh sacrebleu metric objects keyed as in ``Scores.signatures`` (sacrebleu's defaults unless
    ``options`` say otherwise)."""
    from sacrebleu.metrics.bleu import _TOKENIZERS

    if options.tokenize and options.tokenize not in _TOKENIZERS:
        raise UserError(f"unknown tokenizer {options.tokenize!r}: sacrebleu knows {', '.join(_TOKENIZERS)}")
    bleu = {"tokenize": options.tokenize} if options.tokenize else {}
    try:
        bleu_metric = BLEU(lowercase=options.lowercase, **bleu)
    except RuntimeError as error:  # ja-mecab, ko-mecab: sacrebleu's message names the pip extra they need
        install = next((line.strip() for line in str(error).splitlines() if "pip install" in line), "")
        raise UserError(f"--tokenize {options.tokenize} needs extra dependencies: {install}") from None
    except OSError as error:  # spm, flores101/200 download their sentencepiece model on first use
        raise UserError(f"--tokenize {options.tokenize} could not fetch its sentencepiece model ({error})") from None
    return {"bleu": bleu_metric, "chrf": CHRF(lowercase=options.lowercase),
            "chrf++": CHRF(word_order=2, lowercase=options.lowercase), "ter": TER(case_sensitive=not options.lowercase)}


def _scores(hyps: Sequence[str], streams: list[list[str]], options: ScoreOptions, **counts) -> Scores:
    if not streams[0]:
        raise UserError("nothing to score: the reference has no sentences")
    metrics = corpus_metrics(options)
    results = {key: metric.corpus_score(list(hyps), streams, n_bootstrap=options.n_bootstrap)
               for key, metric in metrics.items()}
    return Scores(
        **{field: results[key].score for key, field in METRIC_FIELDS.items()},
        signatures={key: str(metric.get_signature()) for key, metric in metrics.items()},
        ci={key: float(result._ci) for key, result in results.items()} if options.n_bootstrap > 1 else {},
        **counts,
    )
