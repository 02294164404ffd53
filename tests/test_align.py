"""Sentence alignment: bead structure on merges, splits, deletions, partial references, long documents."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translate_cli.align import align
from translate_cli.errors import UserError

SYLLABLES = "ka ri to men sa lu be dor pi en an ter gu nya ho ple us ca mo di fel ran".split()


def sentences(count: int, seed: int = 0) -> list[str]:
    """Made-up sentences of 5 to 30 words, each with a number of its own."""
    rng = random.Random(seed)
    out = []
    for k in range(count):
        words = ["".join(rng.choices(SYLLABLES, k=rng.randint(1, 3))) for _ in range(rng.randint(5, 30))]
        words.insert(rng.randrange(len(words)), str(1000 + k))
        out.append(" ".join(words).capitalize() + ".")
    return out


def noisy(text: list[str], seed: int = 1) -> list[str]:
    """A rough 'translation': every sentence with about 15% of its words dropped."""
    rng = random.Random(seed)
    return [" ".join(w for w in s.split() if rng.random() > 0.15) or s for s in text]


def pairs(beads) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(b.src, b.tgt) for b in beads]


def assert_covers(beads, n: int, m: int) -> None:
    assert [i for b in beads for i in b.src] == list(range(n))
    assert [j for b in beads for j in b.tgt] == list(range(m))
    assert all(b.src or b.tgt for b in beads)


def one_one(n: int, start_src: int = 0, start_tgt: int = 0) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [((start_src + k,), (start_tgt + k,)) for k in range(n)]


@pytest.mark.parametrize("method", ["length", "translation"])
def test_equal_segmentation_gives_one_to_one(method):
    tgt = sentences(30)
    beads = align(noisy(tgt), tgt, src_translation=noisy(tgt, 2), method=method)
    assert pairs(beads) == one_one(30)
    assert all(0.0 <= b.score <= 1.0 for b in beads)


def test_merged_target_sentences_give_two_to_one_and_three_to_one():
    src = sentences(20)
    tgt = src[:5] + [f"{src[5]} {src[6]}"] + src[7:12] + [" ".join(src[12:15])] + src[15:]
    beads = align(src, tgt, src_translation=noisy(src))
    assert pairs(beads) == one_one(5) + [((5, 6), (5,))] + one_one(5, 7, 6) + [((12, 13, 14), (11,))] + one_one(5, 15, 12)


def test_split_source_sentence_gives_one_to_two():
    tgt = sentences(20, seed=3)
    src = tgt[:8] + [f"{tgt[8]} {tgt[9]}"] + tgt[10:]
    beads = align(src, tgt, src_translation=noisy(src))
    assert pairs(beads) == one_one(8) + [((8,), (8, 9))] + one_one(10, 9, 10)


def test_deletions_on_both_sides():
    text = sentences(30, seed=4)
    src = text[:10] + text[11:]  # the source lacks sentence 10
    tgt = text[:20] + text[21:]  # the reference lacks sentence 20
    beads = align(src, tgt, src_translation=noisy(src))
    assert_covers(beads, len(src), len(tgt))
    expected = one_one(10) + [((), (10,))] + one_one(9, 10, 11) + [((19,), ())] + one_one(9, 20, 20)
    assert pairs(beads) == expected
    assert [b.score for b in beads if not (b.src and b.tgt)] == [0.0, 0.0]


@pytest.mark.parametrize("method", ["length", "translation"])
def test_an_empty_side(method):
    text = sentences(3)
    assert pairs(align([], text, src_translation=[], method=method)) == [((), (0,)), ((), (1,)), ((), (2,))]
    assert pairs(align(text, [], src_translation=text, method=method)) == [((0,), ()), ((1,), ()), ((2,), ())]
    assert align([], []) == []


def test_reference_covering_only_the_first_third():
    src = sentences(60, seed=5)
    beads = align(src, src[:20], src_translation=noisy(src))
    assert pairs(beads) == one_one(20) + [((i,), ()) for i in range(20, 60)]


def test_reference_skipping_a_passage():
    src = sentences(40, seed=6)
    tgt = src[:15] + src[25:]
    beads = align(src, tgt, src_translation=noisy(src))
    assert pairs(beads) == one_one(15) + [((i,), ()) for i in range(15, 25)] + one_one(15, 25, 15)


def edited(count: int, seed: int) -> tuple[list[str], list[str], set]:
    """A document with 5% merged target sentences and 3% deleted ones, and its gold beads."""
    rng = random.Random(seed)
    text = sentences(count, seed)
    src, tgt, gold = [], [], set()
    k = 0
    while k < count:
        roll = rng.random()
        if roll < 0.03:
            gold.add(((len(src),), ()))
            src.append(text[k])
        elif roll < 0.08 and k + 1 < count:
            gold.add(((len(src), len(src) + 1), (len(tgt),)))
            src += text[k : k + 2]
            tgt.append(f"{text[k]} {text[k + 1]}")
            k += 1
        else:
            gold.add(((len(src),), (len(tgt),)))
            src.append(text[k])
            tgt.append(text[k])
        k += 1
    return src, tgt, gold


def test_two_thousand_sentence_document():
    src, tgt, gold = edited(2000, seed=7)
    beads = align(src, tgt, src_translation=noisy(src))
    assert_covers(beads, len(src), len(tgt))
    assert len(set(pairs(beads)) & gold) >= 0.97 * len(gold)


def test_two_thousand_sentences_against_a_partial_reference():
    src, tgt, gold = edited(2000, seed=8)
    keep = len(tgt) // 3
    beads = align(src, tgt[:keep], src_translation=noisy(src))
    assert_covers(beads, len(src), keep)
    matched = [b for b in beads if b.src and b.tgt]
    assert len(set(pairs(matched)) & gold) >= 0.95 * keep
    assert all(b.tgt == () for b in beads if b.src and b.src[0] > matched[-1].src[-1])


def test_two_thousand_sentences_by_length_alone():
    src, tgt, gold = edited(2000, seed=9)
    beads = align(src, tgt, method="length")
    assert_covers(beads, len(src), len(tgt))
    assert len(set(pairs(beads)) & gold) >= 0.8 * len(gold)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(alphabet="ab .1", max_size=30), max_size=12),
    st.lists(st.text(alphabet="ab .2", max_size=30), max_size=12),
    st.sampled_from(["length", "translation"]),
)
def test_beads_cover_every_index_once_in_order(src, tgt, method):
    beads = align(src, tgt, src_translation=src, method=method)
    assert_covers(beads, len(src), len(tgt))


def test_method_errors():
    text = sentences(2)
    with pytest.raises(UserError):
        align(text, text, method="magic")
    with pytest.raises(UserError):
        align(text, text, method="translation")
    assert pairs(align(text, text, method="length")) == one_one(2)


def test_a_useless_translation_does_no_harm():
    src, tgt, gold = edited(300, seed=11)
    rng = random.Random(3)
    junk = ["".join(rng.choice("abcdefghij ") for _ in range(len(s))) for s in src]
    assert align(src, tgt, src_translation=junk) == align(src, tgt, method="length")
