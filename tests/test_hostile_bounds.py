"""Hostile input, continued (issue 18, section 6): bounded cost on huge or crafted documents, one-line user
errors where an internal error used to surface, and nothing raw on a terminal or live in a written document.
Through the CLI; the cost cases assert how the work grows (operation counts), never wall time."""

from __future__ import annotations

import errno
import functools
import importlib.util
import io
import json
import os
import sqlite3
import struct
import sys
import zipfile
from pathlib import Path

import pytest
from cli_run import assert_one_line_error, make_tree, run


@pytest.mark.parametrize("name, extra", [("ja-mecab", "ja"), ("ko-mecab", "ko")])
def test_score_with_a_tokenizer_whose_dependencies_are_missing_is_one_line(name, extra, tmp_path, monkeypatch,
                                                                           capsys):
    if importlib.util.find_spec("MeCab") is not None:
        pytest.skip("MeCab is installed here")
    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("The city is back online.\n", encoding="utf-8")
    ref.write_text("The city is online again.\n", encoding="utf-8")
    code, _, err = run(["score", hyp, ref, "--tokenize", name], monkeypatch, capsys)
    assert_one_line_error(code, err, f"--tokenize {name} needs extra dependencies: pip install sacrebleu[{extra}]")


class _Echo:
    """A stand-in translator for building run folders: every sentence comes back as it was."""
    identity = label = "echo"

    def translate(self, sentences, progress=None, on_translated=None):
        return list(sentences)


@pytest.fixture
def compared(tmp_path) -> tuple[Path, Path]:
    """A batch run folder of two articles and their references."""
    from translate_cli.batch import run_batch

    indir, refs = tmp_path / "in", tmp_path / "refs"
    indir.mkdir()
    refs.mkdir()
    for name in ("a", "b"):
        (indir / f"{name}.id.txt").write_text("Kota itu kembali daring. Bank dibuka lagi.", encoding="utf-8")
        (refs / f"{name}.en.txt").write_text("The city is online again.\nBanks opened again.\n", encoding="utf-8")
    run_batch(indir, tmp_path / "run", _Echo(), quiet=True, force=True)
    return tmp_path / "run", refs


@pytest.mark.parametrize("field, value", [("tgt", "ab"), ("tgt", [True]), ("tgt", [-1]), ("tgt_text", None),
                                          ("src_text", ["x"])])
def test_compare_leaves_out_an_article_whose_rows_have_wrong_types(field, value, compared, monkeypatch, capsys):
    run_dir, refs = compared
    jsonl = run_dir / "a" / "a.jsonl"
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    rows[0][field] = value  # valid JSON, wrong type (a string where sentence ids belong, ...)
    jsonl.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    code, out, err = run(["compare", run_dir, "--reference", refs, "--json"], monkeypatch, capsys)
    assert code == 0, err
    skipped = json.loads(out)["skipped"]
    assert list(skipped) == ["a"] and "line 1 is not a translate-cli row" in skipped["a"]


@pytest.mark.parametrize("relpath", ["", ".", 7])
def test_compare_refuses_a_summary_with_an_article_without_a_file_name(relpath, compared, monkeypatch, capsys):
    run_dir, refs = compared
    summary_path = run_dir / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    summary["articles"][0]["relpath"] = relpath
    summary_path.write_text(json.dumps(summary), encoding="utf-8")
    code, _, err = run(["compare", run_dir, "--reference", refs], monkeypatch, capsys)
    assert_one_line_error(code, err, "summary.json: is not a translate-cli batch summary")


def batch_args(indir, outdir, marian_dir):
    return ["batch", indir, "-o", outdir, "-m", marian_dir, "--beam", 1, "--backend", "transformers", "-q"]


@pytest.mark.parametrize("pattern, needle", [
    ("a**b", "--glob a**b: Invalid pattern: '**' can only be an entire path component"),
    ("../*.txt", "--glob ../*.txt: points outside"),
])
def test_a_malformed_or_escaping_glob_is_one_line_before_the_model_loads(pattern, needle, tmp_path, monkeypatch,
                                                                          capsys):
    (tmp_path / "beside.txt").write_text("Teks di luar folder masukan.", encoding="utf-8")
    indir, outdir = make_tree(tmp_path), tmp_path / "out"
    code, _, err = run(["batch", indir, "-o", outdir, "-m", "no-such-model", "--glob", pattern], monkeypatch, capsys)
    assert_one_line_error(code, err, needle)
    assert not outdir.exists()


