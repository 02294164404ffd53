import fcntl
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import sacrebleu
from rich.console import Console

from translate_cli.batch import run_batch
from translate_cli.batch_articles import find_reference
from translate_cli.batch_report import print_batch_summary
from translate_cli.errors import Interrupted, UserError
from translate_cli.layout import CACHE_NAME
from translate_cli.models import model_slug


class FakeTranslator:
    identity = "fake-model|beam=1"
    label = "fake-model (beam 1)"

    def __init__(self, interrupt_at=None):
        self.calls = []
        self.interrupt_at = interrupt_at  # Ctrl-C when this many sentences are done
        self.done = 0

    def translate(self, sentences, progress=None, on_translated=None):
        """Translates one sentence at a time, as if each were a model batch."""
        self.calls.append(list(sentences))
        outputs = []
        for i, sentence in enumerate(sentences):
            if self.interrupt_at == self.done:
                raise KeyboardInterrupt
            self.done += 1
            outputs.append(f"EN {sentence}")
            if progress:
                progress(1)
            if on_translated:
                on_translated([(i, outputs[-1])])
        return outputs


@pytest.fixture
def tree(tmp_path):
    indir = tmp_path / "in"
    (indir / "a" / "b").mkdir(parents=True)
    (indir / "one.txt").write_text("Satu dua. Tiga empat.\n\nLima enam.", encoding="utf-8")
    (indir / "a" / "two.md").write_text("Satu dua. Tujuh delapan.", encoding="utf-8")
    (indir / "a" / "b" / "three.id.txt").write_text("Sembilan.", encoding="utf-8")
    (indir / "notes.csv").write_text("ignored", encoding="utf-8")
    return indir


def test_mirrors_tree_and_translates_each_sentence_once(tree, tmp_path):
    out = tmp_path / "out"
    translator = FakeTranslator()
    summary = run_batch(tree, out, translator, quiet=True)
    assert summary.ok and [a.relpath for a in summary.articles] == ["a/b/three.id.txt", "a/two.md", "one.txt"]
    assert len(translator.calls) == 1  # one model call for the whole chunk
    assert sorted(translator.calls[0]) == sorted(["Satu dua.", "Tiga empat.", "Lima enam.", "Tujuh delapan.",
                                                  "Sembilan."])
    assert (out / "one" / "one.en.txt").read_text() == "EN Satu dua. EN Tiga empat.\n\nEN Lima enam.\n"
    for folder, stem in [("a/two", "two"), ("a/b/three", "three")]:
        assert {p.name for p in (out / folder).iterdir()} >= {f"{stem}.en.txt", f"{stem}.tmx", f"{stem}.jsonl"}
    data = json.loads((out / "summary.json").read_text())
    assert data["ok"] and data["counts"] == {"translated": 3, "skipped": 0, "failed": 0, "pending": 0}
    assert data["last_run"]["translated_sentences"] == data["job"]["translated_sentences"] == 5


def test_rerun_skips_finished_and_redoes_changed(tree, tmp_path):
    out = tmp_path / "out"
    run_batch(tree, out, FakeTranslator(), quiet=True)
    (tree / "one.txt").write_text("Satu dua. Baru sekali.", encoding="utf-8")
    translator = FakeTranslator()
    summary = run_batch(tree, out, translator, quiet=True)
    assert {a.relpath: a.status for a in summary.articles} == {
        "a/b/three.id.txt": "skipped", "a/two.md": "skipped", "one.txt": "translated"}
    assert translator.calls == [["Baru sekali."]]
    assert summary.cached_sentences == 1 and summary.translated_sentences == 1
    assert (out / "one" / "one.en.txt").read_text() == "EN Satu dua. EN Baru sekali.\n"


class ConfidentTranslator(FakeTranslator):
    """Gives its confidence in each translation, as ``translate.Translator`` does."""

    def confidence(self, sentence):
        return -len(sentence.strip()) / 7  # many decimals: the cache keeps 4, as the TSV shows


