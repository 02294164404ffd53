"""Reference scoring: sacrebleu corpus scores, line by line or across different sentence splits, with
inserted and missing text costing what it costs in sacrebleu."""

from __future__ import annotations

import itertools
import random

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from translate_cli.errors import UserError
from translate_cli.records import Bead
from translate_cli.score import (
    TER_MAX_WORDS,
    TER_SHORT_WORDS,
    ScoreOptions,
    corresponding_line_stats,
    pair_texts,
    regroup,
    resegment_words,
    score_corpus,
    score_texts,
    sentence_chrf,
    text_lines,
)

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
REF_TEXT = "\n".join(REFERENCE) + "\n"
INVENTED = "A spokesman added that the weather in the mountains had been unusually mild for January."


def sacrebleu_scores(hyps: list[str], refs: list[str]) -> tuple[float, float, float, float]:
    return (BLEU().corpus_score(hyps, [refs]).score, CHRF().corpus_score(hyps, [refs]).score,
            CHRF(word_order=2).corpus_score(hyps, [refs]).score, TER().corpus_score(hyps, [refs]).score)


def figures(scores) -> tuple[float, float, float, float]:
    return scores.bleu, scores.chrf, scores.chrfpp, scores.ter


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
    scores = score_texts("\n".join(hyp) + "\n", REF_TEXT)
    assert figures(scores) == pytest.approx((100.0, 100.0, 100.0, 0.0))
    assert scores.resegmented
    assert (scores.matched, scores.ref_segments, scores.coverage, scores.inserted, scores.missing) == (9, 9, 1.0, 0, 0)


def test_corresponding_lines_are_scored_exactly_as_sacrebleu():
    hyps = [s.replace("said", "reported") for s in REFERENCE]
    scores = score_texts("\n".join(hyps) + "\n", REF_TEXT)
    assert not scores.resegmented
    assert figures(scores) == sacrebleu_scores(hyps, REFERENCE)  # to the last digit
    assert set(scores.signatures) == {"bleu", "chrf", "chrf++", "ter"}
    assert scores.signatures["chrf++"].startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:2")


def test_lines_are_split_as_sacrebleu_reads_files():
    assert text_lines("a \nb\r\n\nc") == ["a", "b", "", "c"]
    assert text_lines("a\nb\n") == ["a", "b"]
    scores = score_texts("One.\n\nThree.\n", "One.\nTwo.\nThree.\n")  # an empty line is an empty hypothesis
    assert figures(scores) == sacrebleu_scores(["One.", "", "Three."], ["One.", "Two.", "Three."])


def test_shifted_lines_are_aligned_instead():
    hyps = ["Breaking news from the capital."] + REFERENCE[:-1]  # same count, every line one place down
    assert corresponding_line_stats(hyps, REFERENCE) is None
    assert corresponding_line_stats(REFERENCE, REFERENCE) is not None
    scores = score_texts("\n".join(hyps) + "\n", REF_TEXT)
    assert scores.resegmented and scores.missing == 1  # the last reference sentence has no translation


def test_line_check_statistics_are_sacrebleus_corpus_chrf():
    rng = random.Random(3)
    refs = REFERENCE + ["", "x", "Résumé (2,5 %)!"] + [REFERENCE[i % 9][::-1] for i in range(20)]
    hyps = [" ".join(w for w in r.split() if rng.random() > 0.2) for r in refs]
    stats = corresponding_line_stats(hyps, refs)
    assert stats == CHRF()._extract_corpus_statistics(hyps, [refs])
    summed = [sum(column) for column in zip(*stats)]
    assert CHRF()._compute_score_from_stats(summed).score == CHRF().corpus_score(hyps, [refs]).score
    scores = score_texts("\n".join(hyps) + "\n", "\n".join(refs) + "\n")  # chrF and chrF++ from these statistics
    assert not scores.resegmented and figures(scores) == sacrebleu_scores(hyps, refs)
    for key, metric in (("chrf", CHRF()), ("chrf++", CHRF(word_order=2))):
        metric.corpus_score(hyps, [refs])
        assert scores.signatures[key] == str(metric.get_signature())
    only = score_texts("\n".join(hyps) + "\n", "\n".join(refs) + "\n", ScoreOptions(metrics=("chrf++",)))
    assert (only.chrf, only.chrfpp) == (None, scores.chrfpp)


def test_a_shift_is_caught_in_long_files_from_the_sample():
    rng = random.Random(4)
    words = " ".join(REFERENCE).replace(".", "").split()
    refs = [" ".join(rng.choice(words) for _ in range(rng.randint(6, 20))) + "." for _ in range(400)]
    hyps = [" ".join(w for w in r.split() if rng.random() > 0.3) for r in refs]  # a poor system
    assert corresponding_line_stats(hyps, refs) is not None
    for shift in (1, 2):
        assert corresponding_line_stats(hyps[shift:] + hyps[:shift], refs) is None
        assert corresponding_line_stats(hyps[-shift:] + hyps[:-shift], refs) is None


