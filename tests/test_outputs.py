"""What translate and batch write, through the CLI: never over an article or reference, never beside stale
scores of an earlier run, rows made of the beads `align` prints. Tiny random-weight Marian model (structure
only, never wording)."""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from cli_run import assert_one_line_error, run

from translate_cli.models import model_slug

ARTICLE = "Banjir melanda Jakarta pada hari Senin.\n\nWarga mengungsi ke masjid dan sekolah, kata petugas.\n"
DOCUMENTS = {
    "guide.md": "# Banjir di Jakarta\n\nBanjir merendam ratusan rumah di Jakarta Timur, kata petugas.\n",
    "guide.html": "<html><body><main><h1>Banjir di Jakarta</h1><p>Banjir merendam ratusan rumah di Jakarta "
                  "Timur, kata petugas.</p></main></body></html>",
    "guide.MD": "# Banjir di Jakarta\n\nBanjir merendam ratusan rumah di Jakarta Timur, kata petugas.\n",
}
SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "almaty-back-online.id.txt"
REFERENCE_FILE = Path(__file__).resolve().parent / "data" / "almaty-back-online.en.txt"
REFERENCE = "Floods hit Jakarta on Monday.\n\nResidents fled to mosques and schools, officials said.\n"


def translate(args: list, marian_dir, monkeypatch, capsys) -> tuple[int, str, str]:
    return run(["translate", *args, "-m", marian_dir, "--beam", 1, "--backend", "transformers"], monkeypatch, capsys)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_translate_into_the_documents_own_folder_is_refused(name, tmp_path, marian_dir, monkeypatch, capsys):
    # guide.md and guide.html: the side-by-side views guide.md/guide.html would replace the article; guide.MD:
    # the same file where case is ignored (macOS, Windows), so it is refused everywhere
    path = tmp_path / name
    path.write_text(DOCUMENTS[name], encoding="utf-8")
    code, _, err = translate([path, "-o", tmp_path], marian_dir, monkeypatch, capsys)
    assert_one_line_error(code, err, f"would replace the input {path}")
    assert path.read_text(encoding="utf-8") == DOCUMENTS[name]
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing written


def test_an_output_that_is_the_reference_or_a_link_to_the_article_is_refused(tmp_path, marian_dir, monkeypatch,
                                                                             capsys):
    article, reference = tmp_path / "berita.txt", tmp_path / "berita.en.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    reference.write_text(REFERENCE, encoding="utf-8")
    # the translation berita.en.txt would replace the reference
    code, _, err = translate([article, "-r", reference, "-o", tmp_path], marian_dir, monkeypatch, capsys)
    assert_one_line_error(code, err, f"would replace the input {reference}")
    # an output folder that is a symlink to the reference's folder
    (tmp_path / "link").symlink_to(tmp_path, target_is_directory=True)
    code, _, err = translate([article, "-r", reference, "-o", tmp_path / "link"], marian_dir, monkeypatch, capsys)
    assert_one_line_error(code, err, f"would replace the input {reference}")
    # an output file that is a symlink, or a hard link, to the article (given by another name)
    document = tmp_path / "guide.md"
    document.write_text(DOCUMENTS["guide.md"], encoding="utf-8")
    for kind, make in (("symlink", os.symlink), ("hard link", os.link)):
        out = tmp_path / kind
        out.mkdir()
        make(document, out / "guide.md")
        code, _, err = translate([document, "-o", out], marian_dir, monkeypatch, capsys)
        assert_one_line_error(code, err, f"would replace the input {document}")
    assert document.read_text(encoding="utf-8") == DOCUMENTS["guide.md"]
    assert reference.read_text(encoding="utf-8") == REFERENCE


