"""Reference scoring with sacrebleu: BLEU, chrF, chrF++ and TER, also across different sentence splits.

When the hypothesis and the reference are split into sentences differently, the hypothesis is first
aligned to the reference (:func:`translate_cli.align.align`, both sides English) and its sentences
regrouped to the reference's segments, the usual practice for scoring unsegmented MT output (cf.
Matusov et al. 2005, "Evaluating machine translation output with automatic sentence segmentation").
"""

from __future__ import annotations

from collections.abc import Sequence

from sacrebleu.metrics import BLEU, CHRF, TER

from translate_cli.align import align
from translate_cli.document import Bead, Scores
from translate_cli.errors import UserError

_SENTENCE_CHRF = CHRF()


def sentence_chrf(hyp: str, ref: str) -> float:
    """Sentence-level chrF (sacrebleu defaults) of one hypothesis against one reference."""
    return _SENTENCE_CHRF.sentence_score(hyp, [ref]).score


def score_corpus(hyps: Sequence[str], refs: Sequence[str]) -> Scores:
    """Plain sacrebleu corpus scores of segment-aligned hypotheses and references."""
    if len(hyps) != len(refs):
        raise UserError(f"{len(hyps)} hypothesis segments but {len(refs)} reference segments")
    return _scores(hyps, refs, ref_segments=len(refs), matched=sum(1 for h in hyps if h), coverage=1.0,
                   resegmented=False)


def score_document(hyp: Sequence[str], ref: Sequence[str]) -> Scores:
    """Score a hypothesis sentence list against a reference split into sentences differently.

    Equal counts are scored pairwise unless the alignment finds the 1-1 pairing implausible;
    otherwise hypothesis sentences are regrouped to the reference's segments (see :func:`score_beads`).
    """
    beads = align(hyp, ref, src_translation=hyp)
    if len(hyp) == len(ref) and all(b.src == b.tgt for b in beads):
        return score_corpus(hyp, ref)
    return score_beads(beads, hyp, ref)


def score_beads(beads: Sequence[Bead], hyp: Sequence[str], ref: Sequence[str]) -> Scores:
    """Corpus scores of ``hyp`` regrouped to ``ref`` along ``beads`` (from ``align(hyp, ref, ...)``).

    ``matched`` counts the reference sentences aligned to some hypothesis text and ``coverage`` the
    share of hypothesis sentences that the reference covers; ``resegmented`` says whether any bead
    is other than 1-1.
    """
    hyps, refs = regroup(beads, hyp, ref)
    covered = sum(len(b.src) for b in beads if b.tgt)
    return _scores(
        hyps,
        refs,
        ref_segments=len(ref),
        matched=sum(len(b.tgt) for b in beads if b.src),
        coverage=covered / len(hyp) if hyp else 0.0,
        resegmented=any(len(b.src) != 1 or len(b.tgt) != 1 for b in beads),
    )


def regroup(beads: Sequence[Bead], hyp: Sequence[str], ref: Sequence[str]) -> tuple[list[str], list[str]]:
    """Hypothesis and reference segments, one pair per bead that has reference sentences.

    The sentences on each side of a bead are joined with a space; a 0-1 bead gives an empty
    hypothesis (text missing from the translation), and a 1-0 bead, hypothesis text the reference
    does not cover, is left out.
    """
    pairs = [(" ".join(hyp[i] for i in b.src), " ".join(ref[j] for j in b.tgt)) for b in beads if b.tgt]
    return [h for h, _ in pairs], [r for _, r in pairs]


METRIC_LABELS = {"bleu": "BLEU", "chrf": "chrF", "chrf++": "chrF++", "ter": "TER"}


def corpus_metrics() -> dict:
    """Fresh sacrebleu metric objects (sacrebleu's defaults) keyed as in ``Scores.signatures``."""
    return {"bleu": BLEU(), "chrf": CHRF(), "chrf++": CHRF(word_order=2), "ter": TER()}


def _scores(hyps: Sequence[str], refs: Sequence[str], **counts) -> Scores:
    if not refs:
        raise UserError("nothing to score: the reference has no sentences")
    metrics = corpus_metrics()
    values = {key: metric.corpus_score(list(hyps), [list(refs)]).score for key, metric in metrics.items()}
    return Scores(
        bleu=values["bleu"],
        chrf=values["chrf"],
        chrfpp=values["chrf++"],
        ter=values["ter"],
        signatures={key: str(metric.get_signature()) for key, metric in metrics.items()},
        **counts,
    )