def _disk_full_on(statement: str, when=lambda: True):
    """A sqlite3 connection class whose ``statement`` fails as SQLite fails when the disk is full (once
    ``when()`` is true)."""

    class Full(sqlite3.Connection):
        def execute(self, sql, *args):
            if sql.startswith(statement) and when():
                raise sqlite3.OperationalError("database or disk is full")
            return super().execute(sql, *args)

        def executemany(self, sql, *args):
            if sql.startswith(statement) and when():
                raise sqlite3.OperationalError("database or disk is full")
            return super().executemany(sql, *args)

    return Full


def test_a_full_disk_when_the_totals_are_kept_is_one_line_after_the_summary(tmp_path, marian_dir, monkeypatch,
                                                                            capsys):
    indir, outdir = make_tree(tmp_path), tmp_path / "out"
    full = _disk_full_on("INSERT INTO totals", when=(outdir / "summary.json").exists)  # the run's last seconds
    monkeypatch.setattr(sqlite3, "connect", functools.partial(sqlite3.connect, factory=full))
    code, _, err = run(batch_args(indir, outdir, marian_dir), monkeypatch, capsys)
    assert_one_line_error(code, err, f"cannot write {outdir / '.cache.sqlite'}: database or disk is full")
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["translated"] == 1 and summary["job"]["runs"] == 1


def test_a_full_disk_fails_the_articles_and_is_one_line(tmp_path, marian_dir, monkeypatch, capsys):
    from translate_cli import formats

    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(formats.os, "fsync", no_space)  # every atomic write fails as on a full disk
    indir, outdir = make_tree(tmp_path), tmp_path / "out"
    code, _, err = run(batch_args(indir, outdir, marian_dir), monkeypatch, capsys)
    assert_one_line_error(code, err, f"cannot write {outdir / 'summary.json'}: No space left on device")


def test_an_upload_failure_is_one_line(tmp_path, marian_dir, monkeypatch, capsys):
    from fsspec.implementations.memory import MemoryFileSystem

    def refuse(self, lpath, rpath, **kwargs):
        raise PermissionError("Access Denied")

    monkeypatch.setattr(MemoryFileSystem, "put_file", refuse)
    indir = make_tree(tmp_path)
    code, _, err = run(batch_args(indir, f"memory://{tmp_path.name}/out", marian_dir), monkeypatch, capsys)
    assert_one_line_error(code, err, f"to memory://{tmp_path.name}/out: Access Denied")


def test_a_ray_address_that_is_no_address_is_one_line(tmp_path, monkeypatch, capsys):
    ray = pytest.importorskip("ray")
    monkeypatch.setattr(ray, "is_initialized", lambda: False)  # as in a fresh process, whatever ran before
    indir = make_tree(tmp_path)
    code, _, err = run(["batch", indir, "-o", tmp_path / "out", "--engine", "ray", "--address", "not a url"],
                       monkeypatch, capsys)
    assert_one_line_error(code, err, "cannot join Ray at not a url: Invalid address format: not a url")


class _CtrlCOnImport:
    """A meta path finder that raises KeyboardInterrupt when ``name`` is imported: a Ctrl-C that lands
    while the command line is still loading, at a moment no timing could hit reliably."""

    def __init__(self, name: str):
        self.name = name

    def find_spec(self, fullname, path=None, target=None):
        if fullname == self.name:
            raise KeyboardInterrupt
        return None


