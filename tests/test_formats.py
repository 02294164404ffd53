import json
import os
import xml.etree.ElementTree as ET

import pytest

from translate_cli.errors import UserError
from translate_cli.formats import (
    atomic_write_text,
    paragraph_marks,
    render_bitext_html,
    render_markdown,
    render_text,
    write_outputs,
)
from translate_cli.records import AlignedRow, Scores, Segment, TranslationResult

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TRICKY = "A <b> & \"c\" | d\te\nf \\ g"


def make_result(reference: bool = False) -> TranslationResult:
    source = [Segment("Satu.", 0, 0, 5), Segment("Dua.", 0, 6, 10), Segment("Tiga <3> & |.", 1, 12, 25)]
    target = [Segment("One.", 0, 0, 4), Segment("Two.", 0, 5, 9), Segment(TRICKY, 1, 11, 30)]
    rows = [
        AlignedRow((0,), (0,), 0.9, "Satu.", "One.", "One!" if reference else None, 40.0 if reference else None,
                   (0,) if reference else ()),
        AlignedRow((1,), (1,), 0.8, "Dua.", "Two.", "Two." if reference else None, 100.0 if reference else None,
                   (1, 2) if reference else ()),
        AlignedRow((2,), (2,), 0.5, "Tiga <3> & |.", TRICKY, "Three." if reference else None,
                   10.0 if reference else None, (3,) if reference else ()),
        AlignedRow((), (3,), 0.0, "", "Extra."),
    ]
    scores = Scores(30.0, 50.0, 48.0, 60.0, {"bleu": "sig"}, 3, 3, 1.0, False) if reference else None
    return TranslationResult("art", source, target, rows, "m/model", 1.5, scores)


def test_write_outputs_without_reference(tmp_path):
    paths = write_outputs(make_result(), tmp_path / "out")
    names = sorted(p.name for p in paths)
    assert names == ["art.en.txt", "art.html", "art.jsonl", "art.md", "art.tmx", "art.tsv"]
    assert not list((tmp_path / "out").glob(".*.tmp"))


def test_text_keeps_paragraphs():
    assert render_text(make_result()) == f"One. Two.\n\n{TRICKY}\n"


def test_tsv_columns_and_escaping(tmp_path):
    write_outputs(make_result(reference=True), tmp_path)
    lines = (tmp_path / "art.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["src_ids", "tgt_ids", "score", "src_text", "tgt_text", "ref_ids", "ref_text",
                                    "chrf", "confidence", "flags", "repaired"]
    assert len(lines) == 5 and all(len(line.split("\t")) == 11 for line in lines)
    assert lines[1].split("\t")[8] == ""  # no model confidence in these rows
    assert [line.split("\t")[10] for line in lines[1:]] == ["false"] * 4
    assert lines[2].split("\t")[5] == "1,2"
    fields = lines[3].split("\t")
    assert fields[4] == "A <b> & \"c\" | d\\te\\nf \\\\ g"
    assert fields[:3] == ["2", "2", "0.5000"] and fields[7] == "10.0"
    assert lines[4].split("\t")[:2] == ["", "3"]


def test_jsonl_rows(tmp_path):
    write_outputs(make_result(), tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "art.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[2] == {"src": [2], "tgt": [2], "score": 0.5, "src_text": "Tiga <3> & |.", "tgt_text": TRICKY,
                       "confidence": None, "flags": [], "repaired": False}
    write_outputs(make_result(reference=True), tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "art.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[1]["ref"] == [1, 2] and rows[0]["ref_text"] == "One!" and rows[0]["chrf"] == 40.0


def test_tmx_structure(tmp_path):
    write_outputs(make_result(), tmp_path)
    text = (tmp_path / "art.tmx").read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text)
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    for key, value in {"creationtool": "translate-cli", "srclang": "id", "adminlang": "en",
                       "segtype": "sentence", "datatype": "plaintext"}.items():
        assert header.get(key) == value
    assert header.get("o-tmf") and header.get("creationtoolversion")
    tus = root.findall("body/tu")
    assert len(tus) == 3  # the 0-1 row has no source text and is left out
    tuvs = tus[2].findall("tuv")
    assert [t.get(XML_LANG) for t in tuvs] == ["id", "en"]
    assert tuvs[0].find("seg").text == "Tiga <3> & |."
    assert tuvs[1].find("seg").text == TRICKY


def test_tmx_drops_xml_invalid_characters(tmp_path):
    result = make_result()
    rows = [AlignedRow((0,), (0,), 1.0, "a\x00b\x1bc", "ok\x0c")]
    write_outputs(TranslationResult("x", result.source, result.target, rows, "m", 0.0), tmp_path)
    seg = ET.parse(tmp_path / "x.tmx").getroot().find("body/tu/tuv/seg")
    assert seg.text == "abc"


def test_markdown_escapes_and_reference_columns():
    md = render_markdown(make_result(reference=True))
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert table[0] == "| # | Source (id) | Translation (en) | Reference | chrF |"
    row = table[4]
    assert "A &lt;b&gt; &amp; \"c\" \\| d e<br>f \\\\ g" in row  # tabs become spaces
    # every row has the same number of unescaped pipes
    assert {line.replace("\\|", "").count("|") for line in table} == {6}
    assert "| # | Source (id) | Translation (en) |" in render_markdown(make_result())


