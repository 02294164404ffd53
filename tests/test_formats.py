import json
import os
import xml.etree.ElementTree as ET

import pytest

from translate_cli.document import AlignedRow, Scores, Segment, TranslationResult
from translate_cli.errors import UserError
from translate_cli.formats import atomic_write_text, render_markdown, render_text, write_outputs

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
                                    "chrf"]
    assert len(lines) == 5 and all(len(line.split("\t")) == 8 for line in lines)
    assert lines[2].split("\t")[5] == "1,2"
    fields = lines[3].split("\t")
    assert fields[4] == "A <b> & \"c\" | d\\te\\nf \\\\ g"
    assert fields[:3] == ["2", "2", "0.5000"] and fields[7] == "10.0"
    assert lines[4].split("\t")[:2] == ["", "3"]


def test_jsonl_rows(tmp_path):
    write_outputs(make_result(), tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "art.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[2] == {"src": [2], "tgt": [2], "score": 0.5, "src_text": "Tiga <3> & |.", "tgt_text": TRICKY}
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
    assert page.count('class="worst"') == 1
    assert '<tr class="worst"><td class="num">3</td>' in page
    assert "http" not in page  # self-contained


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
