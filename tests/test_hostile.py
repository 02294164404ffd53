"""Hostile input through every command and format: exit codes, one-line errors, well-formed outputs with the
right record counts, nothing raw from the text on the terminal, bounded reads. Tiny random models only."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cli_run import assert_one_line_error, make_tree, run

# Text a user (or an attacker) can put in an article, a reference or a file name.
HOSTILE = [
    "ESC \x1b[2J\x1b[31mred\x1b[0m and OSC \x1b]0;PWNED\x07 title",
    "C1 \x9b31m and DEL \x7f inside",
    "separators\u2028line\u2029para\x85next\x0bvt\x0cff\x1cfs end",
    "a lone\rcarriage return and a tab\there",
    "<script>alert(1)</script> <b>bold</b> &amp; \"quotes\" 'single' `code` | pipe | *star* _under_ [x](y) # hash",
    "bidi \u202eevil\u202c zero\u200bwidth \ufeffbom",
    "x" * 3000,
    "https://example.com/" + "a/" * 1200,
]
# Characters that must never reach a terminal raw: C0 (but newline), DEL, C1, bidi overrides.
RAW = [chr(c) for c in range(32) if chr(c) != "\n"] + [chr(c) for c in range(0x7F, 0xA0)] + ["\u202e", "\u2028"]


def hostile_article() -> str:
    """An Indonesian article whose sentences carry the hostile strings, and a NUL after the first 8 KB
    (where the binary check does not look)."""
    sentences = [f"Warga kota itu mengatakan bahwa {text} adalah hal yang baru bagi mereka." for text in HOSTILE]
    padding = "Pasar dibuka kembali pada hari Senin. " * 250
    return ("Judul berita hari ini\n\n" + " ".join(sentences[:4]) + "\n\n" + " ".join(sentences[4:]) + "\n\n"
            + padding + "\n\nSebuah NUL \x00 di sini adalah hal yang aneh.\n")


def assert_terminal_safe(*streams: str) -> None:
    for stream in streams:
        found = sorted({repr(c) for c in stream if c in RAW})
        assert not found, f"raw control characters on the terminal: {found}"


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


@pytest.fixture
def hostile_dir(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "evil\x1b[31mRED\x1b]0;PWNED\x07.id.txt").write_text(hostile_article(), encoding="utf-8")
    return folder


def check_outputs(folder: Path, stem: str, rows: int) -> None:
    """Every format of one article parses and has one record per row."""
    tsv = (folder / f"{stem}.tsv").read_text(encoding="utf-8")
    records = tsv.splitlines()  # splitlines breaks on every separator: each must have been escaped
    assert len(records) == rows + 1
    width = len(records[0].split("\t"))
    assert all(len(record.split("\t")) == width for record in records)
    assert len(list(csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE))) == rows + 1
    jsonl = (folder / f"{stem}.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(jsonl) == rows and all(isinstance(json.loads(line), dict) for line in jsonl)
    both_sides = sum(1 for line in jsonl
                     if json.loads(line)["src_text"].strip() and json.loads(line)["tgt_text"].strip())
    tmx = ET.parse(folder / f"{stem}.tmx").getroot()
    assert len(tmx.findall("./body/tu")) == both_sides  # CAT tools reject empty segments
    table = [line for line in (folder / f"{stem}.md").read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    assert len(table) == rows + 2
    assert all(line.endswith("|") and not line.endswith("\\|") for line in table)
    parser = _Collect()
    parser.feed((folder / f"{stem}.html").read_text(encoding="utf-8"))
    assert "script" not in parser.tags and "b" not in parser.tags
    text = (folder / f"{stem}.en.txt").read_text(encoding="utf-8")
    assert text.endswith("\n") and text.strip()


def test_translate_keeps_every_format_well_formed(hostile_dir, tmp_path, marian_dir, monkeypatch, capsys):
    source = next(hostile_dir.iterdir())
    reference = tmp_path / "ref.en.txt"
    reference.write_text("Residents said \x1b[2J\x1b[31m this was new.\u2028 " + " ".join(HOSTILE) + "\n",
                         encoding="utf-8")
    outdir = tmp_path / "out"
    code, out, err = run(["translate", source, "-o", outdir, "-m", marian_dir, "-r", reference, "--beam", 1,
                          "--backend", "transformers"], monkeypatch, capsys)
    assert code == 0, err
    assert_terminal_safe(out, err)
    assert "\\x1b[31mRED" in out  # the file name is shown, its escapes made visible
    rows = len((outdir / "evil\x1b[31mRED\x1b]0;PWNED\x07.jsonl").read_text(encoding="utf-8").splitlines())
    assert rows >= 2
    check_outputs(outdir, "evil\x1b[31mRED\x1b]0;PWNED\x07", rows)


def test_batch_and_compare_print_nothing_raw(hostile_dir, tmp_path, marian_dir, monkeypatch, capsys):
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "evil\x1b[31mRED\x1b]0;PWNED\x07.en.txt").write_text("This \x1b[2J\x1b[31m is red. " + HOSTILE[2],
                                                                  encoding="utf-8")
    outdir = tmp_path / "run"
    code, out, err = run(["batch", hostile_dir, "-o", outdir, "-m", marian_dir, "--reference", refs, "--beam", 1,
                          "--backend", "transformers"], monkeypatch, capsys)
    assert code == 0, err
    assert_terminal_safe(out, err)
    code, out, err = run(["compare", outdir, outdir, "--reference", refs], monkeypatch, capsys)
    assert code == 0, err
    assert_terminal_safe(out, err)
    assert "\\x1b" in out


def test_align_tsv_escapes_hard_wrapped_and_hostile_text(tmp_path, monkeypatch, capsys):
    src = tmp_path / "src.txt"
    tgt = tmp_path / "tgt.txt"
    src.write_text("Kalimat pertama yang\ndibungkus di sini. Kalimat\u2028kedua.\n\nKalimat ketiga\x0bada.\n")
    tgt.write_text("The first sentence\nwrapped here. The second\x85sentence.\n\nThe third\x1c one.\n")
    for fmt in ("tsv", "jsonl"):
        code, out, err = run(["align", src, tgt, "--method", "length", "--output-format", fmt], monkeypatch, capsys)
        assert code == 0, err
        records = out.splitlines()
        if fmt == "tsv":
            assert records.pop(0) == "src_ids\ttgt_ids\tscore\tsrc_text\ttgt_text"  # translate's first columns
            assert len(records) == 3 and all(len(record.split("\t")) == 5 for record in records)
        else:
            assert len(records) == 3
            assert all(json.loads(record) for record in records)


@pytest.mark.parametrize("content, needle", [
    ("\u200b\u200b\n\u2060", "only whitespace or invisible characters"),
    ("Halo dunia. Apa kabar?".encode("utf-16-le"), "UTF-16 without a byte-order mark"),
    ("Halo dunia. Apa kabar?".encode("utf-16-be"), "iconv -f UTF-16BE"),
])
def test_invisible_and_bomless_utf16_files(content, needle, tmp_path, monkeypatch, capsys):
    path = tmp_path / "x.txt"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    code, _, err = run(["segment", path], monkeypatch, capsys)
    assert_one_line_error(code, err, needle)


def test_devices_and_fifos_are_read_within_the_limit(tmp_path, monkeypatch, capsys):
    code, _, err = run(["segment", "/dev/zero"], monkeypatch, capsys)
    assert_one_line_error(code, err, "larger than 50 MB")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code, _, err = run(["segment", fifo], monkeypatch, capsys)  # no writer: read as empty, never a hang
    assert_one_line_error(code, err, "is empty")


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="peak RSS is read from /proc (Linux)")
def test_a_200_megabyte_stream_is_refused_with_bounded_memory():
    """Measured by the child's peak RSS, never by time."""
    generator = ("import sys\n"
                 "block = ('Kalimat yang diulang terus. ' * 40 + '\\n').encode() * 100\n"
                 "try:\n"
                 "    for _ in range(200 * 2**20 // len(block)):\n"
                 "        sys.stdout.buffer.write(block)\n"
                 "except BrokenPipeError:\n"
                 "    pass\n")
    # VmHWM: this process's own peak RSS (ru_maxrss would include the forked parent's pages)
    reader = ("import sys\n"
              "from translate_cli import cli\n"
              "sys.argv = ['translate-cli', 'segment', '-']\n"
              "try:\n    cli.main()\n"
              "finally:\n"
              "    peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
              "    print('peak_kb', peak, file=sys.stderr)\n")
    stream = subprocess.Popen([sys.executable, "-c", generator], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    child = subprocess.run([sys.executable, "-c", reader], stdin=stream.stdout, capture_output=True, text=True,
                           timeout=600)  # a guard against a hang, not a timing assertion
    stream.stdout.close()
    stream.wait(timeout=600)
    lines = child.stderr.splitlines()
    assert child.returncode == 1
    assert lines[0] == "error: <stdin>: larger than 50 MB; split it into articles"
    peak_mb = int(lines[-1].split()[1]) / 1024
    assert peak_mb < 400, f"peak RSS {peak_mb:.0f} MB while refusing a 200 MB stream"


def test_broken_pipe_exits_quietly(tmp_path):
    text = ("Kalimat pertama di sini. Kalimat kedua di sana.\n\n" * 20000)
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    pipeline = subprocess.run(f"{sys.executable} -m translate_cli segment {path} | head -n 1", shell=True,
                              capture_output=True, text=True, executable="/bin/bash")
    assert pipeline.stdout == "Kalimat pertama di sini.\n"
    assert pipeline.stderr == ""


def test_stdin_can_be_read_only_once(monkeypatch, capsys):
    code, _, err = run(["align", "-", "-"], monkeypatch, capsys)
    assert_one_line_error(code, err, "standard input can be read only once")


@pytest.mark.parametrize("device", ["cuda", "mps"])
def test_missing_device_is_one_line(device, tmp_path, marian_dir, monkeypatch, capsys):
    import torch

    if (device == "cuda" and torch.cuda.is_available()) or (device == "mps" and torch.backends.mps.is_available()):
        pytest.skip(f"this machine has {device}")
    source = tmp_path / "a.id.txt"
    source.write_text("Banjir melanda kota itu pada hari Senin dan warga mengungsi ke masjid.", encoding="utf-8")
    code, _, err = run(["translate", source, "-m", marian_dir, "-o", tmp_path / "o", "--device", device],
                       monkeypatch, capsys)
    assert_one_line_error(code, err, f"--device {device}: this machine has no")


def test_lock_and_pattern_are_checked_before_the_model_loads(tmp_path, monkeypatch, capsys):
    indir, outdir = make_tree(tmp_path), tmp_path / "out"
    code, _, err = run(["batch", indir, "-o", outdir, "-m", "no-such-model", "--glob", "*.docx"], monkeypatch, capsys)
    assert_one_line_error(code, err, "no files matching *.docx")
    assert not outdir.exists()  # nothing created for a pattern that matches nothing
    outdir.mkdir()
    with open(outdir / ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code, _, err = run(["batch", indir, "-o", outdir, "-m", "no-such-model"], monkeypatch, capsys)
    assert_one_line_error(code, err, "another batch is already running")  # not "unknown model"


def test_absolute_glob_inside_and_outside_indir(tmp_path, marian_dir, monkeypatch, capsys):
    indir = make_tree(tmp_path)
    args = ["-m", marian_dir, "--beam", 1, "--backend", "transformers", "-q"]
    code, _, err = run(["batch", indir, "-o", tmp_path / "o1", "--glob", f"{indir}/*.txt", *args], monkeypatch, capsys)
    assert code == 0, err
    code, _, err = run(["batch", indir, "-o", tmp_path / "o2", "--glob", "/etc/*.conf", *args], monkeypatch, capsys)
    assert_one_line_error(code, err, "points outside")


def batch_args(indir, outdir, marian_dir):
    return ["batch", indir, "-o", outdir, "-m", marian_dir, "--beam", 1, "--backend", "transformers", "-q"]


@pytest.mark.parametrize("damage", ["garbage", "foreign schema", "bad record", "null translation"])
def test_a_damaged_cache_is_rebuilt_or_repaired_never_trusted(damage, tmp_path, marian_dir, monkeypatch, capsys):
    indir, outdir = make_tree(tmp_path), tmp_path / "out"
    code, _, err = run(batch_args(indir, outdir, marian_dir), monkeypatch, capsys)
    assert code == 0, err
    cache = outdir / ".cache.sqlite"
    if damage == "garbage":
        cache.write_bytes(cache.read_bytes()[:100] + b"\xff" * 5000)  # damaged past the SQLite header
    else:
        db = sqlite3.connect(cache)
        with db:
            if damage == "foreign schema":
                db.execute("DROP TABLE sentences")
                db.execute("CREATE TABLE sentences (id INTEGER, text BLOB)")
            elif damage == "bad record":
                db.execute("UPDATE articles SET record = '{not json'")
            else:  # the unversioned layout of 0.1 allowed NULL translations
                db.execute("ALTER TABLE sentences RENAME TO old")
                db.execute("CREATE TABLE sentences "
                           "(identity TEXT, source TEXT, target TEXT, PRIMARY KEY (identity, source))")
                db.execute("INSERT INTO sentences SELECT identity, source, NULL FROM old")
                db.execute("DROP TABLE old")
                db.execute("DELETE FROM articles")
        db.close()
    code, out, err = run(batch_args(indir, outdir, marian_dir), monkeypatch, capsys)
    assert code == 0, err
    assert "internal error" not in err
    summary = json.loads((outdir / "summary.json").read_text())
    assert summary["counts"]["translated"] == 1  # translated again, not trusted
    assert (outdir / "a" / "a.en.txt").read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("damage, needle", [
    ("folder", "is a folder, not the batch cache"),
    ("newer", "made by a newer translate-cli"),
])
def test_a_cache_that_cannot_be_used_is_one_line(damage, needle, tmp_path, marian_dir, monkeypatch, capsys):
    indir, outdir = make_tree(tmp_path), tmp_path / "out"
    outdir.mkdir()
    if damage == "folder":
        (outdir / ".cache.sqlite").mkdir()
    else:
        sqlite3.connect(outdir / ".cache.sqlite").execute("PRAGMA user_version = 99").connection.close()
    code, _, err = run(batch_args(indir, outdir, marian_dir), monkeypatch, capsys)
    assert_one_line_error(code, err, needle)


def test_temporary_files_of_a_killed_run_are_removed(tmp_path, marian_dir, monkeypatch, capsys):
    indir, outdir = make_tree(tmp_path), tmp_path / "out"
    (outdir / "a").mkdir(parents=True)
    left = [outdir / "a" / ".a.tsv.k3j9_x2a.tmp", outdir / ".summary.json.abcdefgh.tmp"]
    for path in left:
        path.write_text("half a file")
    mine = outdir / "a" / ".notes.tmp"  # not one of ours: kept
    mine.write_text("keep")
    code, _, err = run(batch_args(indir, outdir, marian_dir), monkeypatch, capsys)
    assert code == 0, err
    assert not any(path.exists() for path in left) and mine.exists()


def test_model_folders_never_collide(tmp_path, marian_dir, monkeypatch, capsys):
    spaced, dashed = tmp_path / "models" / "m x", tmp_path / "models" / "m-x"
    shutil.copytree(marian_dir, spaced)
    shutil.copytree(marian_dir, dashed)
    source = tmp_path / "a.id.txt"
    source.write_text("Banjir melanda kota itu pada hari Senin. Warga mengungsi ke masjid.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["translate", source, "-o", "D", "-m", "models/m x", "-m", "models/m-x", "--beam", 1,
                        "--backend", "transformers"], monkeypatch, capsys)
    assert code == 0, err
    runs = sorted(p.name for p in (tmp_path / "D").iterdir())
    assert len(runs) == 2 and all((tmp_path / "D" / name / "a.en.txt").is_file() for name in runs)


@pytest.mark.parametrize("name", ["...txt", "..id.txt", ".id.txt"])
def test_translate_without_output_writes_under_out(name, tmp_path, marian_dir, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text("Banjir melanda kota itu pada hari Senin. Warga mengungsi ke masjid.",
                                 encoding="utf-8")
    code, _, err = run(["translate", name, "-m", marian_dir, "--beam", 1, "--backend", "transformers"],
                       monkeypatch, capsys)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "out"])
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert written and all(p.resolve().is_relative_to((tmp_path / "out").resolve()) for p in written)


