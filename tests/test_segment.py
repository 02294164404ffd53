"""Tests for translate_cli.segment: exact splits on hard cases, offsets, and properties on any text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translate_cli.errors import UserError
from translate_cli.segment import format_segments, rules_for, segment

DATA = Path(__file__).parent / "data"
SAMPLE = Path(__file__).parent.parent / "samples" / "almaty-back-online.id.txt"


def hard_cases(lang: str = "id") -> list[tuple[str, list[str]]]:
    """(input text, expected sentences) from segment_hard_{lang}.txt: " || " joins with a space, " // " a newline."""
    cases = []
    for line in (DATA / f"segment_hard_{lang}.txt").read_text(encoding="utf-8").splitlines():
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


@pytest.mark.parametrize(("text", "expected"), hard_cases("en"), ids=lambda v: v[:40] if isinstance(v, str) else None)
def test_english_hard_cases_split_exactly(text, expected):
    assert texts(text, "en") == expected


def test_hard_case_files_are_not_trivial():
    cases = hard_cases()
    assert len(cases) >= 95
    assert sum(len(expected) - 1 for _, expected in cases) >= 110
    assert len(hard_cases("en")) >= 35


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


def test_list_items_keep_their_markers():
    assert texts("1. The first item 2. The second item", "en") == ["1. The first item", "2. The second item"]
    assert texts("1) Tunai 2) Transfer") == ["1) Tunai", "2) Transfer"]
    assert texts("a. Isi formulir b. Serahkan c. Tunggu") == ["a. Isi formulir", "b. Serahkan", "c. Tunggu"]
    assert texts("Bawa: • Senter • Air ⁃ Obat") == ["Bawa:", "• Senter", "• Air", "⁃ Obat"]
    assert texts("Catatan:\n- anggaran,\n- jadwal\n* rapat") == ["Catatan:", "- anggaran,", "- jadwal", "* rapat"]
    # an enumeration inside a sentence, in lower case, or a number that ends one, is no list
    assert texts("Syaratnya 1) usia 17 dan 2) punya KTP.") == ["Syaratnya 1) usia 17 dan 2) punya KTP."]
    assert texts("Skor akhir 2. Tim itu menang 3. Lalu pulang.") == [
        "Skor akhir 2.", "Tim itu menang 3.", "Lalu pulang."]
    assert texts("Ia membayar Rp 5.000 - 10.000 per hari.") == ["Ia membayar Rp 5.000 - 10.000 per hari."]


def test_spaced_ellipses_and_runs_of_question_and_exclamation_marks():
    text = "Ia ragu . . . lalu masuk. Kami menunggu . . . . Tidak ada yang datang. Apa?! Tidak!!! Sungguh?!?"
    assert texts(text) == [
        "Ia ragu . . . lalu masuk.",
        "Kami menunggu . . . .",
        "Tidak ada yang datang.",
        "Apa?!",
        "Tidak!!!",
        "Sungguh?!?",
    ]
    text = "It was weakened . . . in compounds. . . . The practice stayed. . . ."
    assert texts(text, "en") == ["It was weakened . . . in compounds.", ". . . The practice stayed. . . ."]


def test_abbreviation_or_initial_ending_a_sentence_before_a_capitalised_one():
    assert texts("at 6 P.M. Mr. Smith arrived.", "en") == ["at 6 P.M.", "Mr. Smith arrived."]
    assert texts("in 753 B.C. Augustus was born.", "en") == ["in 753 B.C.", "Augustus was born."]
    assert texts("PT Maju A.S. Seperti biasa, untung.") == ["PT Maju A.S.", "Seperti biasa, untung."]
    assert texts("Mr. Smith arrived at 6 P.M. on Monday.", "en") == ["Mr. Smith arrived at 6 P.M. on Monday."]
    assert texts("The U.S. Sen. Warren spoke.", "en") == ["The U.S. Sen. Warren spoke."]


def test_unknown_abbreviations_and_units_inside_a_sentence_do_not_split():
    assert texts("He is 6 ft. tall and 2 in. wider.", "en") == ["He is 6 ft. tall and 2 in. wider."]
    assert texts("Dijual PT Asia Pte. Ltd. kemarin.") == ["Dijual PT Asia Pte. Ltd. kemarin."]
    assert texts("Hubungi Telp. (021) 555 atau Fax. 021-556 atau No. 7.") == [
        "Hubungi Telp. (021) 555 atau Fax. 021-556 atau No. 7."
    ]
    assert texts("Ia dihubungi lewat Telp. Bagian Humas.") == ["Ia dihubungi lewat Telp. Bagian Humas."]


def test_missing_space_after_a_full_stop():
    assert texts("Ini kalimat pertama.Ini kalimat kedua.") == ["Ini kalimat pertama.", "Ini kalimat kedua."]
    assert texts("Ia pulang.“Kami menang,” katanya.") == ["Ia pulang.", "“Kami menang,” katanya."]
    assert texts('Ia pulang."Kami menang," katanya.') == ["Ia pulang.", '"Kami menang," katanya.']
    for text in (
        "Naik 3.5 persen menjadi Rp1.000 di www.bps.go.id hari ini.",
        "Gelar S.Pd dan M.Sc diraihnya, e.g. di Bogor.",
        "Berkas laporan.Final.docx dan data.xlsx dikirim ke Jane.Doe@example.com kemarin.",
        "Lihat https://example.com/berita.Html dan www.Kompas.com sekarang.",
    ):
        assert texts(text) == [text]


def test_an_opening_quote_goes_with_the_sentence_it_opens():
    assert texts('Ia pergi. "Kami menang," katanya.') == ["Ia pergi.", '"Kami menang," katanya.']
    assert texts('Ia berkata, "Kami siap. " Semua bersorak.') == ['Ia berkata, "Kami siap. "', "Semua bersorak."]
    assert texts("Ia pergi. ‘Kami menang,’ katanya.") == ["Ia pergi.", "‘Kami menang,’ katanya."]


def test_rules_for_any_iso_code():
    assert [rules_for(code) for code in ("id", "ind", "ms", "zsm", "en", "eng")] == ["id"] * 4 + ["en"] * 2
    assert [rules_for(code) for code in ("fr", "deu", "zh", "hi")] == ["generic"] * 4
    for code in ("EN", "e", "english", "en-US", "", "1d"):
        with pytest.raises(UserError, match="invalid language code"):
            segment("Hello.", code)


def test_generic_rules_for_other_languages():
    assert texts("你好。我很好！谢谢？好的。", "zh") == ["你好。", "我很好！", "谢谢？", "好的。"]
    assert texts("यह पहला वाक्य है। यह दूसरा है।", "hi") == ["यह पहला वाक्य है।", "यह दूसरा है।"]
    assert texts("M. Dupont est arrivé. « Bonjour. » Il est parti.", "fr") == [
        "M. Dupont est arrivé.",
        "« Bonjour. »",
        "Il est parti.",
    ]
    assert texts("「行こう。」と彼は言った。次だ。", "ja") == ["「行こう。」と彼は言った。", "次だ。"]
    # no abbreviation list: an English title is an ordinary word to the generic rules
    assert texts("Dr. Smith kam.", "de") == ["Dr.", "Smith kam."]
    assert rules_for("msa") == "id" and texts("Dr. Siti datang.", "msa") == ["Dr. Siti datang."]


def test_format_segments_one_line_each_and_blank_line_between_paragraphs():
    text = "Judul\n\nSatu. Dua\ntiga.\n\nEmpat."
    assert format_segments(segment(text)) == "Judul\n\nSatu.\nDua tiga.\n\nEmpat.\n"


def test_paragraphs_end_at_blank_lines_of_every_line_break_kind():
    """A blank line (also with spaces, or of \\r\\n, NEL or U+2028) ends a paragraph; one line break does
    not; line breaks in the leading and trailing whitespace belong to no paragraph."""
    text = "  \nEins.\r\n \r\nZwei.\u2028Drei\x85\x85Vier.\rFünf \n"
    segments = segment(text, "id")
    assert [(s.text, s.paragraph) for s in segments] == [
        ("Eins.", 0), ("Zwei.", 1), ("Drei", 1), ("Vier.", 2), ("Fünf", 2)]
    assert all(text[s.start:s.end] == s.text for s in segments)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_unicode_text_keeps_every_character(text):
    check_invariants(text)


PIECES = list("aZ9 .!?…\"'“”‘’«»()[]-—,:;/@\n\r\t\u00a0\u2028•⁃*。」।")
PIECES += ["Dr", "dll", "Tbk", "A.A", "19.30", "Ia", "1", "-nya", "1.", "a)", "2.)", ". . .", "P.M.", "[1]", "Mr", "At"]
NEWSY = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


@settings(max_examples=500, deadline=None)
@given(NEWSY, st.sampled_from(["id", "en", "fr"]))
def test_punctuation_heavy_text_keeps_every_character(text, lang):
    check_invariants(text, lang)


@pytest.mark.parametrize(
    "unit", [".", ". ", " .", "a.", "1. ", "a) ", "• ", '" ', "?!", "x", "Dr. ", "A.", "\n- ", "[1]", "a.B"]
)
def test_long_runs_of_one_pattern_are_segmented_whole(unit):
    """Each run is 100,000 characters: quadratic backtracking would not finish (not timed)."""
    text = unit * (100_000 // len(unit))
    check_invariants(text, "en")