def test_an_invented_sentence_costs_what_it_costs_in_sacrebleu():
    hyp = REFERENCE[:4] + [INVENTED] + REFERENCE[4:]
    scores = score_texts(" ".join(hyp), REF_TEXT)
    assert scores.inserted == 1 and scores.missing == 0 and scores.coverage == 1.0
    joined = REFERENCE[:3] + [f"{REFERENCE[3]} {INVENTED}"] + REFERENCE[4:]  # joined to its neighbour's segment
    assert figures(scores) == sacrebleu_scores(joined, REFERENCE)
    assert scores.bleu < 100 and scores.chrf < 100 and scores.ter > 0


def test_a_missing_sentence_is_scored_against_an_empty_hypothesis():
    hyp = REFERENCE[:6] + REFERENCE[7:]
    scores = score_texts(" ".join(hyp), REF_TEXT)
    assert scores.missing == 1 and scores.inserted == 0
    assert figures(scores) == sacrebleu_scores(REFERENCE[:6] + [""] + REFERENCE[7:], REFERENCE)
    assert scores.matched == 8 and scores.ter > 0


def test_a_partial_reference_lowers_coverage_not_the_scores():
    scores = score_texts(REF_TEXT, "\n".join(REFERENCE[:3]))
    assert scores.coverage == pytest.approx(3 / 9)
    assert scores.bleu == pytest.approx(100.0)
    assert (scores.matched, scores.ref_segments, scores.inserted) == (3, 3, 0)


def test_regroup_attaches_inserted_text_inside_the_covered_part_only():
    beads = [Bead((0,), (), 0.0), Bead((1, 2), (0,), 0.9), Bead((3,), (), 0.0), Bead((), (1,), 0.0),
             Bead((4,), (2, 3), 0.8), Bead((5,), (), 0.0)]
    segments = regroup(beads, list("abcdef"), list("ABCD"))
    assert segments.hyps == ["b c d", "", "e"]  # d (inserted) joins the segment before it; B is missing
    assert segments.refs == ["A", "B", "C D"]
    assert (segments.inserted, segments.missing, segments.uncovered) == (1, 1, 2)  # a and f are uncovered


def test_several_references_options_and_confidence_intervals():
    hyps = [s.replace("said", "reported").lower() for s in REFERENCE]
    other = [s.replace("Monday", "Mon.") for s in REFERENCE]
    scores = score_corpus(hyps, [REFERENCE, other], ScoreOptions(tokenize="intl", lowercase=True, n_bootstrap=50,
                                                                 chrf_lowercase=True))
    assert scores.bleu == BLEU(tokenize="intl", lowercase=True).corpus_score(hyps, [REFERENCE, other]).score
    assert scores.chrf == CHRF(lowercase=True).corpus_score(hyps, [REFERENCE, other]).score
    assert "nrefs:2" in scores.signatures["bleu"] and "tok:intl" in scores.signatures["bleu"]
    assert "bs:50" in scores.signatures["bleu"] and set(scores.ci) == {"bleu", "chrf", "chrf++", "ter"}
    with pytest.raises(UserError, match="unknown tokenizer 'nope'"):
        score_corpus(hyps, REFERENCE, ScoreOptions(tokenize="nope"))


def test_each_metric_keeps_its_sacrebleu_default_case():
    hyps = [s.lower() for s in REFERENCE]  # differs from the reference in case only
    scores = score_corpus(hyps, REFERENCE)
    assert scores.ter == TER().corpus_score(hyps, [REFERENCE]).score == 0.0  # TER ignores case by default
    assert scores.bleu == BLEU().corpus_score(hyps, [REFERENCE]).score < 100
    assert scores.chrf == CHRF().corpus_score(hyps, [REFERENCE]).score < 100
    assert "case:lc" in scores.signatures["ter"] and "case:mixed" in scores.signatures["bleu"]
    sensitive = score_corpus(hyps, REFERENCE, ScoreOptions(lowercase=True, ter_case_sensitive=True))
    assert sensitive.bleu == pytest.approx(100)
    assert sensitive.ter == TER(case_sensitive=True).corpus_score(hyps, [REFERENCE]).score > 0
    assert sensitive.chrf == scores.chrf  # -lc is BLEU's alone, as in sacrebleu


def test_only_the_metrics_asked_for_are_computed(monkeypatch):
    monkeypatch.setattr(TER, "corpus_score", lambda *args, **kwargs: pytest.fail("TER computed"))
    scores = score_corpus(REFERENCE, REFERENCE, ScoreOptions(metrics=("bleu",)))
    assert scores.bleu == pytest.approx(100) and scores.chrf is scores.ter is None
    assert set(scores.signatures) == {"bleu"}