def test_scores_of_an_earlier_run_are_removed(tmp_path, marian_dir, monkeypatch, capsys):
    article, reference = tmp_path / "berita.txt", tmp_path / "ref.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    reference.write_text(REFERENCE, encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = translate([article, "-r", reference, "-o", out], marian_dir, monkeypatch, capsys)
    assert code == 0, err
    assert json.loads((out / "scores.json").read_text(encoding="utf-8"))["article"] == "berita"
    code, _, err = translate([article, "-o", out], marian_dir, monkeypatch, capsys)
    assert code == 0, err
    assert not (out / "scores.json").exists()
    assert "ref_text" not in (out / "berita.jsonl").read_text(encoding="utf-8")
    # batch: a run with references, then one without
    indir, refs, runs = tmp_path / "in", tmp_path / "refs", tmp_path / "runs"
    indir.mkdir()
    refs.mkdir()
    (indir / "berita.txt").write_text(ARTICLE, encoding="utf-8")
    (refs / "berita.txt").write_text(REFERENCE, encoding="utf-8")
    args = ["batch", indir, "-o", runs, "-m", marian_dir, "--quiet", "--beam", 1, "--backend", "transformers"]
    code, _, err = run([*args, "--reference", refs], monkeypatch, capsys)
    assert code == 0, err
    assert (runs / "berita" / "scores.json").is_file()
    code, _, err = run(args, monkeypatch, capsys)
    assert code == 0, err
    assert not (runs / "berita" / "scores.json").exists()
    assert json.loads((runs / "summary.json").read_text(encoding="utf-8"))["counts"]["translated"] == 1


