"""Batch folders as fsspec URLs: inputs read through fsspec, outputs mirrored to the URL as they are written,
the same files as a local run, and a run that resumes from what the URL holds."""

from __future__ import annotations

import json
import shutil

import fsspec
import pytest
from cli_run import assert_one_line_error, run

from translate_cli import storage

ARTICLES = {
    "satu.txt": "Banjir melanda kota itu pada hari Senin. Warga mengungsi ke masjid dan sekolah.",
    "dua/tiga.id.txt": "Harga cabai naik tajam di pasar tradisional. Para pedagang mengeluh karena sepi pembeli.",
}


@pytest.fixture
def memory_tree(tmp_path):
    """Articles under a memory:// URL unique to the test, and the same under a local folder."""
    url = f"memory://{tmp_path.name}"
    fs = fsspec.filesystem("memory")
    for relpath, text in ARTICLES.items():
        fs.pipe(f"/{tmp_path.name}/in/{relpath}", text.encode())
        (tmp_path / "in" / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / relpath).write_text(text, encoding="utf-8")
    yield url
    fs.rm(f"/{tmp_path.name}", recursive=True)


def args(indir, outdir, marian_dir):
    return ["batch", indir, "-o", outdir, "-m", marian_dir, "--beam", 1, "--backend", "transformers", "-q"]


def test_memory_urls_give_the_files_of_a_local_run(memory_tree, tmp_path, marian_dir, monkeypatch, capsys):
    code, _, err = run(args(f"{memory_tree}/in", f"{memory_tree}/out", marian_dir), monkeypatch, capsys)
    assert code == 0, err
    code, _, err = run(args(tmp_path / "in", tmp_path / "local", marian_dir), monkeypatch, capsys)
    assert code == 0, err
    fs = fsspec.filesystem("memory")
    for stem in ("satu/satu", "dua/tiga/tiga"):
        for suffix in (".en.txt", ".tsv", ".jsonl", ".tmx"):
            remote = fs.cat_file(f"/{tmp_path.name}/out/{stem}{suffix}")
            assert remote == (tmp_path / "local" / f"{stem}{suffix}").read_bytes()
    summary = json.loads(fs.cat_file(f"/{tmp_path.name}/out/summary.json"))
    assert summary["outdir"] == f"{memory_tree}/out" and summary["counts"]["translated"] == 2
    assert fs.exists(f"/{tmp_path.name}/out/index.html") and not fs.exists(f"/{tmp_path.name}/out/.lock")


def test_a_new_driver_resumes_from_what_the_url_holds(memory_tree, tmp_path, marian_dir, monkeypatch, capsys):
    target = f"{memory_tree}/out"
    code, _, err = run(args(f"{memory_tree}/in", target, marian_dir), monkeypatch, capsys)
    assert code == 0, err
    shutil.rmtree(storage.OutputFolder(target).local)  # another machine: no local mirror yet
    code, out, err = run(args(f"{memory_tree}/in", target, marian_dir), monkeypatch, capsys)
    assert code == 0, err
    assert "0 translated, 2 skipped" in out


def test_file_urls_and_missing_ones(tmp_path, marian_dir, monkeypatch, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(ARTICLES["satu.txt"], encoding="utf-8")
    code, _, err = run(args(f"file://{tmp_path}/in", f"file://{tmp_path}/out", marian_dir), monkeypatch, capsys)
    assert code == 0, err
    assert (tmp_path / "out" / "a" / "a.en.txt").is_file()
    code, _, err = run(args(f"file://{tmp_path}/nowhere", f"file://{tmp_path}/out2", marian_dir), monkeypatch, capsys)
    assert_one_line_error(code, err, f"input folder not found: file://{tmp_path}/nowhere")
    code, _, err = run(args("nosuchscheme://bucket/in", tmp_path / "o", marian_dir), monkeypatch, capsys)
    assert_one_line_error(code, err, "nosuchscheme://bucket/in")