def test_ter_is_left_out_on_segments_too_long_for_it(monkeypatch):
    long_line = " ".join(f"w{k % 50}" for k in range(TER_MAX_WORDS + 1))
    short_line = " ".join(f"w{k % 40}" for k in range(TER_SHORT_WORDS))
    hyps, refs = ["a b", long_line, long_line], ["a b", short_line, long_line]
    assert score_corpus(hyps[:2], refs[:2]).ter == TER().corpus_score(hyps[:2], [refs[:2]]).score  # one side short
    monkeypatch.setattr(TER, "corpus_score", lambda *args, **kwargs: pytest.fail("TER computed"))
    scores = score_corpus(hyps, refs, ScoreOptions(metrics=("bleu", "ter")))
    assert scores.ter is None and scores.bleu is not None and "ter" not in scores.signatures
    assert scores.ter_skipped.startswith(f"TER not computed: segment 3 has {TER_MAX_WORDS + 1} words against "
                                         f"{TER_MAX_WORDS + 1}")


def _edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (x != y))
    return row[-1]


def test_word_resegmentation_finds_the_least_word_edits():
    rng = random.Random(1)
    for _ in range(60):
        ref = [" ".join(rng.choice("abcde") for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 4))]
        hyp = [rng.choice("abcde") for _ in range(rng.randint(1, 8))]
        pieces = resegment_words(" ".join(hyp), ref)
        assert len(pieces) == len(ref) and " ".join(pieces).split() == hyp
        best = min(sum(_edit_distance(hyp[a:b], r.split())
                       for (a, b), r in zip(zip((0, *cuts), (*cuts, len(hyp))), ref))
                   for cuts in itertools.combinations_with_replacement(range(len(hyp) + 1), len(ref) - 1))
        assert sum(_edit_distance(p.split(), r.split()) for p, r in zip(pieces, ref)) == best


def test_a_hypothesis_without_sentence_ends_is_resegmented_word_by_word():
    hyp_text = " ".join(s.rstrip(".").replace("said", "reported").lower() for s in REFERENCE)  # one long line
    scores = score_texts(hyp_text + "\n", REF_TEXT)
    assert scores.words and scores.coverage == 1.0 and scores.matched == len(REFERENCE)
    pieces = resegment_words(hyp_text, REFERENCE)
    assert pieces == [s.rstrip(".").replace("said", "reported").lower() for s in REFERENCE]
    assert scores.bleu == BLEU().corpus_score(pieces, [REFERENCE]).score
    assert scores.ter == TER().corpus_score(pieces, [REFERENCE]).score
    joined = CHRF().corpus_score([hyp_text], [[" ".join(REFERENCE)]]).score
    assert abs(scores.chrf - joined) < 5 and scores.chrf == CHRF().corpus_score(pieces, [REFERENCE]).score


def test_a_partial_reference_is_not_resegmented_word_by_word():
    scores = score_texts(REF_TEXT, " ".join(REFERENCE[:3]) + "\n")
    assert scores.resegmented and not scores.words and scores.coverage == pytest.approx(3 / len(REFERENCE))
    scores = score_texts(" ".join(REFERENCE[:3]) + "\n", REF_TEXT)
    assert scores.resegmented and not scores.words and scores.missing == len(REFERENCE) - 3


def test_pairing_by_line_needs_equal_counts():
    assert pair_texts(REF_TEXT, REF_TEXT).by_line
    with pytest.raises(UserError, match="9 hypothesis lines but 3 reference lines"):
        pair_texts(REF_TEXT, "\n".join(REFERENCE[:3]), by_line=True)


def test_sentence_chrf():
    assert sentence_chrf(REFERENCE[0], REFERENCE[0]) == pytest.approx(100.0)
    assert 0 < sentence_chrf("Internet restored in Almaty.", REFERENCE[0]) < 100


def test_empty_reference_is_a_user_error():
    with pytest.raises(UserError):
        score_corpus(REFERENCE[:0], [])


def test_line_correspondence_counts_chrf_as_sentence_chrf_does():
    from translate_cli.score import _SENTENCE_CHRF, _chrf_ngrams, _chrf_stats, sentence_chrf

    pairs = [("The cat sat on the mat.", "A cat was sitting on the mat!"), ("", "x"), ("Résumé 2,5 %", "résumé 2.5%"),
             ("same words", "same words")]
    for hyp, ref in pairs:
        stats = _chrf_stats(_chrf_ngrams(hyp), _chrf_ngrams(ref))
        assert _SENTENCE_CHRF._compute_f_score(stats) == sentence_chrf(hyp, ref)