def test_ctrl_c_in_batch_says_what_was_kept(tmp_path, monkeypatch, capsys):
    from translate_cli import cli

    class Interrupting:
        identity = label = "interrupting"

        def translate(self, sentences, progress=None, on_translated=None):
            on_translated([(0, "EN first")])
            raise KeyboardInterrupt

    monkeypatch.setattr(cli, "load", lambda *args, **kwargs: Interrupting())
    indir, outdir = make_tree(tmp_path), tmp_path / "out"
    code, _, err = run(["batch", indir, "-o", outdir, "-q"], monkeypatch, capsys)
    assert code == 130
    assert err.strip().splitlines() == [
        f"interrupted: 0 of 1 articles finished and 1 newly translated sentences kept in {outdir / '.cache.sqlite'}; "
        "run the same command again to resume"]


@pytest.mark.parametrize("timing", ["pukul tiga", "3 --> 4", ""])
def test_srt_with_a_broken_timing_after_the_first_cue_is_refused(timing, tmp_path, marian_dir, monkeypatch, capsys):
    subtitles = tmp_path / "film.srt"
    subtitles.write_text(f"1\n00:00:01,000 --> 00:00:02,000\nBanjir melanda kota itu.\n\n2\n{timing}\n"
                         "Warga mengungsi ke masjid.\n\n3\n00:00:05,000 --> 00:00:06,000\nAir mulai surut.\n",
                         encoding="utf-8")
    code, _, err = run(["translate", subtitles, "-m", marian_dir, "-o", tmp_path / "out"], monkeypatch, capsys)
    assert_one_line_error(code, err, "not valid SubRip subtitles after cue 1")  # not 2 cues out of 3
    assert not (tmp_path / "out" / "film.en.srt").exists()