@pytest.mark.parametrize("module", ["typer", "translate_cli.terminal"])
def test_ctrl_c_while_the_command_line_loads_exits_130_without_a_traceback(module, monkeypatch, capsys):
    import translate_cli
    from translate_cli import cli
    from translate_cli.__main__ import main

    monkeypatch.setattr(translate_cli, "cli", cli)  # the fresh import below rebinds it; put back afterwards
    for name in (module, "translate_cli.cli"):  # imported afresh, as by a new process
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(sys, "meta_path", [_CtrlCOnImport(module), *sys.meta_path])
    monkeypatch.setattr(sys, "argv", ["translate-cli", "models"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 130
    out, err = capsys.readouterr()
    assert out == err == ""


RAW_ON_TERMINAL = ("Warga berkata \x1b]0;PWNED\x07 bahwa \x1b[2J\x1b[31mitu\x1b[0m baru. "
                   "Ini \u202ekanan\u202c dan \x9b31m juga.")


@pytest.mark.parametrize("command", ["segment", "translate"])
def test_text_output_on_a_terminal_shows_escapes_and_into_a_pipe_stays_as_written(command, tmp_path, monkeypatch,
                                                                                  capsys):
    from translate_cli import cli

    monkeypatch.setattr(cli, "load", lambda *args, **kwargs: _Echo())  # the translation repeats the source
    source = tmp_path / "a.id.txt"
    source.write_text(RAW_ON_TERMINAL + "\n\nParagraf kedua di sini.\n", encoding="utf-8")
    args = [command, source] + (["-o", "-", "--force"] if command == "translate" else [])
    code, piped, err = run(args, monkeypatch, capsys)
    assert code == 0, err
    assert "\x1b]0;PWNED\x07" in piped and "\u202e" in piped  # data into a pipe is not altered
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, shown, err = run(args, monkeypatch, capsys)
    assert code == 0, err
    assert not any(char in shown for char in "\x1b\x07\x9b\u202e\u202c"), repr(shown)
    assert "\\x1b]0;PWNED\\x07" in shown and "\\u202e" in shown
    assert shown.count("\n") == piped.count("\n")  # line for line as in the pipe


class _Table:
    """A stand-in translator that answers from a table (sentence -> translation)."""
    identity = label = "table"

    def __init__(self, table: dict[str, str]):
        self.table = table

    def translate(self, sentences, progress=None, on_translated=None):
        return [self.table[s] for s in sentences]


def test_a_translation_never_becomes_a_live_link_or_image_in_the_markdown(tmp_path, monkeypatch, capsys):
    from markdown_it import MarkdownIt

    from translate_cli import cli

    hostile = "See \\[photo\\](http://evil.example/a) and [click](http://evil.example/b) ![x](http://evil.example/c.png)"
    monkeypatch.setattr(cli, "load", lambda *args, **kwargs: _Table({
        "Lihatfoto": "Look! photo",  # "Look!" lands just before the source's "[foto](...)": not an image
        "Lainnyateks": "Other\\ text",  # a final backslash before the source's link would break it
        "Kalimat kedua di sini.": hostile,
    }))
    source = tmp_path / "a.md"
    source.write_text("Lihat[foto](http://example.com/a)\n\nLainnya[teks](http://example.com/b)\n\n"
                      "Kalimat kedua di sini.\n", encoding="utf-8")
    code, _, err = run(["translate", source, "-o", tmp_path / "out", "--force"], monkeypatch, capsys)
    assert code == 0, err
    written = (tmp_path / "out" / "a.en.md").read_text(encoding="utf-8")
    tokens = [t for block in MarkdownIt("commonmark").parse(written) for t in block.children or []]
    assert [t.attrs.get("href") for t in tokens if t.type == "link_open"] == ["http://example.com/a",
                                                                                "http://example.com/b"], written
    assert not [t for t in tokens if t.type == "image"], written
    text = "".join(t.content for t in tokens if t.type in ("text", "text_special"))
    assert "Look!" in text and "\\[photo\\](http://evil.example/a)" in text
    assert "![x](http://evil.example/c.png)" in text


def _code_page(n: int) -> str:
    """An article whose one paragraph holds ``n`` inline <code> elements (50 distinct ones, repeated)."""
    body = "".join(f"kata nomor {i} memakai <code>fn{i % 50}()</code> lalu " for i in range(n))
    return f"<html><head><title>Judul</title></head><body><article><p>{body}akhir.</p></article></body></html>"


def test_anchor_placement_grows_linearly_with_the_code_in_a_page(tmp_path, monkeypatch, capsys):
    """Operation counts, not time: the lines run in ``documents`` and the characters the anchor search may
    scan grow like the page (4x the code: about 4x the work; placement was quadratic, 16x)."""
    from translate_cli import cli, documents

    monkeypatch.setattr(cli, "load", lambda *args, **kwargs: _Echo())
    real_find = documents._find_anchor
    package = str(Path(documents.__file__).parent)
    work = {"lines": 0, "scan": 0}

    def find(anchor, translation, low, high, expected):
        work["scan"] += max(0, min(high, len(translation)) - low)
        return real_find(anchor, translation, low, high, expected)

    def trace(frame, event, arg):
        if not frame.f_code.co_filename.startswith(package):
            return None

        def line(frame, event, arg):
            work["lines"] += event == "line"
            return line
        return line

    monkeypatch.setattr(documents, "_find_anchor", find)
    measured = []
    for n in (250, 1000):
        page = tmp_path / f"page{n}.html"
        page.write_text(_code_page(n), encoding="utf-8")
        work.update(lines=0, scan=0)
        sys.settrace(trace)
        try:
            code, _, err = run(["translate", page, "-o", tmp_path / f"out{n}", "--force"], monkeypatch, capsys)
        finally:
            sys.settrace(None)
        assert code == 0, err
        assert (tmp_path / f"out{n}" / f"page{n}.en.html").read_text(encoding="utf-8").count("<code>") == n
        measured.append(dict(work))
    small, large = measured
    assert large["lines"] < 5 * small["lines"], measured
    assert large["scan"] < 5 * small["scan"], measured


def _docx_bytes(empty_paragraphs: int = 0, extra: tuple[str, bytes] | None = None) -> bytes:
    """A Word document with one paragraph of text, then ``empty_paragraphs`` empty ones; ``extra``: one
    more zip member (name, content)."""
    import docx
    from docx.oxml import OxmlElement

    document = docx.Document()
    document.add_paragraph("Banjir melanda kota itu pada hari Senin. Warga mengungsi ke masjid.")
    section = document.element.body[-1]
    for _ in range(empty_paragraphs):
        section.addprevious(OxmlElement("w:p"))
    out = io.BytesIO()
    document.save(out)
    if extra:
        with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(*extra)
    return out.getvalue()


def _understate(data: bytes, member: str, size: int) -> bytes:
    """The zip with ``member``'s uncompressed size given as ``size`` in its local header and the directory."""
    out, name = bytearray(data), member.encode()
    for signature, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        at = out.find(signature)
        while at >= 0:
            if out[at + name_at:at + name_at + len(name)] == name:
                out[at + size_at:at + size_at + 4] = struct.pack("<I", size)
            at = out.find(signature, at + 1)
    return bytes(out)


@pytest.mark.parametrize("lying", [False, True])
def test_a_docx_zip_bomb_is_refused_before_python_docx_unpacks_it(lying, tmp_path, monkeypatch, capsys):
    import docx

    data = _docx_bytes(extra=("word/media/zeros.bin", bytes(60 * 2**20)))  # 60 MB of zeros, about 60 KB zipped
    assert len(data) < 2**20

    def never(*args, **kwargs):
        raise AssertionError("python-docx was asked to open the zip bomb")

    monkeypatch.setattr(docx, "Document", never)
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(_understate(data, "word/media/zeros.bin", 100) if lying else data)
    code, _, err = run(["translate", bomb, "-o", tmp_path / "out", "--force"], monkeypatch, capsys)
    needle = "not a readable Word .docx file (Bad CRC-32" if lying else "unpacks to more than 50 MB (a zip bomb?)"
    assert_one_line_error(code, err, needle)


def test_reading_a_docx_asks_no_more_of_python_docx_for_more_empty_paragraphs(tmp_path, monkeypatch, capsys):
    """python-docx's XPath queries cost more the larger the document; the reader and writer make the same
    number of them whatever the number of paragraphs (100k empty ones took 41 s)."""
    from docx.oxml import xmlchemy

    from translate_cli import cli

    monkeypatch.setattr(cli, "load", lambda *args, **kwargs: _Echo())
    real_xpath = xmlchemy.BaseOxmlElement.xpath
    queries = {"count": 0}

    def xpath(self, *args, **kwargs):
        queries["count"] += 1
        return real_xpath(self, *args, **kwargs)

    monkeypatch.setattr(xmlchemy.BaseOxmlElement, "xpath", xpath)
    counted = []
    for n in (100, 400):
        source = tmp_path / f"empty{n}.docx"
        source.write_bytes(_docx_bytes(empty_paragraphs=n))
        queries["count"] = 0
        code, _, err = run(["translate", source, "-o", tmp_path / f"out{n}", "--force"], monkeypatch, capsys)
        assert code == 0, err
        assert (tmp_path / f"out{n}" / f"empty{n}.en.docx").is_file()
        counted.append(queries["count"])
    assert counted[1] == counted[0], counted