def jsonl_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_rows_carry_the_confidence_the_cache_keeps(tree, tmp_path):
    out = tmp_path / "out"
    summary = run_batch(tree, out, ConfidentTranslator(), quiet=True)
    first = jsonl_rows(out / "one" / "one.jsonl")
    assert [row["confidence"] for row in first] == [round(-len(row["src_text"]) / 7, 4) for row in first]
    assert [a.confidence for a in summary.articles if a.relpath == "one.txt"] == [
        pytest.approx(sum(row["confidence"] for row in first) / len(first))]
    # the articles rebuilt all from the cache: a translator without confidences (a stand-in) still writes them
    (out / "one" / "one.jsonl").unlink()
    with sqlite3.connect(out / CACHE_NAME) as db:
        db.execute("DELETE FROM articles")
    again = run_batch(tree, out, FakeTranslator(), quiet=True)
    assert again.cached_sentences == 5 and again.translated_sentences == 0
    assert jsonl_rows(out / "one" / "one.jsonl") == first


def test_a_cache_from_before_confidence_still_loads(tree, tmp_path):
    out = tmp_path / "out"
    run_batch(tree, out, ConfidentTranslator(), quiet=True)
    with sqlite3.connect(out / CACHE_NAME) as db:  # the layout of schema 2: no confidence column
        db.execute("ALTER TABLE sentences DROP COLUMN confidence")
        db.execute("DELETE FROM articles")
        db.execute("PRAGMA user_version = 2")
    summary = run_batch(tree, out, ConfidentTranslator(), quiet=True)
    assert summary.ok and summary.cached_sentences == 5 and summary.translated_sentences == 0  # all reused
    assert [row["confidence"] for row in jsonl_rows(out / "one" / "one.jsonl")] == [None] * 3  # none was kept
    with sqlite3.connect(out / CACHE_NAME) as db:
        assert "confidence" in [row[1] for row in db.execute("PRAGMA table_info(sentences)")]


def test_other_identity_is_not_skipped(tree, tmp_path):
    run_batch(tree, tmp_path / "out", FakeTranslator(), quiet=True)
    other = FakeTranslator()
    other.identity = "fake-model|beam=4"
    summary = run_batch(tree, tmp_path / "out", other, quiet=True)
    assert {a.status for a in summary.articles} == {"translated"} and len(other.calls) == 1


def test_bad_articles_are_listed_and_do_not_stop_the_batch(tree, tmp_path):
    (tree / "empty.txt").write_text("   \n")
    (tree / "binary.txt").write_bytes(b"\x00\x01\x02abc")
    summary = run_batch(tree, tmp_path / "out", FakeTranslator(), quiet=True)
    assert not summary.ok
    failed = {a.relpath: a.reason for a in summary.failed}
    assert set(failed) == {"empty.txt", "binary.txt"} and all(failed.values())
    data = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert data["counts"] == {"translated": 3, "skipped": 0, "failed": 2, "pending": 0}


