"""Documents (.html, .docx, .srt, .md): blocks read, translations put back, structure kept, bad files refused.

Readers and writers are tested with made-up translations (so the expected text is known), the CLI and
batch with the tiny random-weight Marian model (structure only, never wording).
"""

from __future__ import annotations

import io
import json
import re

import pytest
from cli_run import assert_one_line_error, run
from hypothesis import given
from hypothesis import strategies as st

from translate_cli.documents import KINDS, Anchor, distribute, fill, read_document, render_document
from translate_cli.errors import UserError
from translate_cli.pipeline import read_input, segment_blocks, target_segments
from translate_cli.segment import format_segments

HTML = """<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>Banjir di Jakarta</title>
<meta name="description" content="Ratusan rumah terendam banjir di Jakarta Timur.">
<meta property="og:title" content="Banjir di  Jakarta"><meta property="og:site_name" content="Kantor Berita">
<style>p { color: red }</style><script>var pesan = "jangan diterjemahkan";</script></head>
<body>
<header><nav><a href="/"><img src="logo.png" alt="Logo kantor berita"></a> <a href="/berita">Berita</a></nav></header>
<main><article>
<h1>Banjir melanda Jakarta pada hari Senin</h1>
<figure><img src="banjir.jpg" alt="Warga mengungsi dengan perahu karet"></figure>
<p>Banjir merendam <a href="https://contoh.id/rumah">ratusan rumah</a> di Jakarta Timur, <b>kata petugas</b>.<br>Warga
mengungsi ke masjid dan sekolah.</p>
<ul><li>Jalan ditutup untuk sementara.</li><li>Sekolah diliburkan, ketik <code>libur</code> untuk info.</li></ul>
<table><tr><th>Wilayah</th><td>Jakarta Timur</td></tr></table>
<div class="share-social">Bagikan artikel ini ke teman</div>
<aside>Baca juga berita lain</aside>
</article></main>
<footer>Hak cipta 2024 oleh kantor berita</footer>
</body></html>
"""

SRT = """1
00:00:01,000 --> 00:00:03,200
Banjir merendam ratusan rumah

2
00:00:03,300 --> 00:00:05,000
di Jakarta Timur, kata petugas.

3
00:00:05,500 --> 00:00:07,000
<i>Warga mengungsi ke masjid
dan sekolah.</i>

4
00:00:10,000 --> 00:00:12,500
- Apakah air sudah surut?
- Belum, masih tinggi.
"""

MARKDOWN = """---
title: Banjir di Jakarta
tags: [banjir, jakarta]
---
# Banjir melanda *Jakarta* pada hari Senin

Banjir merendam [ratusan rumah](https://contoh.id/rumah_(timur) "Foto") di Jakarta Timur, kata petugas.
Warga mengungsi ke masjid dan menjalankan `siaga --banjir` sejak pagi.

- Jalan ditutup untuk sementara.
- Sekolah diliburkan
  sampai hari Rabu.
  1. Kecuali sekolah di Bogor.

| Wilayah | Rumah terendam |
|---------|----------------|
| Jakarta Timur | ratusan rumah |

```python
print("jangan diterjemahkan")
```

> Kata warga, air naik dengan cepat sekali.
"""


def docx_bytes() -> bytes:
    """A Word document with a heading, formatted runs, a list item, a table with a merged cell and a page break."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Laporan harian kantor berita"
    document.sections[0].footer.paragraphs[0].add_run("Hanya untuk kalangan sendiri").italic = True
    document.add_heading("Banjir melanda Jakarta pada hari Senin", 1)
    paragraph = document.add_paragraph("Banjir merendam ")
    paragraph.add_run("ratusan rumah").bold = True
    paragraph.add_run(" di Jakarta Timur, ")
    paragraph.add_run("kata petugas").italic = True
    paragraph.add_run(". Warga mengungsi ke masjid dan sekolah.")
    document.add_paragraph("Jalan ditutup untuk sementara.", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Wilayah"
    table.cell(0, 1).text = "Jakarta Timur"
    table.cell(1, 0).merge(table.cell(1, 1)).text = "Ratusan rumah terendam banjir."
    document.add_paragraph("Halaman berikutnya menyusul.").add_run().add_break(WD_BREAK.PAGE)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def html_shape(data: bytes) -> list:
    """Every element's tag and attributes but ``lang`` and the translated ones (an article image's ``alt``,
    the description): what translation must not change."""
    import lxml.html

    root = lxml.html.document_fromstring(data)
    translated = {("img", "alt"), ("meta", "content")}  # (a site name in <meta content> is checked apart)
    return [(el.tag, {k: v for k, v in el.attrib.items() if k != "lang" and (el.tag, k) not in translated})
            for el in root.iter()]


def docx_shape(data: bytes) -> list:
    """Every paragraph's style and its runs' bold/italic, tables' sizes."""
    import docx

    document = docx.Document(io.BytesIO(data))
    paragraphs = [(p.style.name, [(r.bold, r.italic) for r in p.runs]) for p in document.paragraphs]
    return paragraphs + [(len(t.rows), len(t.columns)) for t in document.tables]


