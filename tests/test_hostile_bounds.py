"""Hostile input, continued (issue 18, section 6): bounded cost on huge or crafted documents, one-line user
errors where an internal error used to surface, and nothing raw on a terminal or live in a written document.
Through the CLI; the cost cases assert how the work grows (operation counts), never wall time."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from cli_run import assert_one_line_error, run


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


def test_compare_leaves_out_an_article_whose_rows_have_wrong_ids(compared, monkeypatch, capsys):
    run_dir, refs = compared
    jsonl = run_dir / "a" / "a.jsonl"
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    rows[0]["tgt"] = "ab"  # valid JSON, wrong type: a string where sentence ids belong
    jsonl.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    code, out, err = run(["compare", run_dir, "--references", refs, "--json"], monkeypatch, capsys)
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
    code, _, err = run(["compare", run_dir, "--references", refs], monkeypatch, capsys)
    assert_one_line_error(code, err, "summary.json: is not a translate-cli batch summary")
