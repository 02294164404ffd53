"""Repair: a sentence whose translation loops (or is cut short, or left untranslated) is translated once more,
and the better candidate is kept, per sentence, in every engine and in the batch cache."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from tests.cli_run import run
from translate_cli.batch import run_batch
from translate_cli.checks import check_pair
from translate_cli.layout import CACHE_NAME
from translate_cli.translate import REPAIR_CODES, clause_split, join_clauses, load_translator

SENTENCES = ["Warga mengungsi ke masjid dan sekolah di kota.", "Harga beras naik di pasar kota.",
             "Pemerintah menyatakan hari berkabung bagi para korban."]
LONG = ["Pemerintah menyatakan hari berkabung bagi para korban kekerasan di kota itu, dan pasukan dari aliansi yang "
        "dipimpin Rusia menjaga gedung-gedung penting.",
        "Toko-toko dibuka kembali pada hari Senin, bus berjalan lagi di jalan utama, orang-orang mengantre di bank "
        "untuk menarik uang tunai."]


def _degenerate(source: str, translation: str) -> bool:
    return any(f.code == "degenerate" for f in check_pair(source, translation))


def test_repair_fires_on_a_loop_and_keeps_a_candidate_that_passes(looping_dir):
    plain = load_translator(str(looping_dir), backend="ctranslate2", repair=False)
    repairing = load_translator(str(looping_dir), backend="ctranslate2")
    looped, repaired = plain.translate(SENTENCES), repairing.translate(SENTENCES)
    assert all(_degenerate(s, t) for s, t in zip(SENTENCES, looped))
    assert all(check_pair(s, t) == [] for s, t in zip(SENTENCES, repaired)), repaired
    assert all(repairing.repaired(s) and not plain.repaired(s) for s in SENTENCES)
    assert plain.identity != repairing.identity and "repair=" in repairing.identity


def test_the_transformers_path_repairs_too_and_never_keeps_a_worse_candidate(looping_dir):
    plain = load_translator(str(looping_dir), backend="transformers", beam=1, repair=False)
    repairing = load_translator(str(looping_dir), backend="transformers", beam=1)
    for source, before, after in zip(SENTENCES, plain.translate(SENTENCES), repairing.translate(SENTENCES)):
        assert repairing.repaired(source) and after != before
        assert len(check_pair(source, after)) <= len(check_pair(source, before))


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_a_sentence_is_repaired_the_same_alone_and_in_a_batch(looping_dir, marian_dir, backend):
    for folder in (looping_dir, marian_dir):  # marian: random output, some of it repaired, some not
        translator = load_translator(str(folder), backend=backend, beam=2, batch_size=4)
        together = translator.translate([*SENTENCES, *LONG, "Selamat pagi.", SENTENCES[0] + " Lagi."])
        alone = [translator.translate([sentence])[0] for sentence in [*SENTENCES, *LONG, "Selamat pagi."]]
        assert together[:6] == alone


def test_clause_split_prefers_a_conjunction_then_the_middle_comma():
    assert clause_split(LONG[0]) == (LONG[0][:LONG[0].index(",") + 1], LONG[0][LONG[0].index(",") + 2:])
    first, second = clause_split(LONG[1])
    assert first.endswith("di jalan utama,") and second.startswith("orang-orang")  # the comma nearest the middle
    assert clause_split(SENTENCES[0]) is None  # short
    assert clause_split("Harga naik 2,5 persen " + "di pasar kota besar itu " * 3 + "kata pedagang.") is None
    two_words = "Harga beras, dan " + "terus naik di banyak kota besar " * 2 + "kata pedagang."
    assert clause_split(two_words) is None  # the only boundary would leave 2 words
    assert join_clauses(("Harga naik,", "dan warga marah."), ["Prices rose.", "And people are angry."]) == \
        "Prices rose, and people are angry."
    assert join_clauses(("Harga naik,", "Jakarta marah."), ["Prices rose...", "Jakarta is angry."]) == \
        "Prices rose... Jakarta is angry."
    assert join_clauses(("Harga naik;", "tetapi warga diam."), ["Prices rose", "But people are silent."]) == \
        "Prices rose; but people are silent."


def test_a_long_looping_sentence_is_repaired_in_two_clauses_when_that_fails_fewer_checks(looping_dir, monkeypatch):
    repairing = load_translator(str(looping_dir), backend="ctranslate2")
    assert "clauses:" in repairing.identity  # the cache identity says how repair works
    repaired = repairing.translate(LONG)
    for sentence, translation in zip(LONG, repaired):
        clauses = clause_split(sentence)
        assert clauses is not None and repairing.repaired(sentence)
        # each clause as the translator repairs it alone, joined: deterministic, from the sentence and settings only
        assert translation == join_clauses(clauses, repairing.translate(list(clauses)))
    monkeypatch.setattr("translate_cli.translate.clause_split", lambda text: None)
    without = load_translator(str(looping_dir), backend="ctranslate2").translate(LONG)
    for sentence, before, after in zip(LONG, without, repaired):
        assert after != before
        assert _failures(sentence, after) < _failures(sentence, before)


def _failures(source: str, translation: str) -> int:
    return sum(f.code in REPAIR_CODES for f in check_pair(source, translation))


def test_no_repair_gives_the_unrepaired_output_and_repair_says_so(looping_dir, tmp_path, monkeypatch, capsys):
    article = tmp_path / "a.id.txt"
    article.write_text(" ".join(SENTENCES[:2]), encoding="utf-8")
    outputs = {}
    for flag in ("--repair", "--no-repair"):
        out = tmp_path / flag
        code, stdout, err = run(["translate", article, "-m", looping_dir, "--backend", "ctranslate2", "-o", out,
                                 "-q", flag], monkeypatch, capsys)
        assert code == 0, err
        rows = [json.loads(line) for line in (out / "a.jsonl").read_text(encoding="utf-8").splitlines()]
        outputs[flag] = rows
        page = (out / "a.html").read_text(encoding="utf-8")
        count = 2 if flag == "--repair" else 0
        assert f"repaired {count} " in page and f"{count} rows translated again" in stdout
    assert [row["repaired"] for row in outputs["--repair"]] == [True, True]
    assert [row["repaired"] for row in outputs["--no-repair"]] == [False, False]
    assert all(_degenerate(row["src_text"], row["tgt_text"]) for row in outputs["--no-repair"])
    assert not any(_degenerate(row["src_text"], row["tgt_text"]) for row in outputs["--repair"])


def test_the_cache_keeps_the_repaired_translation_and_that_it_is_one(looping_dir, tmp_path):
    indir = tmp_path / "in"
    indir.mkdir()
    (indir / "a.txt").write_text(" ".join(SENTENCES), encoding="utf-8")
    translator = load_translator(str(looping_dir), backend="ctranslate2")
    summary = run_batch(indir, tmp_path / "out", translator, quiet=True)
    assert summary.ok and summary.to_json()["repaired"] == 3
    with sqlite3.connect(tmp_path / "out" / CACHE_NAME) as db:
        cached = dict(db.execute("SELECT source, target FROM sentences WHERE identity = ?", (translator.identity,)))
        marked = {row[0] for row in db.execute("SELECT source FROM repairs WHERE identity = ?",
                                               (translator.identity,))}
    assert cached == dict(zip(SENTENCES, translator.translate(SENTENCES))) and marked == set(SENTENCES)
    assert all(check_pair(s, t) == [] for s, t in cached.items())
    # a new article of the same sentences comes from the cache, still counted as repaired
    (indir / "b.txt").write_text(" ".join(SENTENCES[:2]), encoding="utf-8")
    again = run_batch(indir, tmp_path / "out", translator, quiet=True)
    assert again.translated_sentences == 0
    assert {a.relpath: (a.status, a.repaired) for a in again.articles} == {"a.txt": ("skipped", 3),
                                                                           "b.txt": ("translated", 2)}
    rows = [json.loads(line) for line in (tmp_path / "out" / "b" / "b.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["repaired"] for row in rows] == [True, True]


def test_the_repaired_count_is_in_the_tsv_and_the_index_rows_and_totals(looping_dir, tmp_path, monkeypatch, capsys):
    indir, outdir = tmp_path / "in", tmp_path / "out"
    indir.mkdir()
    (indir / "a.txt").write_text(" ".join(SENTENCES), encoding="utf-8")
    (indir / "b.txt").write_text(SENTENCES[1], encoding="utf-8")
    code, _, err = run(["batch", indir, "-o", outdir, "-m", looping_dir, "--backend", "ctranslate2", "-q"],
                       monkeypatch, capsys)
    assert code == 0, err
    tsv = [line.split("\t") for line in (outdir / "a" / "a.tsv").read_text(encoding="utf-8").splitlines()]
    assert tsv[0][-1] == "repaired" and [row[-1] for row in tsv[1:]] == ["true"] * 3
    index = (outdir / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<td class="num">(\d+)</td>\n<td>[^<]*</td>\n<td class="num">(\d+)</td>', index)
    assert rows == [("3", "3"), ("1", "1")]  # sentences, then repaired, per article
    assert "repaired 4 (translated a second time" in index