def test_html_escapes_and_highlights_worst(tmp_path):
    write_outputs(make_result(reference=True), tmp_path)
    page = (tmp_path / "art.html").read_text(encoding="utf-8")
    assert "<b>" not in page and "A &lt;b&gt; &amp;" in page
    assert page.count('class="worst"') + page.count(' worst"') == 1
    rows = page.split("<tr")
    worst = next(row for row in rows if 'worst"' in row)
    assert '<td class="num">3' in worst and "Tiga &lt;3&gt;" in worst
    assert "worst 10%" in page  # the legend explains the highlight
    assert "http" not in page and "<script" not in page and "<link" not in page  # self-contained


def test_html_languages_paragraphs_and_signatures(tmp_path):
    page = render_bitext_html(make_result(reference=True))
    assert page.count('lang="id"') == 4  # one source cell per row
    assert page.count('lang="en"') == 1 + 4 * 2  # the page, and translation + reference cells
    assert page.count('<tr class="para') == 2 and "¶ 1" in page and "¶ 2" in page
    assert "sig" in page and "lower is better" in page  # signatures and the metric directions
    assert 'class="tag"' not in page.split("</thead>", 2)[-1]  # no headline among these sentences


def test_paragraph_marks_find_headlines():
    source = [Segment("Banjir di Jakarta", 0, 0, 17), Segment("Oleh Rina", 1, 19, 28),
              Segment("Hujan turun.", 2, 30, 42), Segment("Air naik.", 2, 43, 52),
              Segment("Kata dia: \"Aman.\"", 3, 54, 71)]
    starts, headlines = paragraph_marks(source)
    assert starts == {0: 1, 1: 2, 2: 3, 4: 4}
    assert headlines == {0, 1}
    rows = [AlignedRow((i,), (i,), 1.0, s.text, s.text) for i, s in enumerate(source)]
    page = render_bitext_html(TranslationResult("h", source, source, rows, "m", 0.0))
    assert page.count('<span class="tag" lang="en">headline</span>') == 2
    assert 'class="para headline "' in page and "worst" not in page.split("<tbody>")[1]


def test_html_drops_control_characters_and_wraps_long_tokens():
    result = make_result()
    rows = [AlignedRow((0,), (0,), 1.0, "a\x00b\x1bc\x85", "x" * 300)]
    page = render_bitext_html(TranslationResult("x", result.source, result.target, rows, "m", 0.0))
    assert ">abc<" in page and "\x00" not in page and "\x1b" not in page and "\x85" not in page
    assert "table-layout:fixed" in page and "overflow-wrap:anywhere" in page


def test_scores_json(tmp_path):
    write_outputs(make_result(reference=True), tmp_path)
    data = json.loads((tmp_path / "scores.json").read_text(encoding="utf-8"))
    assert data["chrf"] == 50.0 and data["article"] == "art" and data["signatures"] == {"bleu": "sig"}


def test_atomic_write_replaces_and_keeps_mode(tmp_path):
    path = tmp_path / "f.txt"
    atomic_write_text(path, "one")
    atomic_write_text(path, "two ü")
    assert path.read_text(encoding="utf-8") == "two ü"
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~_umask()
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permissions")
def test_unwritable_folder_is_a_user_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(UserError, match="cannot write"):
            write_outputs(make_result(), locked)
        with pytest.raises(UserError, match="cannot create output folder"):
            write_outputs(make_result(), locked / "sub")
    finally:
        locked.chmod(0o700)


def test_output_folder_under_a_file_is_a_user_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="cannot create output folder"):
        write_outputs(make_result(), tmp_path / "file" / "out")


def test_findings_in_tsv_jsonl_and_page(tmp_path):
    from dataclasses import replace

    from translate_cli.records import Finding

    result = make_result()
    flags = (Finding("numbers", "3 of the source not in the translation"), Finding("degenerate", "a loop: 'x'"))
    result = replace(result, rows=[replace(result.rows[0], flags=flags, repaired=True), *result.rows[1:]])
    write_outputs(result, tmp_path)
    tsv = (tmp_path / "art.tsv").read_text(encoding="utf-8").splitlines()
    assert tsv[0].split("\t")[-2:] == ["flags", "repaired"]
    assert tsv[1].split("\t")[-2:] == ["numbers: 3 of the source not in the translation; degenerate: a loop: 'x'",
                                        "true"]
    assert tsv[2].split("\t")[-2:] == ["", "false"]
    rows = [json.loads(line) for line in (tmp_path / "art.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[0]["flags"] == [{"code": "numbers", "reason": "3 of the source not in the translation"},
                                {"code": "degenerate", "reason": "a loop: 'x'"}]
    page = (tmp_path / "art.html").read_text(encoding="utf-8")
    assert page.count('class="flag"') == 2 and "<span class=\"code\">numbers</span>3 of the source" in page
    assert "numbers 1, names 0, untranslated 0, degenerate 1, brackets 0, consistency 0" in page