def test_batch_whose_outputs_would_replace_an_article_or_reference_is_refused(tmp_path, marian_dir, monkeypatch,
                                                                             capsys):
    # OUTDIR/docs, where docs.md's outputs go, is a symlink to INDIR: its view docs.md would replace it
    docs, runs = tmp_path / "docs", tmp_path / "runs"
    docs.mkdir()
    runs.mkdir()
    (docs / "docs.md").write_text(DOCUMENTS["guide.md"], encoding="utf-8")
    (runs / "docs").symlink_to(docs, target_is_directory=True)
    args = ["-m", marian_dir, "--quiet", "--backend", "transformers"]
    code, _, err = run(["batch", docs, "-o", runs, *args], monkeypatch, capsys)
    assert_one_line_error(code, err, f"would replace the input {docs / 'docs.md'}")
    # references kept where the outputs go: in/a.txt's translation is out/a/a.en.txt, its reference
    indir, refs = tmp_path / "in", tmp_path / "out" / "a"
    indir.mkdir()
    refs.mkdir(parents=True)
    (indir / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (refs / "a.en.txt").write_text(REFERENCE, encoding="utf-8")
    code, _, err = run(["batch", indir, "-o", tmp_path / "out", "--reference", refs, *args], monkeypatch, capsys)
    assert_one_line_error(code, err, f"would replace the input {refs / 'a.en.txt'}")
    assert (docs / "docs.md").read_text(encoding="utf-8") == DOCUMENTS["guide.md"]
    assert (refs / "a.en.txt").read_text(encoding="utf-8") == REFERENCE
    assert not list(tmp_path.rglob(".lock")) and not list(tmp_path.rglob("summary.json"))  # checked first


class _PageRows(HTMLParser):
    """The cells of the article page's side-by-side table (``table.bitext``), row by row, without tags
    such as "headline"."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_table = self.in_tag = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table":
            self.in_table = "bitext" in classes
        elif self.in_table and tag == "tr":
            self.rows.append([])
        elif self.in_table and tag == "td":
            self.rows[-1].append("")
        self.in_tag = self.in_tag or (tag == "span" and bool({"tag", "para-no"} & set(classes)))

    def handle_endtag(self, tag):
        if tag == "span":
            self.in_tag = False
        elif tag == "table":
            self.in_table = False

    def handle_data(self, data):
        if self.in_table and self.rows and self.rows[-1] and not self.in_tag:
            self.rows[-1][-1] += data


def test_the_article_page_and_align_give_the_same_beads(tmp_path, marian_dir, monkeypatch, capsys):
    # The random-weight model writes junk, as a weak model does: the page paired the sample's rows 20-26 with
    # reference sentences 0-5 when it aligned the translation alone with the reference, while `align`
    # (source and reference, the translation as evidence) got every sentence right.
    out = tmp_path / "out"
    code, _, err = run(["translate", SAMPLE, "-r", REFERENCE_FILE, "-o", out, "-m", marian_dir], monkeypatch, capsys)
    assert code == 0, err
    code, printed, err = run(["align", SAMPLE, REFERENCE_FILE, "-m", marian_dir], monkeypatch, capsys)
    assert code == 0, err
    header, *beads = [line.split("\t") for line in printed.splitlines()]
    stem = SAMPLE.name.removesuffix(".id.txt")
    rows = [line.split("\t") for line in (out / f"{stem}.tsv").read_text(encoding="utf-8").splitlines()]
    assert header == rows.pop(0)[:5] == ["src_ids", "tgt_ids", "score", "src_text", "tgt_text"]
    assert [(b[0], b[1]) for b in beads] == [(str(i), str(i)) for i in range(30)]  # the English version is 1-1
    assert [(r[0], r[5], r[2], r[3], r[6]) for r in rows] == [(b[0], b[1], b[2], b[3], b[4]) for b in beads]
    page = _PageRows()
    page.feed((out / f"{stem}.html").read_text(encoding="utf-8"))
    cells = [row for row in page.rows if row]  # the header row has th cells only
    assert [(c[1].strip(), c[3].strip()) for c in cells] == [(b[3], b[4]) for b in beads]


def test_align_reads_documents_as_translate_does(tmp_path, marian_dir, monkeypatch, capsys):
    article, reference = tmp_path / "guide.md", tmp_path / "guide-ref.md"
    article.write_text(DOCUMENTS["guide.md"], encoding="utf-8")
    reference.write_text("# Floods in Jakarta\n\nFloods submerged *hundreds* of homes in East Jakarta, officials "
                         "said.\n", encoding="utf-8")
    code, _, err = run(["translate", article, "-r", reference, "-o", tmp_path / "out", "-m", marian_dir],
                       monkeypatch, capsys)
    assert code == 0, err
    code, printed, err = run(["align", article, reference, "-m", marian_dir], monkeypatch, capsys)
    assert code == 0, err
    beads = [line.split("\t") for line in printed.splitlines()[1:]]
    assert beads[0][3:] == ["Banjir di Jakarta", "Floods in Jakarta"]  # the text, without Markdown's marks
    rows = [line.split("\t") for line in (tmp_path / "out" / "guide.tsv").read_text(encoding="utf-8").splitlines()]
    assert [(r[0], r[5], r[3], r[6]) for r in rows[1:]] == [(b[0], b[1], b[3], b[4]) for b in beads]


def test_batch_over_several_models_indexes_its_runs_and_reports(tmp_path, marian_dir, monkeypatch, capsys):
    # models named like the index file, and with ".." and markup in their names
    monkeypatch.chdir(tmp_path)
    models = ["index.html", '<b>m..1"']
    for name in models:
        shutil.copytree(marian_dir, tmp_path / name)
    indir, refs, out = tmp_path / "in", tmp_path / "refs", tmp_path / "out"
    indir.mkdir()
    refs.mkdir()
    (indir / "berita.txt").write_text(ARTICLE, encoding="utf-8")
    (refs / "berita.txt").write_text(REFERENCE, encoding="utf-8")
    (indir / "kosong.txt").write_text("", encoding="utf-8")  # fails in each run
    args = ["batch", indir, "-o", out, "-m", models[0], "-m", models[1], "-r", refs, "--quiet", "--beam", 1,
            "--backend", "transformers"]
    code, _, err = run(args, monkeypatch, capsys)
    assert code == 1 and "1 of 2 articles failed" in err, err
    folders = sorted(model_slug(name) for name in models)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == folders and "index.html" not in folders
    index = out / "index.html"

    def links() -> list[str]:
        return [unquote(link) for link in re.findall(r'href="([^"#]*)', index.read_text(encoding="utf-8"))]

    assert sorted(set(links())) == [f"{folder}/index.html" for folder in folders]
    assert all((out / link).resolve().parent.parent == out.resolve() for link in links())
    page = index.read_text(encoding="utf-8")
    assert "&lt;b&gt;m..1&#34;" in page and "<b>" not in page  # the model's label, escaped
    assert page.count('#failed">1</a>') == 2  # each run's failure, linked to its list
    assert page.count("<td class=\"num\">") >= 2 * (3 + 4) and "chrF++" in page  # counts and corpus scores
    for folder in folders:
        assert 'href="../index.html"' in (out / folder / "index.html").read_text(encoding="utf-8")
    code, _, err = run(["compare", out, "-r", refs, "--html", out / "compare.html"], monkeypatch, capsys)
    assert code == 0 and f"linked from {index} (the models' runs)" in err, err
    assert "compare.html" in links()
    code, _, err = run(args, monkeypatch, capsys)  # a later batch keeps the report and every run linked
    assert code == 1, err
    assert set(links()) == {"compare.html", *(f"{folder}/index.html" for folder in folders)}