def test_html_beyond_libxml2_default_limits_is_read_whole_or_refused(tmp_path, marian_dir, monkeypatch, capsys):
    script = "var x = 1;" * 1_200_000  # one 12 MB text node, past libxml2's 10 MB default
    nested = "<div>" * 300 + "<p>Banjir melanda kota itu.</p>" + "</div>" * 300  # past its 256 levels
    page = tmp_path / "berita.html"
    page.write_text(f"<html><body>{nested}<script>{script}</script><p>Warga mengungsi ke masjid.</p></body></html>",
                    encoding="utf-8")
    args = ["-m", marian_dir, "--beam", 1, "--backend", "transformers"]
    code, _, err = run(["translate", page, "-o", tmp_path / "out", *args], monkeypatch, capsys)
    assert code == 0, err
    rows = [json.loads(line) for line in (tmp_path / "out" / "berita.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["src_text"] for row in rows] == ["Banjir melanda kota itu.", "Warga mengungsi ke masjid."]
    kept = (tmp_path / "out" / "berita.en.html").read_text(encoding="utf-8")
    assert script in kept and kept.count("<div>") == 300 and kept.rstrip().endswith("</html>")
    page.write_text("<html><body>" + "<div>" * 600 + "<p>Banjir melanda kota itu.</p></body></html>", encoding="utf-8")
    code, _, err = run(["translate", page, "-o", tmp_path / "out2", *args], monkeypatch, capsys)
    assert_one_line_error(code, err, "nested more than 500 deep")


def test_a_hostile_listing_never_writes_outside_the_staging_or_mirror_folder(tmp_path, marian_dir, monkeypatch,
                                                                               capsys):
    import fsspec
    from fsspec.implementations.memory import MemoryFileSystem

    escape = f"{tmp_path.name}-escaped.txt"

    class Hostile(MemoryFileSystem):  # a server whose listing links to ../../NAME
        protocol = "hostile"

        @classmethod
        def _strip_protocol(cls, path):
            return MemoryFileSystem._strip_protocol(path.replace("hostile://", "memory://", 1))

        def find(self, path, *args, **kwargs):
            return [*super().find(path, *args, **kwargs), f"{self._strip_protocol(path)}/../../{escape}"]

        def get_file(self, rpath, lpath, *args, **kwargs):
            Path(lpath).write_text("Banjir melanda kota itu pada hari Senin.", encoding="utf-8")

    fsspec.register_implementation("hostile", Hostile, clobber=True)
    memory = fsspec.filesystem("memory")
    memory.pipe(f"/{tmp_path.name}/in/a.txt", b"Banjir melanda kota itu pada hari Senin.")
    memory.pipe(f"/{tmp_path.name}/out/summary.json", b"{}")
    try:
        for indir, outdir in ((f"hostile://{tmp_path.name}/in", tmp_path / "out"),
                              (make_tree(tmp_path), f"hostile://{tmp_path.name}/out")):
            code, _, err = run(batch_args(indir, outdir, marian_dir), monkeypatch, capsys)
            assert_one_line_error(code, err, "/../../" + escape)
            assert "is not inside it" in err
    finally:
        memory.rm(f"/{tmp_path.name}", recursive=True)
    from translate_cli.storage import cache_root
    assert not (Path(tempfile.gettempdir()).parent / escape).exists()  # from the staging folder
    assert not (cache_root() / escape).exists()  # from the mirror


def test_several_models_never_translate_each_others_outputs_inside_indir(tmp_path, marian_dir, monkeypatch, capsys):
    indir = make_tree(tmp_path)
    for name in ("m1", "m2"):
        shutil.copytree(marian_dir, tmp_path / name)
    models = ["-m", tmp_path / "m1", "-m", tmp_path / "m2", "--beam", 1, "--backend", "transformers", "--json"]
    code, out, err = run(["batch", indir, "-o", indir / "runs", *models], monkeypatch, capsys)
    assert code == 0, err
    assert [[a["relpath"] for a in summary["articles"]] for summary in json.loads(out)] == [["a.txt"], ["a.txt"]]
    code, _, err = run(["batch", indir, "-o", indir, *models], monkeypatch, capsys)
    assert_one_line_error(code, err, "the output folder must differ from the input folder")


@pytest.mark.parametrize("outdir", ["in", "in/run", "in/run/deeper"])
def test_url_outdir_equal_to_or_inside_indir_is_refused(outdir, tmp_path, monkeypatch, capsys):
    import fsspec

    memory = fsspec.filesystem("memory")
    memory.pipe(f"/{tmp_path.name}/in/a.txt", b"Banjir melanda kota itu pada hari Senin.")
    try:
        for indir, out in ((f"memory://{tmp_path.name}/in", f"memory://{tmp_path.name}/{outdir}"),
                           (tmp_path / "in", f"file://{tmp_path}/{outdir}")):
            code, _, err = run(["batch", indir, "-o", out, "-m", "no-such-model"], monkeypatch, capsys)
            assert_one_line_error(code, err, "must lie outside the input folder")
    finally:
        memory.rm(f"/{tmp_path.name}", recursive=True)


def test_articles_named_like_the_batch_files_fail_alone(tmp_path, marian_dir, monkeypatch, capsys):
    indir = make_tree(tmp_path)
    text = (indir / "a.txt").read_text(encoding="utf-8")
    (indir / "summary.json.txt").write_text(text, encoding="utf-8")
    (indir / "index.html.md").write_text(text, encoding="utf-8")
    outdir = tmp_path / "out"
    code, out, err = run(batch_args(indir, outdir, marian_dir), monkeypatch, capsys)
    assert_one_line_error(code, err, "2 of 3 articles failed")
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    assert {a["relpath"]: a["status"] for a in summary["articles"]} == {
        "a.txt": "translated", "index.html.md": "failed", "summary.json.txt": "failed"}
    assert "a name the batch writes for itself" in out
    assert (outdir / "index.html").is_file() and "<h1>Batch run</h1>" in (outdir / "index.html").read_text()


def test_a_healthy_cache_locked_by_another_process_is_kept(tmp_path, marian_dir, monkeypatch, capsys):
    from translate_cli.batch_store import BatchStore

    indir, outdir = make_tree(tmp_path), tmp_path / "out"
    code, _, err = run(batch_args(indir, outdir, marian_dir), monkeypatch, capsys)
    assert code == 0, err
    cache = outdir / ".cache.sqlite"
    before = cache.read_bytes()
    monkeypatch.setattr(BatchStore, "BUSY_SECONDS", 0.1)
    holder = sqlite3.connect(cache, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = run(batch_args(indir, outdir, marian_dir), monkeypatch, capsys)
    finally:
        holder.close()
    assert_one_line_error(code, err, "in use by another process")
    assert cache.read_bytes() == before and not list(outdir.glob("*.damaged*"))


def test_a_second_damaged_cache_never_overwrites_the_first(tmp_path, marian_dir, monkeypatch, capsys):
    indir, outdir = make_tree(tmp_path), tmp_path / "out"
    outdir.mkdir()
    cache = outdir / ".cache.sqlite"
    for garbage in (b"first damaged copy " * 300, b"second damaged copy " * 300):
        cache.write_bytes(garbage)
        code, _, err = run(batch_args(indir, outdir, marian_dir), monkeypatch, capsys)
        assert code == 0, err
    assert sorted(p.read_bytes()[:6] for p in outdir.glob(".cache.sqlite.damaged*")) == [b"first ", b"second"]


class _Echo:
    """A stand-in translator ("EN" + the sentence) that keeps each sentence as it is translated."""

    identity = label = "echo"

    def __init__(self, tag: str = "EN"):
        self.tag = tag

    def translate(self, sentences, progress=None, on_translated=None):
        if on_translated:
            on_translated(list(enumerate(f"{self.tag} {s}" for s in sentences)))
        return [f"{self.tag} {s}" for s in sentences]


def test_a_killed_batch_counts_its_translated_sentences_in_the_job_totals(tmp_path, monkeypatch, capsys):
    from translate_cli import cli

    indir, outdir = make_tree(tmp_path), tmp_path / "out"
    killed = ("import os, signal, sys\nfrom translate_cli import cli\n"
              "class Killed:\n    identity = label = 'echo'\n"
              "    def translate(self, sentences, progress=None, on_translated=None):\n"
              "        on_translated([(0, 'EN ' + sentences[0])])\n        os.kill(os.getpid(), signal.SIGKILL)\n"
              "cli.load = lambda *args, **kwargs: Killed()\n"
              f"sys.argv = ['translate-cli', 'batch', {str(indir)!r}, '-o', {str(outdir)!r}, '-q']\ncli.main()\n")
    assert subprocess.run([sys.executable, "-c", killed], timeout=120).returncode == -9
    monkeypatch.setattr(cli, "load", lambda *args, **kwargs: _Echo())
    code, _, err = run(["batch", indir, "-o", outdir, "-q"], monkeypatch, capsys)
    assert code == 0, err
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    assert summary["last_run"] == {"seconds": summary["last_run"]["seconds"], "translated_sentences": 1,
                                   "cached_sentences": 1}
    assert summary["job"]["translated_sentences"] == 2 and summary["job"]["runs"] == 2


def test_batch_leaves_the_temporary_files_of_a_live_writer_alone(tmp_path, marian_dir, monkeypatch, capsys):
    indir, outdir = make_tree(tmp_path), tmp_path / "out"
    (outdir / "notes").mkdir(parents=True)
    live, dead = outdir / "notes" / ".n.en.txt.k3j9_x2a.tmp", outdir / "notes" / ".n.tsv.abcdefgh.tmp"
    live.write_text("half written by another translate -o OUTDIR/notes")
    dead.write_text("left by a killed writer")
    with open(live, "rb") as writing:
        fcntl.flock(writing, fcntl.LOCK_EX)  # as the other writer holds it while it writes
        code, _, err = run(batch_args(indir, outdir, marian_dir), monkeypatch, capsys)
    assert code == 0, err
    assert live.exists() and not dead.exists()


@pytest.mark.parametrize("when", ["writing", "renaming"])
def test_ctrl_c_while_translate_writes_leaves_one_whole_set(when, tmp_path, monkeypatch, capsys):
    import signal

    from translate_cli import cli, formats

    source, outdir = make_tree(tmp_path) / "a.txt", tmp_path / "out"
    monkeypatch.setattr(cli, "load", lambda *args, **kwargs: _Echo("OLD"))
    code, _, err = run(["translate", source, "-o", outdir, "-r", source], monkeypatch, capsys)
    assert code == 0, err
    old = {path.name: path.read_bytes() for path in outdir.iterdir()}
    monkeypatch.setattr(cli, "load", lambda *args, **kwargs: _Echo("NEW"))
    if when == "writing":  # Ctrl-C while the fifth of seven files is written
        def markdown_chunks(result):
            yield "| half a table"
            raise KeyboardInterrupt
        monkeypatch.setattr(formats, "markdown_chunks", markdown_chunks)
    else:  # Ctrl-C while the first file is renamed into place
        replace = formats._replace
        calls = []

        def interrupted_replace(tmp, path):
            if not calls:
                signal.raise_signal(signal.SIGINT)
            calls.append(path)
            replace(tmp, path)
        monkeypatch.setattr(formats, "_replace", interrupted_replace)
    code, _, err = run(["translate", source, "-o", outdir, "-r", source], monkeypatch, capsys)
    assert code == 130
    now = {path.name: path.read_bytes() for path in outdir.iterdir()}
    assert sorted(now) == sorted(old)  # no temporaries left
    if when == "writing":
        assert now == old
        assert err.strip().splitlines() == [f"interrupted: nothing of this translation was written ({outdir} keeps "
                                            "what it held)"]
    else:
        assert all(b"NEW" in content and b"OLD" not in content for name, content in now.items()
                   if name != "scores.json")
        assert err.strip().splitlines() == [
            f"interrupted: the outputs of 1 model(s) are complete, the last in {outdir}"]


def test_links_out_of_indir_or_refdir_are_not_read(tmp_path, marian_dir, monkeypatch, capsys):
    indir, refs, outdir = make_tree(tmp_path), tmp_path / "refs", tmp_path / "out"
    secret = tmp_path / "secret.txt"  # stands for /etc/passwd, but Indonesian so that only the rule refuses it
    secret.write_text("Kata sandi rahasia ada di dalam berkas ini. Jangan dibaca oleh siapa pun.", encoding="utf-8")
    (indir / "leak.txt").symlink_to(secret)
    (indir / "same.txt").symlink_to(indir / "a.txt")  # a link inside INDIR is read
    refs.mkdir()
    (refs / "same.txt").symlink_to(secret)
    code, out, err = run([*batch_args(indir, outdir, marian_dir), "--reference", refs], monkeypatch, capsys)
    assert_one_line_error(code, err, "2 of 3 articles failed")
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    reasons = {a["relpath"]: a["reason"] for a in summary["articles"] if a["status"] == "failed"}
    assert reasons.keys() == {"leak.txt", "same.txt"}
    assert "outside the input folder; not read" in reasons["leak.txt"]
    assert "outside the references folder; not read" in reasons["same.txt"]
    assert not (outdir / "leak").exists() and (outdir / "a" / "a.en.txt").is_file()
    assert "rahasia" not in "".join(p.read_text(errors="replace") for p in outdir.rglob("*") if p.is_file())
    code, _, err = run(batch_args(f"file://{indir}", tmp_path / "out2", marian_dir), monkeypatch, capsys)
    assert_one_line_error(code, err, "leak.txt' that is not inside it (or links out of it)")
