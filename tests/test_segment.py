"""Tests for translate_cli.segment: exact splits on hard cases, offsets, and properties on any text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translate_cli.errors import UserError
from translate_cli.segment import format_segments, segment

DATA = Path(__file__).parent / "data"
SAMPLE = Path(__file__).parent.parent / "samples" / "almaty-back-online.id.txt"


def hard_cases() -> list[tuple[str, list[str]]]:
    """(input text, expected sentences) from segment_hard_id.txt: " || " joins with a space, " // " a newline."""
    cases = []
    for line in (DATA / "segment_hard_id.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text = line.replace(" || ", " ").replace(" // ", "\n")
            cases.append((text, re.split(r" \|\| | // ", line)))
    return cases


def texts(text: str, lang: str = "id") -> list[str]:
    return [s.text for s in segment(text, lang)]


def check_invariants(text: str, lang: str = "id") -> None:
    segments = segment(text, lang)
    assert re.sub(r"\s", "", "".join(s.text for s in segments)) == re.sub(r"\s", "", text)
    previous_end, previous_paragraph = 0, 0
    for seg in segments:
        assert seg.text and seg.text == seg.text.strip()
        assert text[seg.start : seg.end] == seg.text
        gap = text[previous_end : seg.start]
        assert seg.start >= previous_end and not gap.strip()
        if seg is not segments[0]:  # a new paragraph exactly where a blank line separates them
            line_breaks = len((gap + "x").splitlines()) - 1
            assert seg.paragraph == previous_paragraph + (line_breaks >= 2)
        previous_end, previous_paragraph = seg.end, seg.paragraph
    assert not text[previous_end:].strip()
    if segments:
        assert segments[0].paragraph == 0


@pytest.mark.parametrize(("text", "expected"), hard_cases(), ids=lambda v: v[:40] if isinstance(v, str) else None)
def test_hard_cases_split_exactly(text, expected):
    assert texts(text) == expected


def test_hard_case_file_is_not_trivial():
    cases = hard_cases()
    assert len(cases) >= 60
    assert sum(len(expected) - 1 for _, expected in cases) >= 70


def test_offsets_and_paragraphs_of_the_sample_article():
    text = SAMPLE.read_text(encoding="utf-8")
    segments = segment(text)
    check_invariants(text)
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    assert segments[-1].paragraph == len(paragraphs) - 1
    assert segments[0].text == "Kota terbesar di Kazakhstan kembali online setelah bentrokan dan pemadaman listrik"
    assert "“Saya tidak tahu kami kembali online,” katanya." in [s.text for s in segments]
    text = "Krisis ini terjadi karena kekhawatiran akan invasi Rusia ke Ukraina. Rusia dan AS akan berunding."
    assert texts(text) == [
        "Krisis ini terjadi karena kekhawatiran akan invasi Rusia ke Ukraina.",
        "Rusia dan AS akan berunding.",
    ]


def test_paragraphs_headlines_and_bylines():
    text = (
        "  Judul Berita Hari Ini\n\n"
        "ALMATY, Kazakhstan (AFP) -\n"
        "Kota itu kembali online. Warga lega.\r\n"
        "   \r\n"
        "Oleh: Budi\n"
        "Subjudul tanpa titik\n"
        "Kalimat terakhir.  \n"
    )
    segments = segment(text)
    assert [(s.paragraph, s.text) for s in segments] == [
        (0, "Judul Berita Hari Ini"),
        (1, "ALMATY, Kazakhstan (AFP) -"),
        (1, "Kota itu kembali online."),
        (1, "Warga lega."),
        (2, "Oleh: Budi"),
        (2, "Subjudul tanpa titik"),
        (2, "Kalimat terakhir."),
    ]
    check_invariants(text)


def test_wrapped_lines_stay_one_sentence():
    text = "Pemerintah menaikkan harga\nbahan bakar minyak pada Senin,\nkata Dr.\nBambang. Ia menolak."
    assert texts(text) == [
        "Pemerintah menaikkan harga\nbahan bakar minyak pada Senin,\nkata Dr.\nBambang.",
        "Ia menolak.",
    ]


def test_numbered_list_items():
    text = "Syaratnya:\n1. Fotokopi KTP.\n2. Pas foto. Semua dibawa ke kantor Kec. Menteng."
    assert texts(text) == ["Syaratnya:", "1. Fotokopi KTP.", "2. Pas foto.", "Semua dibawa ke kantor Kec. Menteng."]


def test_abbreviation_ending_a_line_before_a_new_line():
    assert texts("Saham itu milik PT Astra International Tbk.\nLaporan lengkap menyusul.") == [
        "Saham itu milik PT Astra International Tbk.",
        "Laporan lengkap menyusul.",
    ]


def test_lowercase_sentence_start_after_a_plain_word():
    assert texts("Saya lelah. tapi saya senang. Harga naik dll. yang lain turun.") == [
        "Saya lelah.",
        "tapi saya senang.",
        "Harga naik dll. yang lain turun.",
    ]


def test_english_abbreviations():
    text = (
        "Mr. Smith met Dr. Jones at 10 a.m. on Jan. 5 in Washington. "
        "The U.S. Army said so, i.e. nothing changed. Apple Inc. The company sued Acme Corp. "
        "on Monday. He lives at No. 5 Baker St. in London, etc. Sen. Warren spoke. "
        '"Are you ready?" he asked. Gen. John F. Kelly agreed! Then he left... The end.'
    )
    assert texts(text, "en") == [
        "Mr. Smith met Dr. Jones at 10 a.m. on Jan. 5 in Washington.",
        "The U.S. Army said so, i.e. nothing changed.",
        "Apple Inc.",
        "The company sued Acme Corp. on Monday.",
        "He lives at No. 5 Baker St. in London, etc.",
        "Sen. Warren spoke.",
        '"Are you ready?" he asked.',
        "Gen. John F. Kelly agreed!",
        "Then he left...",
        "The end.",
    ]


def test_detached_closing_quote_stays_with_its_sentence():
    assert texts('Ia berkata, "Kami siap. Kami menang. " Semua bersorak.') == [
        'Ia berkata, "Kami siap.',
        'Kami menang. "',
        "Semua bersorak.",
    ]


def test_empty_and_blank_text():
    assert segment("") == []
    assert segment(" \n\n\t ") == []
    assert format_segments([]) == ""


def test_unknown_language_is_a_user_error():
    with pytest.raises(UserError, match="unsupported language 'fr'"):
        segment("Bonjour.", "fr")


def test_format_segments_one_line_each_and_blank_line_between_paragraphs():
    text = "Judul\n\nSatu. Dua\ntiga.\n\nEmpat."
    assert format_segments(segment(text)) == "Judul\n\nSatu.\nDua tiga.\n\nEmpat.\n"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_unicode_text_keeps_every_character(text):
    check_invariants(text)


PIECES = list("aZ9 .!?…\"'“”‘’«»()[]-—,:;/@\n\r\t\u00a0\u2028")
PIECES += ["Dr", "dll", "Tbk", "A.A", "19.30", "Ia", "1", "-nya"]
NEWSY = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


@settings(max_examples=500, deadline=None)
@given(NEWSY, st.sampled_from(["id", "en"]))
def test_punctuation_heavy_text_keeps_every_character(text, lang):
    check_invariants(text, lang)