def test_interrupt_keeps_finished_chunks(tree, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(Interrupted):
        run_batch(tree, out, FakeTranslator(interrupt_at=1), quiet=True, chunk_sentences=1)
    translator = FakeTranslator()
    summary = run_batch(tree, out, translator, quiet=True, chunk_sentences=1)
    assert [a.status for a in summary.articles] == ["skipped", "translated", "translated"]
    assert "Sembilan." not in [s for call in translator.calls for s in call]


def test_interrupt_keeps_the_sentences_already_translated_and_says_so(tree, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(Interrupted, match=r"interrupted: 0 of 3 articles finished and 3 newly translated"):
        run_batch(tree, out, FakeTranslator(interrupt_at=3), quiet=True)  # one chunk of 5 sentences
    data = json.loads((out / "summary.json").read_text())
    assert data["interrupted"] and data["counts"]["pending"] == 3
    translator = FakeTranslator()
    summary = run_batch(tree, out, translator, quiet=True)
    assert summary.ok and [len(call) for call in translator.calls] == [2]  # the 3 kept ones are not redone
    assert summary.cached_sentences == 3 and summary.translated_sentences == 2
    data = json.loads((out / "summary.json").read_text())
    assert data["job"] == {"runs": 2, "translated_sentences": 5, "seconds": data["job"]["seconds"]}
    assert data["last_run"]["translated_sentences"] == 2


def test_second_batch_on_same_outdir_is_refused(tree, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(UserError, match="another batch"):
            run_batch(tree, out, FakeTranslator(), quiet=True)


def test_corrupt_cache_is_set_aside_and_rebuilt(tree, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".cache.sqlite").write_bytes(b"not a database" * 100)
    summary = run_batch(tree, tmp_path / "out", FakeTranslator(), quiet=True)
    assert summary.ok and (tmp_path / "out" / ".cache.sqlite.damaged").read_bytes() == b"not a database" * 100


@pytest.mark.parametrize("article, reference", [
    ("a/b.txt", "a/b.txt"), ("a/b.txt", "a/b.en.txt"), ("a/b.id.txt", "a/b.en.txt"), ("b.md", "b.txt"),
    ("b.md", "b.en.md"), ("b.txt", None),
])
def test_find_reference(tmp_path, article, reference):
    if reference:
        (tmp_path / reference).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / reference).write_text("x")
    (tmp_path / "other.en.txt").write_text("x")
    found = find_reference(tmp_path, Path(article))
    assert found == (tmp_path / reference if reference else None)


def test_articles_with_the_same_output_folder(tree, tmp_path):
    (tree / "one.id.txt").write_text("Lain.", encoding="utf-8")
    summary = run_batch(tree, tmp_path / "out", FakeTranslator(), quiet=True)
    assert [(a.relpath, a.reason) for a in summary.failed] == [("one.txt", "same output folder as one.id.txt")]


def test_outdir_inside_indir_is_not_read(tree):
    run_batch(tree, tree / "out", FakeTranslator(), quiet=True)
    summary = run_batch(tree, tree / "out", FakeTranslator(), quiet=True)
    assert len(summary.articles) == 3


def test_user_errors_for_the_whole_run(tree, tmp_path):
    with pytest.raises(UserError, match="input folder not found"):
        run_batch(tmp_path / "missing", tmp_path / "out", FakeTranslator(), quiet=True)
    with pytest.raises(UserError, match="no files matching"):
        run_batch(tree, tmp_path / "out", FakeTranslator(), glob="*.docx", quiet=True)
    with pytest.raises(UserError, match="must differ"):
        run_batch(tree, tree, FakeTranslator(), quiet=True)


def test_references_give_article_and_corpus_scores(tree, tmp_path):
    refs = tmp_path / "refs"
    (refs / "a" / "b").mkdir(parents=True)
    (refs / "one.en.txt").write_text("EN Satu dua. EN Tiga empat.\n\nEN Lima enam.", encoding="utf-8")
    (refs / "a" / "b" / "three.en.txt").write_text("EN Sembilan sekali.", encoding="utf-8")
    summary = run_batch(tree, tmp_path / "out", FakeTranslator(), references=refs, quiet=True)
    by_name = {a.relpath: a for a in summary.articles}
    assert by_name["one.txt"].reference == "one.en.txt" and by_name["one.txt"].scores.chrf == 100.0
    assert by_name["a/b/three.id.txt"].reference == "a/b/three.en.txt"
    assert by_name["a/two.md"].scores is None
    # the .en.txt and its reference have as many lines: scored line by line, as sacrebleu would
    hyps = ["EN Sembilan.", "EN Satu dua. EN Tiga empat.", "", "EN Lima enam."]
    refs_lines = ["EN Sembilan sekali.", "EN Satu dua. EN Tiga empat.", "", "EN Lima enam."]
    expected = sacrebleu.corpus_chrf(hyps, [refs_lines]).score
    assert summary.corpus.chrf == pytest.approx(expected)
    rerun = run_batch(tree, tmp_path / "out", FakeTranslator(), references=refs, quiet=True)
    assert rerun.corpus.chrf == pytest.approx(expected)
    data = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert data["corpus"]["chrf"] == pytest.approx(expected)


def test_model_slug():
    assert model_slug("Helsinki-NLP/opus-mt-id-en") == "Helsinki-NLP--opus-mt-id-en"
    assert model_slug("opus-mt") == "opus-mt"
    slugs = {model_slug(name) for name in ("models/m x", "models/m-x", "./opus-mt", "opus-mt", "/models/my model/")}
    assert len(slugs) == 5  # unique
    assert model_slug("/models/my model/").startswith("models--my-model-")
    assert model_slug("models/m x") == model_slug("models/m x")  # stable
    assert model_slug("///").startswith("model-")
    assert model_slug("index.html").startswith("index.html-") and model_slug("summary.json") != "summary.json"


def test_progress_and_printed_summary(tree, tmp_path):
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "one.txt").write_text("EN Satu dua. EN Tiga empat.\n\nEN Lima enam.", encoding="utf-8")
    (tree / "empty.txt").write_text("")
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    summary = run_batch(tree, tmp_path / "out", FakeTranslator(), references=refs, console=console)
    assert "sentences" in console.file.getvalue()
    console = Console(file=io.StringIO(), width=120)
    print_batch_summary(summary, console)
    text = console.file.getvalue()
    assert "corpus" in text and "empty.txt: is empty" in text and "3 translated, 0 skipped, 1 failed" in text


def test_real_tiny_model_end_to_end(marian_dir, tree, tmp_path):
    from translate_cli.compare import compare_runs
    from translate_cli.models import resolve_model
    from translate_cli.translate import load_translator

    translator = load_translator(resolve_model(str(marian_dir)), backend="transformers", beam=1, device="cpu")
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    summary = run_batch(tree, tmp_path / "out", translator, console=console)
    assert summary.ok and summary.translated_sentences == 5 and summary.model == translator.label
    assert "5/5" in console.file.getvalue()
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "one.txt").write_text("One two. Three four.\n\nFive six.", encoding="utf-8")
    comparison = compare_runs([tmp_path / "out"], refs, n_samples=20)
    assert [a.article for a in comparison.articles] == ["one"]