def srt_shape(data: bytes) -> list:
    """Cue numbers and timing lines."""
    return re.findall(r"^\d+\r?\n[\d:,]+ --> [\d:,]+$", data.decode("utf-8"), re.M)


def markdown_shape(data: bytes) -> list:
    """Token types, markup, line maps, link targets and code of a Markdown text."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(front_matter_plugin)
    shape = []
    for token in parser.parse(data.decode("utf-8")):
        code = token.content if token.type in ("fence", "code_block", "front_matter") else None
        shape.append((token.type, token.markup, token.map, code))
        for child in token.children or []:
            if child.type != "text":
                shape.append((child.type, child.markup, child.attrs.get("href"),
                              child.content if child.type == "code_inline" else None))
    return shape


SHAPES = {"html": html_shape, "docx": docx_shape, "srt": srt_shape, "md": markdown_shape}


def translated(document, translate=lambda block: f"EN {block.upper()}") -> bytes:
    """Render ``document`` with each sentence replaced by ``translate(sentence)``."""
    source = segment_blocks(document.blocks)
    return render_document(document, target_segments(source, [translate(s.text) for s in source]))


def read(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    document = read_document(path, path.read_bytes())
    assert all(block.text and block.kind in KINDS for block in document.blocks)
    return document


# ---- placement of a translation over a block's pieces


@given(st.lists(st.text(alphabet="ab .,", min_size=0, max_size=12), max_size=30),
       st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=8))
def test_distribute_keeps_every_word_in_order(words, weights):
    text = " ".join(words)
    parts = distribute(text, weights)
    assert len(parts) == len(weights)
    assert "".join(parts) == " ".join(text.split())
    if len(text.split()) >= len(weights):
        assert all(part.strip() for part in parts)


def test_fill_gives_back_the_source_for_an_identical_translation():
    pieces = ["Banjir merendam ", "ratusan rumah", " di Jakarta Timur, ", "kata petugas", ". Warga mengungsi."]
    assert fill(pieces, "Banjir merendam ratusan rumah di Jakarta Timur, kata petugas. Warga mengungsi.") == pieces
    with_code = ["Jalankan ", Anchor("make build"), " (lalu ", Anchor("make test"), ")."]
    assert fill(with_code, "Jalankan make build (lalu make test).") == with_code


def test_fill_cuts_at_anchors_and_survives_a_lost_one():
    pieces = ["Jalankan ", Anchor("make"), " sekarang juga."]
    assert fill(pieces, "Run make right now.") == ["Run ", pieces[1], " right now."]
    lost = fill(pieces, "Run it right now.")
    assert lost[1] == pieces[1] and "".join([lost[0], lost[2]]).split() == "Run it right now.".split()


# ---- HTML


def test_html_reads_the_article_without_boilerplate(tmp_path):
    document = read(tmp_path, "page.html", HTML)
    kinds = [block.kind for block in document.blocks]
    assert kinds == ["title", "description", "heading", "alt text", "paragraph", "list item", "list item",
                     "table cell", "table cell"]
    text = document.text
    assert "ratusan rumah di Jakarta Timur, kata petugas. Warga mengungsi" in text
    assert document.blocks[3].text == "Warga mengungsi dengan perahu karet"
    for boilerplate in ("Beranda", "Logo", "Bagikan", "Baca juga", "Hak cipta", "jangan", "color"):
        assert boilerplate not in text
    assert "libur" in document.blocks[6].text  # inline code is shown to the translator


def test_html_writes_the_same_page_with_translated_text(tmp_path):
    import lxml.html

    document = read(tmp_path, "page.html", HTML)
    data = translated(document)
    assert data.startswith(b"<!DOCTYPE html>\n<html")
    out = lxml.html.document_fromstring(data)
    assert out.get("lang") == "en"
    assert html_shape(data) == html_shape(HTML.encode())
    assert out.findtext("head/title").startswith("EN BANJIR")
    assert (out.find("head/meta[@name='description']").get("content")
            == "EN RATUSAN RUMAH TERENDAM BANJIR DI JAKARTA TIMUR.")
    assert out.find(".//figure/img").get("alt") == "EN WARGA MENGUNGSI DENGAN PERAHU KARET"
    assert out.find("head/meta[@property='og:title']").get("content") == out.findtext("head/title")
    assert out.find("head/meta[@property='og:site_name']").get("content") == "Kantor Berita"
    assert out.find(".//nav//img").get("alt") == "Logo kantor berita"  # boilerplate stays as it was
    for element in out.iter("h1", "p", "li", "th", "td"):
        assert "EN" in element.text_content(), lxml.html.tostring(element)
    assert out.find(".//a[@href='https://contoh.id/rumah']").text.strip()
    assert out.findtext(".//code") == "libur"
    assert out.findtext(".//footer") == "Hak cipta 2024 oleh kantor berita"
    assert "jangan diterjemahkan" in out.findtext(".//script")


def test_html_identity_translation_gives_back_the_text(tmp_path):
    import lxml.html

    document = read(tmp_path, "page.html", HTML)
    out = lxml.html.document_fromstring(translated(document, lambda sentence: sentence))
    original = lxml.html.document_fromstring(HTML.encode())
    normal = lambda root: " ".join(root.text_content().split())  # noqa: E731
    assert normal(out) == normal(original)
    for path, attribute in ((".//figure/img", "alt"), ("head/meta[@name='description']", "content")):
        assert out.find(path).get(attribute) == original.find(path).get(attribute)


# A BBC-like page (the structure of mozilla/readability's test-pages/bbc-1 and guardian-1, Apache-2.0):
# <title> and <meta> after an element libxml2 does not expect in <head>, share buttons, an ad slot, a related
# stories group, an og:title that differs from <title>, and URLs that libxml2 would write %20-escaped.
NEWS_PAGE = """<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><script src="x.js"></script><div id="orb-banner"></div>
<title>Banjir melanda Jakarta - Berita</title>
<meta name="description" content="Ratusan rumah terendam banjir.">
<meta property="og:title" content="Banjir melanda Jakarta">
<meta property="og:description" content="Ratusan rumah terendam banjir.">
<link rel="stylesheet" href=" gaya halaman.css"></head>
<body><div class="story-body has-ads">
<h1>Banjir melanda Jakarta</h1>
<div class="story-body__mini-info-list-and-share"><ul><li>Bagikan</li><li>komentar</li></ul></div>
<p>Banjir merendam <a href="berita lain.html?a=1&amp;b=2">ratusan rumah</a> di Jakarta Timur.</p>
<img src="foto banjir.png" alt="Warga mengungsi dengan perahu">
<img src="peta%20banjir.png" alt="Peta wilayah banjir">
<div class="bbccom_advert"><p>Advertisement</p></div><p>Iklan</p>
<div class="share share--lightweight"><h2>Bagikan cerita ini</h2><ul><li>Email</li><li>Facebook</li></ul></div>
<div class="group story-alsos more-on-this-story"><h2>Berita terkait</h2>
<ul><li><a href="/banjir-bogor">Banjir juga melanda Bogor</a></li></ul></div>
<table><tr><td>Rumah terendam</td><td>1.250</td></tr></table><p><code>curl peta.id</code></p>
</div></body></html>
"""


def test_html_translates_the_metadata_and_leaves_the_page_furniture(tmp_path):
    document = read(tmp_path, "bbc.html", NEWS_PAGE)
    assert [(block.kind, block.text) for block in document.blocks] == [
        ("title", "Banjir melanda Jakarta - Berita"), ("description", "Ratusan rumah terendam banjir."),
        ("title", "Banjir melanda Jakarta"), ("heading", "Banjir melanda Jakarta"),
        ("paragraph", "Banjir merendam ratusan rumah di Jakarta Timur."),
        ("alt text", "Warga mengungsi dengan perahu"), ("alt text", "Peta wilayah banjir"),
        ("table cell", "Rumah terendam")]  # no share buttons, ads, related stories, numbers or code alone


def test_html_writes_every_attribute_it_did_not_translate_as_read(tmp_path):
    import lxml.html

    data = translated(read(tmp_path, "bbc.html", NEWS_PAGE))
    assert html_shape(data) == html_shape(NEWS_PAGE.encode())
    for written in (b'src="foto banjir.png"', b'src="peta%20banjir.png"', b'href=" gaya halaman.css"',
                    b'href="berita lain.html?a=1&amp;b=2"'):
        assert written in data
    out = lxml.html.document_fromstring(data)
    metas = {meta.get("property") or meta.get("name"): meta.get("content") for meta in out.iter("meta")}
    assert out.findtext(".//title") == "EN BANJIR MELANDA JAKARTA - BERITA"
    assert metas["og:title"] == "EN BANJIR MELANDA JAKARTA"
    assert metas["og:description"] == metas["description"] == "EN RATUSAN RUMAH TERENDAM BANJIR."
    assert out.findtext(".//td[2]") == "1.250" and "EN" not in out.findtext(".//h2")


def test_html_in_windows_1252_with_text_in_body_comes_back_as_utf8(tmp_path):
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
            "<title>Kafé baru</title></head><body>Teks langsung di body<br>baris dua</body></html>")
    document = read(tmp_path, "lama.html", page.encode("cp1252"))
    assert [(b.kind, b.text) for b in document.blocks] == [
        ("title", "Kafé baru"), ("paragraph", "Teks langsung di body baris dua")]
    out = translated(document).decode("utf-8")
    assert '<meta charset="utf-8">' in out and "<title>EN KAFÉ BARU</title>" in out
    assert "EN TEKS LANGSUNG DI BODY<br>BARIS DUA" in out.replace("\n", "")


def test_html_without_article_text_is_refused(tmp_path):
    page = "<html><head><title>Menu</title></head><body><nav>Beranda</nav><footer>Hak cipta</footer></body></html>"
    with pytest.raises(UserError, match="no article text"):
        read(tmp_path, "empty.html", page)


# ---- Word


def test_docx_keeps_paragraphs_styles_runs_and_tables(tmp_path):
    import docx

    data = docx_bytes()
    document = read(tmp_path, "berita.docx", data)
    assert [block.kind for block in document.blocks] == [
        "page header", "heading", "paragraph", "list item", "table cell", "table cell", "table cell", "paragraph",
        "page footer"]
    out_data = translated(document)
    assert docx_shape(out_data) == docx_shape(data)
    out = docx.Document(io.BytesIO(out_data))
    assert all(paragraph.text.startswith("EN ") for paragraph in out.paragraphs)
    body = out.paragraphs[1]
    assert all(run.text.strip() for run in body.runs)  # every formatted run still holds words
    assert [c.text for c in out.tables[0].rows[0].cells] == ["EN WILAYAH", "EN JAKARTA TIMUR"]
    assert out.tables[0].cell(1, 0).text == "EN RATUSAN RUMAH TERENDAM BANJIR."
    assert 'w:type="page"' in out.paragraphs[-1]._p.xml
    assert out.core_properties.language == "en"
    assert out.sections[0].header.paragraphs[0].text == "EN LAPORAN HARIAN KANTOR BERITA"
    footer = out.sections[0].footer.paragraphs[0]
    assert footer.text == "EN HANYA UNTUK KALANGAN SENDIRI" and footer.runs[0].italic


def test_docx_language_tags_that_say_indonesian_say_english(tmp_path):
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document(io.BytesIO(docx_bytes()))
    for value, text_run in zip(("id-ID", "in-ID", "fr-FR"), document.paragraphs[1].runs):
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), value)
        text_run._r.get_or_add_rPr().append(lang)
    data = io.BytesIO()
    document.save(data)
    out = docx.Document(io.BytesIO(translated(read(tmp_path, "laporan.docx", data.getvalue()))))
    assert [run._r.rPr.find(qn("w:lang")).get(qn("w:val")) for run in out.paragraphs[1].runs[:3]] == [
        "en-US", "en-US", "fr-FR"]


@pytest.mark.parametrize("content, needle", [
    (b"Banjir melanda Jakarta pada hari Senin.", "not a readable Word .docx file"),
    (None, "not a readable Word .docx file"),
])
def test_bad_docx_is_refused(content, needle, tmp_path):
    content = content if content is not None else docx_bytes()[:3000]  # a truncated zip
    with pytest.raises(UserError, match=needle):
        read(tmp_path, "rusak.docx", content)


# ---- SubRip


def test_srt_merges_cues_into_sentences_and_keeps_numbers_and_timings(tmp_path):
    document = read(tmp_path, "film.srt", SRT)
    assert [block.text for block in document.blocks] == [
        "Banjir merendam ratusan rumah di Jakarta Timur, kata petugas.",
        "Warga mengungsi ke masjid dan sekolah.",
        "- Apakah air sudah surut? - Belum, masih tinggi.",
    ]
    out = translated(document, lambda sentence: re.sub(r"^(- )?", r"\1EN ", sentence.upper())).decode()
    assert srt_shape(out.encode()) == srt_shape(SRT.encode()) and len(srt_shape(out.encode())) == 4
    cues = [cue.split("\n", 2)[2] for cue in out.strip().split("\n\n")]
    assert all(cue.strip() for cue in cues)
    assert cues[0].startswith("EN BANJIR") and not cues[1].startswith("EN")  # one sentence over two cues
    assert cues[2].startswith("<i>EN WARGA") and cues[2].endswith("</i>")
    assert [line[:1] for line in cues[3].splitlines()] == ["-", "-"]  # one line per speaker
    assert all(len(re.sub("<[^>]*>", "", line)) <= 42 for cue in cues for line in cue.splitlines())


def test_srt_with_broken_timestamp_is_refused(tmp_path):
    with pytest.raises(UserError, match="not valid SubRip subtitles at line 5"):
        read(tmp_path, "rusak.srt", SRT.replace("00:00:05,000", "00:0x:05,000"))


# Written for these tests after the cases of pysrt's capability_tester.srt (byroot/pysrt, GPLv3, not copied):
# nested and attribute tags, position codes, a "2<3,5>1" that is text, a zero-length hidden cue.
TAGGED_SRT = """1
00:00:00,000 --> 00:00:00,000
Jangan tampilkan teks ini

