"""Reference scoring: sacrebleu corpus scores, and scoring across different sentence splits."""

from __future__ import annotations

import pytest
from sacrebleu.metrics import BLEU, CHRF

from translate_cli.document import Bead
from translate_cli.errors import UserError
from translate_cli.score import regroup, score_beads, score_corpus, score_document, sentence_chrf

REFERENCE = [
    "Almaty's internet was restored on Monday after five days of blackout.",
    "Banks and shops reopened in the country's largest city.",
    "The president said 164 people had died in the unrest, including 103 in Almaty.",
    "Officials did not say when the curfew would be lifted.",
    "Russian-led troops began leaving Kazakhstan on Thursday, the defence ministry said.",
    "Long queues formed at petrol stations as fuel prices stabilised.",
    "Some 10,000 people were detained across the country, according to the interior ministry.",
    "The former security chief was arrested on suspicion of high treason.",
    "Analysts said the crisis had exposed a power struggle within the ruling elite.",
]


def test_identical_up_to_sentence_splits_scores_100():
    third = REFERENCE[2].split(", ")
    fifth = REFERENCE[4].split(", ")
    hyp = [
        f"{REFERENCE[0]} {REFERENCE[1]}",  # two reference sentences in one: 1-2
        third[0] + ",", third[1],  # one reference sentence split in two: 2-1
        f"{REFERENCE[3]} {fifth[0]},", fifth[1],  # a split moved across a boundary: 2-2
        " ".join(REFERENCE[5:8]),  # three in one: 1-3
        REFERENCE[8],
    ]
    assert " ".join(hyp) == " ".join(REFERENCE)
    scores = score_document(hyp, REFERENCE)
    assert scores.bleu == pytest.approx(100.0)
    assert scores.chrf == pytest.approx(100.0)
    assert scores.chrfpp == pytest.approx(100.0)
    assert scores.ter == pytest.approx(0.0)
    assert scores.resegmented
    assert (scores.matched, scores.ref_segments, scores.coverage) == (9, 9, 1.0)


def test_identical_with_the_same_splits_is_plain_corpus_scoring():
    scores = score_document(REFERENCE, REFERENCE)
    assert not scores.resegmented
    assert scores.bleu == pytest.approx(100.0)
    assert scores == score_corpus(REFERENCE, REFERENCE)


def test_score_corpus_matches_sacrebleu_and_reports_signatures():
    hyps = [s.replace("said", "reported") for s in REFERENCE]
    scores = score_corpus(hyps, REFERENCE)
    assert scores.bleu == pytest.approx(BLEU().corpus_score(hyps, [REFERENCE]).score)
    assert scores.chrfpp == pytest.approx(CHRF(word_order=2).corpus_score(hyps, [REFERENCE]).score)
    assert set(scores.signatures) == {"bleu", "chrf", "chrf++", "ter"}
    assert scores.signatures["chrf++"].startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:2")
    with pytest.raises(UserError):
        score_corpus(hyps[:-1], REFERENCE)


def test_unequal_counts_are_aligned_and_reported_as_resegmented():
    hyp = [s.replace("the", "a") for s in REFERENCE[:4]] + [" ".join(REFERENCE[4:6])] + REFERENCE[7:]
    scores = score_document(hyp, REFERENCE)  # hypothesis lacks REFERENCE[6]
    assert scores.resegmented
    assert scores.ref_segments == 9
    assert scores.matched == 8
    assert scores.coverage == 1.0
    assert 0 < scores.bleu < 100


def test_partial_reference_lowers_coverage_not_the_scores():
    scores = score_document(REFERENCE, REFERENCE[:3])
    assert scores.coverage == pytest.approx(3 / 9)
    assert scores.bleu == pytest.approx(100.0)
    assert (scores.matched, scores.ref_segments) == (3, 3)


def test_regroup_joins_bead_sides_and_leaves_out_unreferenced_text():
    beads = [Bead((0, 1), (0,), 0.9), Bead((2,), (), 0.0), Bead((), (1,), 0.0), Bead((3,), (2, 3), 0.8)]
    hyps, refs = regroup(beads, ["a", "b", "c", "d"], ["A", "B", "C", "D"])
    assert hyps == ["a b", "", "d"]
    assert refs == ["A", "B", "C D"]
    scores = score_beads(beads, ["a", "b", "c", "d"], ["A", "B", "C", "D"])
    assert (scores.matched, scores.ref_segments, scores.coverage) == (3, 4, 0.75)


def test_sentence_chrf():
    assert sentence_chrf(REFERENCE[0], REFERENCE[0]) == pytest.approx(100.0)
    assert 0 < sentence_chrf("Internet restored in Almaty.", REFERENCE[0]) < 100


def test_empty_reference_is_a_user_error():
    with pytest.raises(UserError):
        score_document(REFERENCE, [])