def test_run_models_runs_each_model_in_its_folder_and_says_what_failed(tree, tmp_path):
    from translate_cli.batch_runs import failures, run_models

    (tree / "english.txt").write_text("The city was calm on Monday after the clashes of the week.", encoding="utf-8")
    opened, heard = [], []

    def open_model(name):
        opened.append(name)
        return FakeTranslator()

    out = tmp_path / "out"
    runs = run_models(str(tree), str(out), ["org/model", "other"], open_model, quiet=True, on_summary=heard.append)
    assert opened == ["org/model", "other"]
    assert [run.target for run in runs] == [out / model_slug("org/model"), out / "other"]
    assert heard == [run.summary for run in runs]
    assert [run.summary.counts()["translated"] for run in runs] == [3, 3]
    assert failures(runs) == "; ".join(f"1 of 4 articles failed; see {run.target / 'summary.json'}" for run in runs)
    assert failures(runs[:0]) is None


def test_models_index_is_kept_off_a_folder_or_run_of_its_name(tree, tmp_path):
    from translate_cli.batch import write_models_index
    from translate_cli.batch_runs import run_models

    out = tmp_path / "out"
    run_batch(tree, out / "index.html", FakeTranslator(), quiet=True)  # a run of its own, in a folder named like it
    runs = run_models(str(tree), str(out), ["a", "b"], lambda name: FakeTranslator(), quiet=True)
    assert [run.summary.ok for run in runs] == [True, True] and (out / "index.html").is_dir()
    assert 'href="../index.html"' not in (out / "a" / "index.html").read_text(encoding="utf-8")
    assert not write_models_index(out / "a")  # a run itself
    shutil.rmtree(out / "index.html")
    assert write_models_index(out)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="a/index.html"' in page and 'href="b/index.html"' in page


def test_interrupted_run_over_several_models_is_in_their_index(tree, tmp_path):
    from translate_cli.batch_runs import run_models

    out = tmp_path / "out"
    with pytest.raises(Interrupted):
        run_models(str(tree), str(out), ["a", "b"], lambda name: FakeTranslator(interrupt_at=2), quiet=True)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="a/index.html"' in page and "b/index.html" not in page
    assert 'href="../index.html"' in (out / "a" / "index.html").read_text(encoding="utf-8")