2
00:00:01,500 --> 00:00:04,500
Penguji kemampuan subtitle <b><i>pakai VLC sebagai acuan</i></b>
<font color="#0000FF">Teks ini harus biru</font>

3
00:00:04,600 --> 00:00:07,500
{\\an8}<u>Baris ini bergaris bawah</u> dan nilai 2<3,5>1 tetap teks.

4
00:00:08,000 --> 00:00:09,000
Banjir merendam ratusan rumah

5
00:00:12,000 --> 00:00:14,000
di Jakarta Timur, kata petugas.
"""


def srt_tags(data: bytes) -> list[list[str]]:
    import srt

    return [re.findall(r"</?[A-Za-z][^>]*>|\{\\[^}]*\}", cue.content)
            for cue in srt.parse(data.decode("utf-8-sig"))]


def test_srt_keeps_inline_tags_on_their_words_and_chains_only_continuing_cues(tmp_path):
    import srt

    document = read(tmp_path, "tag.srt", TAGGED_SRT)
    # 1 has no final stop but 2 starts a new sentence; 4 goes on in 5 (lower case), but after a 3 s gap
    assert [block.text for block in document.blocks] == [
        "Jangan tampilkan teks ini", "Penguji kemampuan subtitle pakai VLC sebagai acuan Teks ini harus biru",
        "Baris ini bergaris bawah dan nilai 2<3,5>1 tetap teks.", "Banjir merendam ratusan rumah",
        "di Jakarta Timur, kata petugas."]
    assert document.blocks[1].label == "00:00:01,500 → 00:00:04,500"
    out = translated(document)
    assert srt_tags(out) == srt_tags(TAGGED_SRT.encode()) and sum(map(len, srt_tags(out))) == 9
    cues = list(srt.parse(out.decode()))
    assert [(c.index, c.start, c.end) for c in cues] == [(c.index, c.start, c.end) for c in srt.parse(TAGGED_SRT)]
    assert "<b><i>" in cues[1].content and re.search(r"<b><i>PAKAI\sVLC SEBAGAI ACUAN</i></b>", cues[1].content)
    assert re.search(r"<font color=\"#0000FF\">TEKS INI HARUS BIRU</font>", cues[1].content)
    assert cues[2].content.startswith("{\\an8}<u>") and "2<3,5>1" in cues[2].content


def test_srt_cue_lines_are_at_most_two_of_42_and_misfits_are_named(tmp_path):
    import srt

    long = "Banjir merendam ratusan rumah warga di Jakarta Timur sejak Senin pagi."
    source = f"1\n00:00:01,000 --> 00:00:06,000\n<i>{long}</i>\n\n2\n00:00:07,000 --> 00:00:07,500\nHalo.\n"
    document = read(tmp_path, "panjang.srt", source)
    lines = list(srt.parse(translated(document, str.upper).decode()))[0].content.splitlines()
    assert len(lines) == 2 and all(len(re.sub("<[^>]*>", "", line)) <= 42 for line in lines)
    assert lines[0].startswith("<i>") and lines[1].endswith("</i>")
    notices = []
    render_document(document, target_segments(segment_blocks(document.blocks),
                                              [long * 2, "Hello there, how are you?"]), notices.append)
    assert len(notices) == 2 and "(cue 1)" in notices[0] and "42" in notices[0]
    assert "(cue 1, 2)" in notices[1] and "20 characters a second" in notices[1]  # 28 and 50 a second


@given(st.lists(st.sampled_from(["<b>", "</b>", "<i>", "</i>", '<font color="red">', "{\\an8}"]), max_size=4),
       st.lists(st.text("abcdefghij", min_size=1, max_size=12), min_size=1, max_size=14))
def test_srt_cue_layout_keeps_every_tag_and_word_in_two_lines_where_they_fit(tags, words):
    import srt

    from translate_cli.documents import srt_format

    content = "".join(f"{tag}kata{i} " for i, tag in enumerate(tags)) + "akhir"
    data = f"1\n00:00:01,000 --> 00:00:09,000\n{content}\n".encode()
    out = list(srt.parse(srt_format.render(data, [" ".join(words)]).decode()))[0].content
    assert re.findall(r"<[^>]*>|\{[^}]*\}", out) == tags
    assert re.sub(r"<[^>]*>|\{[^}]*\}", " ", out).split() == words
    visible = [re.sub(r"<[^>]*>|\{[^}]*\}", "", line) for line in out.splitlines()]
    assert len(visible) <= 2 or len(" ".join(words)) > 2 * 42 - 12  # greedy beyond that: words up to 12
    assert all(len(line) <= 42 for line in visible)


def test_srt_keeps_crlf_and_bom_and_reads_windows_1252(tmp_path):
    source = SRT.replace("\n", "\r\n").replace("masjid", "mas\u00e9jid")
    document = read(tmp_path, "crlf.srt", "\ufeff" + source)
    out = translated(document)
    assert out.startswith(b"\xef\xbb\xbf") and out.count(b"\n") == out.count(b"\r\n") > 10
    notices = []
    path = tmp_path / "film1252.srt"
    path.write_bytes(source.encode("cp1252"))
    document = read_document(path, path.read_bytes(), notices.append)
    assert notices == [f"{path}: not UTF-8; read as Windows-1252 (Latin-1)"]
    assert "MAS\u00c9JID" in translated(document).decode("utf-8")  # written as UTF-8


# ---- Markdown


def test_markdown_keeps_markup_and_translates_only_prose(tmp_path):
    document = read(tmp_path, "berita.md", MARKDOWN)
    assert [block.kind for block in document.blocks] == [
        "heading", "paragraph", "list item", "list item", "list item", "table cell", "table cell", "table cell",
        "table cell", "paragraph"]
    assert "siaga --banjir" in document.blocks[1].text and "print" not in document.text
    out = translated(document).decode()
    assert markdown_shape(out.encode()) == markdown_shape(MARKDOWN.encode())
    lines = out.splitlines()
    assert lines[:4] == MARKDOWN.splitlines()[:4]  # front matter
    assert lines[4].startswith("# EN BANJIR")
    assert "](https://contoh.id/rumah_(timur) \"Foto\")" in out and "`siaga --banjir`" in out
    assert [line[:4] for line in lines if line.lstrip().startswith(("- ", "1. "))] == ["- EN", "- EN", "  1."]
    assert '```python\nprint("jangan diterjemahkan")\n```' in out
    assert all("EN" in cell for cell in lines[14].split("|")[1:-1])


def test_markdown_identity_translation_gives_back_the_file(tmp_path):
    document = read(tmp_path, "berita.md", MARKDOWN)
    assert translated(document, lambda sentence: sentence).decode() == MARKDOWN


def test_markdown_escapes_what_would_become_markup(tmp_path):
    document = read(tmp_path, "berita.md", MARKDOWN)
    out = translated(document, lambda sentence: "- a *b* | `c` <d>").decode()
    assert markdown_shape(out.encode()) == markdown_shape(MARKDOWN.encode())
    assert "\\- a \\*b\\* \\| \\`c\\` \\<d>" in out  # a table cell: the pipe is escaped too


def test_markdown_links_to_headings_follow_their_translation(tmp_path):
    source = ("- [Perbandingan dengan UUID](#perbandingan-dengan-uuid)\n- [Contoh kedua](#contoh-1 \"Judul\")\n"
              "- [Tidak ada](#tidak-ada)\n\n## Perbandingan dengan UUID\n\n## Contoh\n\n## Contoh\n\n"
              "Lihat [contoh][c].\n\n| Kota | Rumah |\n|---|---|\n| Bogor | 300 |\n\n[c]: #contoh\n\n"
              "```md\n[kode](#contoh)\n```\n")
    english = {"Perbandingan dengan UUID": "Comparison with UUID", "Contoh": "Example (1)"}
    document = read(tmp_path, "baca.md", source)
    assert "300" not in document.text  # a number-only cell is not sent to the translator
    out = translated(document, lambda sentence: english.get(sentence, sentence)).decode()
    assert "](#comparison-with-uuid)" in out and '](#example-1-1 "Judul")' in out
    assert "[c]: #example-1\n" in out and "](#tidak-ada)" in out  # a link to no heading stays as written
    assert "| Bogor | 300 |" in out and "[kode](#contoh)\n```" in out  # code is code


# ---- the pipeline and the command line


def test_blocks_become_paragraphs_in_order(tmp_path):
    path = tmp_path / "berita.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    text, document = read_input(path)
    segments = segment_blocks(document.blocks)
    assert sorted({s.paragraph for s in segments}) == list(range(len(document.blocks)))
    assert all(text[s.start:s.end] == s.text for s in segments)
    plain = tmp_path / "berita.txt"
    plain.write_text(MARKDOWN, encoding="utf-8")
    assert read_input(plain) == (MARKDOWN, None)  # plain text is read as before


FILES = {
    "halaman.html": HTML.encode(),
    "berita.md": MARKDOWN.encode(),
    "film.srt": SRT.encode(),
    "laporan.docx": None,  # built by docx_bytes()
}


def test_segment_reads_documents_and_several_files_as_unix_tools_do(tmp_path, monkeypatch, capsys):
    paths = []
    for name, content in FILES.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(content or docx_bytes())
    expected = []
    for path in paths:
        code, out, err = run(["segment", path], monkeypatch, capsys)
        assert code == 0, err
        blocks = read_document(path, path.read_bytes()).blocks
        assert out == format_segments(segment_blocks(blocks))  # a block a paragraph, as translate segments it
        assert "-->" not in out and "<" not in out and "PK" not in out  # no timings, markup or zip bytes
        expected.append(out)
    code, out, err = run(["segment", paths[0], tmp_path / "hilang.txt", *paths[1:]], monkeypatch, capsys)
    assert code == 1 and out == "\n".join(expected)  # one after the other, a blank line between files
    assert err.strip() == f"error: {tmp_path / 'hilang.txt'}: no such file"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(HTML.encode())))
    code, out, err = run(["segment", "-", "--format", "html"], monkeypatch, capsys)
    assert code == 0 and out == expected[0], err  # stdin named as translate names it


@pytest.mark.parametrize("name", FILES)
def test_translate_writes_the_translated_document_beside_the_views(name, tmp_path, marian_dir, monkeypatch,
                                                                   capsys):
    path = tmp_path / name
    path.write_bytes(FILES[name] or docx_bytes())
    outdir = tmp_path / "out"
    code, _, err = run(["translate", path, "-o", outdir, "-m", marian_dir, "--beam", 1, "--backend", "transformers"],
                       monkeypatch, capsys)
    assert code == 0, err
    stem, suffix = name.split(".")
    assert {f"{stem}.en.{suffix}", f"{stem}.en.txt", f"{stem}.tsv", f"{stem}.jsonl", f"{stem}.tmx", f"{stem}.md",
            f"{stem}.html"} <= {p.name for p in outdir.iterdir()}
    document = read_document(path, path.read_bytes())
    paragraphs = (outdir / f"{stem}.en.txt").read_text(encoding="utf-8").strip().split("\n\n")
    assert len(paragraphs) == len(document.blocks) and all(p.strip() for p in paragraphs)
    rows = [json.loads(line) for line in (outdir / f"{stem}.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["src_text"] for r in rows] == [s.text for s in segment_blocks(document.blocks)]
    data = (outdir / f"{stem}.en.{suffix}").read_bytes()
    assert SHAPES[suffix](data) == SHAPES[suffix](path.read_bytes())
    assert read_document(outdir / f"{stem}.en.{suffix}", data).blocks  # a valid document with text


@pytest.mark.parametrize("name", ["film.srt", "berita.md", "halaman.html"])
def test_a_document_to_stdout_comes_out_in_its_own_format(name, tmp_path, marian_dir, monkeypatch, capsys):
    path = tmp_path / name
    path.write_bytes(FILES[name])
    args = ["-m", marian_dir, "--beam", 1, "--backend", "transformers"]
    code, out, err = run(["translate", path, "-o", "-", *args], monkeypatch, capsys)
    assert code == 0, err
    suffix = name.split(".")[1]
    assert SHAPES[suffix](out.encode()) == SHAPES[suffix](FILES[name])
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(FILES[name])))
    code, piped, err = run(["translate", "-", "--format", suffix, *args], monkeypatch, capsys)
    assert code == 0 and piped == out, err


def test_subrip_on_stdin_is_recognised_txt_stays_plain_and_docx_is_kept_off_a_terminal(tmp_path, marian_dir,
                                                                                      monkeypatch, capsys):
    args = ["-m", marian_dir, "--beam", 1, "--backend", "transformers"]
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(("\ufeff" + SRT).encode())))
    code, out, err = run(["translate", "-", *args], monkeypatch, capsys)
    assert code == 0 and out.startswith("\ufeff") and srt_shape(out[1:].encode()) == srt_shape(SRT.encode()), err
    assert "read as SubRip subtitles" in err
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(SRT.encode())))
    code, out, err = run(["translate", "-", "--format", "txt", *args, "--force"], monkeypatch, capsys)
    assert code == 0 and "-->" not in out and len(out.strip().split("\n\n")) == 1 + SRT.count("\n\n"), err
    path = tmp_path / "laporan.docx"
    path.write_bytes(docx_bytes())
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    code, out, err = run(["translate", path, "-o", "-", *args], monkeypatch, capsys)
    assert_one_line_error(code, err, "cannot be shown on a terminal")


def test_the_article_page_shows_cue_times(tmp_path, marian_dir, monkeypatch, capsys):
    path = tmp_path / "film.srt"
    path.write_text(SRT, encoding="utf-8")
    code, _, err = run(["translate", path, "-o", tmp_path / "out", "-m", marian_dir, "--beam", 1,
                        "--backend", "transformers"], monkeypatch, capsys)
    assert code == 0, err
    page = (tmp_path / "out" / "film.html").read_text(encoding="utf-8")
    assert [label for label in re.findall(r'<span class="para-no">([^<¶]+)</span>', page)] == [
        "00:00:01,000 → 00:00:05,000", "00:00:05,500 → 00:00:07,000", "00:00:10,000 → 00:00:12,500"]


@pytest.mark.parametrize("name, content, needle", [
    ("rusak.docx", b"Banjir melanda Jakarta pada hari Senin.", "not a readable Word .docx file"),
    ("kosong.html", b"<html><body><nav>Beranda</nav></body></html>", "no article text"),
    ("rusak.srt", SRT.replace("00:00:05,000", "00:0x:05,000").encode(), "not valid SubRip subtitles"),
])
def test_bad_documents_give_one_line_and_exit_1(name, content, needle, tmp_path, marian_dir, monkeypatch, capsys):
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = run(["translate", path, "-m", marian_dir, "-o", tmp_path / "out"], monkeypatch, capsys)
    assert_one_line_error(code, err, needle)


def pictures_docx() -> bytes:
    """A Word document whose only paragraph holds a picture."""
    import base64

    import docx

    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/"
                           "PchI7wAAAABJRU5ErkJggg==")  # 1x1 pixel
    document = docx.Document()
    document.add_paragraph().add_run().add_picture(io.BytesIO(png))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_document_without_text_is_copied_with_a_notice(tmp_path, marian_dir, monkeypatch, capsys):
    path = tmp_path / "foto.docx"
    path.write_bytes(pictures_docx())
    code, out, err = run(["translate", path, "-m", marian_dir, "-o", tmp_path / "out"], monkeypatch, capsys)
    assert code == 0, err
    assert "no text to translate; the document is copied as it is" in out + err
    assert (tmp_path / "out" / "foto.en.docx").read_bytes() == path.read_bytes()
    indir = tmp_path / "in"
    indir.mkdir()
    (indir / "foto.docx").write_bytes(pictures_docx())
    args = ["batch", indir, "-o", tmp_path / "batch", "-m", marian_dir, "--quiet", "--backend", "transformers"]
    code, out, err = run(args, monkeypatch, capsys)
    assert code == 0, out + err
    summary = json.loads((tmp_path / "batch" / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["translated"] == 1 and summary["counts"]["failed"] == 0
    assert (tmp_path / "batch" / "foto" / "foto.en.docx").read_bytes() == (indir / "foto.docx").read_bytes()


def test_batch_picks_up_documents_and_a_bad_one_fails_alone(tmp_path, marian_dir, monkeypatch, capsys):
    indir = tmp_path / "in"
    (indir / "sub").mkdir(parents=True)
    for name, content in FILES.items():
        (indir / "sub" / name).write_bytes(content or docx_bytes())
    (indir / "teks.TXT").write_text("Banjir melanda Jakarta. Warga mengungsi ke masjid dan sekolah.\n")  # any case
    (indir / "rusak.docx").write_text("Banjir melanda Jakarta pada hari Senin.")
    (indir / "catatan.csv").write_text("tidak dibaca")
    outdir = tmp_path / "out"
    args = ["batch", indir, "-o", outdir, "-m", marian_dir, "--quiet", "--backend", "transformers", "--beam", 1]
    code, out, err = run(args, monkeypatch, capsys)
    assert code == 1, err
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"] == {"translated": 5, "skipped": 0, "failed": 1, "pending": 0}
    assert [a["relpath"] for a in summary["articles"] if a["status"] == "failed"] == ["rusak.docx"]
    film = next(a for a in summary["articles"] if a["relpath"] == "sub/film.srt")
    assert "translated cue(s)" in json.dumps(film)  # the random model's translations are too long to read
    assert "not a readable Word .docx file" in out and "Traceback" not in out + err
    for name in FILES:
        stem, suffix = name.split(".")
        assert (outdir / "sub" / stem / f"{stem}.en.{suffix}").is_file()
    assert (outdir / "teks" / "teks.en.txt").is_file() and not list((outdir / "teks").glob("teks.en.[!t]*"))
    (outdir / "sub" / "laporan" / "laporan.en.docx").unlink()
    run(args, monkeypatch, capsys)
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"] == {"translated": 1, "skipped": 4, "failed": 1, "pending": 0}
    assert summary["last_run"]["translated_sentences"] == 0  # the cache had every sentence
    assert (outdir / "sub" / "laporan" / "laporan.en.docx").is_file()
