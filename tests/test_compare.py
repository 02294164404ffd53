import io
import json
import re
from pathlib import Path

import pytest
import sacrebleu
from rich.console import Console
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.significance import PairedTest

from translate_cli.analysis import (
    FREQUENCY_CUTOFFS,
    bucket_labels,
    ngram_differences,
    ngram_matches,
    score_buckets,
    word_accuracy,
    word_changes,
    word_frequencies,
)
from translate_cli.batch import run_batch
from translate_cli.compare import (
    MetricResult,
    compare_runs,
    metric_cell,
    shared_segments,
    significant,
    to_json,
    write_html,
)
from translate_cli.compare_load import article_key
from translate_cli.compare_report import UNALIGNED, render_terminal
from translate_cli.errors import UserError
from translate_cli.records import Bead
from translate_cli.score import group_texts, regroup, score_texts, sentence_chrf

WORDS = "ekonomi politik banjir pasar sekolah rumah sakit kota desa jalan listrik internet".split()
# article -> sentences (distinct, so every alignment is 1-1); lengths vary for the length buckets
ARTICLES = {
    f"art{a}": [f"Kalimat {WORDS[(a + i) % len(WORDS)]} nomor {a}{i} " + " ".join(WORDS[: (i * 5) % 12]) + "."
                for i in range(8)]
    for a in range(3)
}


def system_a(s):
    return f"The {s.replace('Kalimat', 'sentence')}"


def system_b(s):
    return f"A {s.replace('nomor', 'number')}"


def reference(s):
    return f"The {s.replace('Kalimat', 'sentence').replace('nomor', 'number')}"


class Fake:
    def __init__(self, name, fn):
        self.identity = self.label = name
        self.fn = fn

    def translate(self, sentences, progress=None, on_translated=None):
        return [self.fn(s) for s in sentences]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("cmp")
    indir, refs = root / "in" / "news", root / "refs" / "news"
    indir.mkdir(parents=True)
    refs.mkdir(parents=True)
    for name, sents in ARTICLES.items():
        (indir / f"{name}.id.txt").write_text(" ".join(sents), encoding="utf-8")
        # one reference sentence a line: the one-paragraph translations are aligned to them sentence by sentence
        (refs / f"{name}.en.txt").write_text("\n".join(reference(s) for s in sents) + "\n", encoding="utf-8")
    (indir / "extra.txt").write_text("Kalimat tambahan saja.", encoding="utf-8")
    for name, fn in [("sys-a", system_a), ("sys-b", system_b)]:
        run_batch(root / "in", root / name, Fake(name, fn), quiet=True, force=True)  # word salad, not Indonesian
    return root


def flat(fn):
    return [fn(s) for sents in ARTICLES.values() for s in sents]


def test_scores_equal_sacrebleu(runs):
    comparison = compare_runs([runs / "sys-a", runs / "sys-b"], runs / "refs", n_samples=200)
    refs = flat(reference)
    a, b = comparison.systems
    assert (a.name, b.name) == ("sys-a", "sys-b")
    for system, fn in [(a, system_a), (b, system_b)]:
        hyps = flat(fn)
        assert system.metrics["BLEU"].score == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs]).score)
        assert system.metrics["chrF"].score == pytest.approx(sacrebleu.corpus_chrf(hyps, [refs]).score)
        assert system.metrics["chrF++"].score == pytest.approx(
            sacrebleu.corpus_chrf(hyps, [refs], word_order=2).score)
        assert system.metrics["TER"].score == pytest.approx(sacrebleu.corpus_ter(hyps, [refs]).score)

    metrics = {"BLEU": BLEU(), "chrF": CHRF(), "chrF++": CHRF(word_order=2), "TER": TER()}
    _, direct = PairedTest([("a", flat(system_a)), ("b", flat(system_b))], metrics, [refs],
                           test_type="bs", n_samples=200)()
    for label, column in zip(metrics, list(direct.values())[1:]):
        assert a.metrics[label].p_value is None
        assert a.metrics[label].ci == pytest.approx(column[0].ci)
        assert b.metrics[label].p_value == pytest.approx(column[1].p_value)
        assert b.metrics[label].ci == pytest.approx(column[1].ci)
        assert b.metrics[label].mean == pytest.approx(column[1].mean)


def test_articles_buckets_and_differences(runs):
    comparison = compare_runs([runs / "sys-a", runs / "sys-b"], runs / "refs", n_samples=100)
    assert [a.article for a in comparison.articles] == ["news/art0", "news/art1", "news/art2"]
    art0 = comparison.articles[0]
    hyps, refs = [system_a(s) for s in ARTICLES["art0"]], [reference(s) for s in ARTICLES["art0"]]
    assert art0.segments == 8 and art0.chrf[0] == pytest.approx(sacrebleu.corpus_chrf(hyps, [refs]).score)
    assert comparison.skipped == {"news/extra": "no reference"}
    assert sum(b.segments for b in comparison.buckets) == 24
    assert [b.label for b in comparison.buckets] == sorted((b.label for b in comparison.buckets),
                                                           key=lambda x: int(x.split("-")[0].rstrip("+")))
    diffs = comparison.differences
    assert diffs and diffs[0].spread >= diffs[-1].spread
    assert len(diffs[0].hypotheses) == 2


def test_outputs(runs, tmp_path):
    comparison = compare_runs([runs / "sys-a", runs / "sys-b"], runs / "refs", n_samples=100)
    data = json.loads(json.dumps(to_json(comparison)))
    assert data["systems"][1]["metrics"]["chrF"]["p_value"] is not None and "spread" in data["differences"][0]
    assert data["differences"][0]["source"] and data["differences"][0]["changes"]
    assert data["word_accuracy"] and data["score_buckets"] and data["ngrams"][0]["first_better"]
    assert data["articles"][0]["pages"][0].endswith("art0.html")
    console = Console(file=io.StringIO(), width=150)
    render_terminal(comparison, console)
    text = console.file.getvalue()
    assert "sys-b" in text and "news/art1" in text and "TER: lower is better" in text
    assert "Word F-measure by frequency" in text and "N-grams matched more often" in text
    assert "Kalimat" in text  # the source beside the examples
    report = tmp_path / "report" / "report.html"
    report.parent.mkdir()
    write_html(comparison, report)
    page = report.read_text(encoding="utf-8")
    charts = 4 + len(comparison.buckets) + len(comparison.score_buckets) + len(comparison.word_accuracy)
    assert page.count("<svg") == 5 and page.count("<rect") == 2 * charts  # scores, length, scatter, histogram, words
    assert page.count("<path") == 2 * 4  # a 95% interval per system and metric
    assert page.count("<circle") == 2 * len(comparison.lengths) == 2 * sum(b.segments for b in comparison.buckets)
    assert len(comparison.sentence_chrf) == len(comparison.lengths)
    for axis in ("reference length (words)", "sentence chrF (0–100)", "segments (count)", "word F-measure (0–1)"):
        assert axis in page  # axis titles with units
    assert "<script" not in page and "<link" not in page and "src=" not in page and "http" not in page
    links = re.findall(r'href="([^"]+)"', page)
    pages = [link for link in links if not link.startswith("#")]
    assert len(pages) >= 2 * len(comparison.articles)
    assert all(not link.startswith("/") and (report.parent / link).resolve().is_file() for link in pages)
    assert "lower is better" in page and "<mark>" in page and 'lang="id"' in page


def test_examples_carry_their_source_and_word_changes(runs):
    comparison = compare_runs([runs / "sys-a", runs / "sys-b"], runs / "refs", n_samples=50)
    source_of = {reference(s): s for sents in ARTICLES.values() for s in sents}
    for diff in comparison.differences:
        assert diff.source == source_of[diff.reference]
        (first, second) = diff.changes
        assert " ".join(text for text, _ in first) == diff.hypotheses[0]
        assert ("The", True) in [(text.split()[0], flag) for text, flag in first]
        assert any(flag and "number" in text for text, flag in second)


def test_word_changes_mark_only_differing_words():
    first, second = word_changes(["the cat sat", "the dog sat down"])
    assert first == [("the", False), ("cat", True), ("sat", False)]
    assert second == [("the", False), ("dog", True), ("sat", False), ("down", True)]
    assert word_changes(["alone here"]) == [[("alone here", False)]]


def test_word_accuracy_follows_compare_mt():
    # compare-mt FreqWordBucketer/calc_statistics on a hand-checked case
    refs, hyps = ["a b b c", "a d"], ["a b c c", "x d"]
    frequencies = word_frequencies(refs)  # a:2 b:2 c:1 d:1
    buckets = {b.label: b for b in word_accuracy(refs, [hyps], frequencies)}
    assert list(buckets) == ["<1", "1", "2"]
    assert bucket_labels(FREQUENCY_CUTOFFS, integers=True) == [
        "<1", "1", "2", "3", "4", "[5,10)", "[10,100)", "[100,1000)", ">=1000"]
    assert buckets["<1"].ref_words == 0 and buckets["<1"].out_words == [1] and buckets["<1"].fmeasure == [0.0]
    one = buckets["1"]  # ref: c, d; output: c c d; matched: c, d
    assert (one.ref_words, one.out_words, one.recall[0]) == (2, [3], 1.0)
    assert one.precision[0] == pytest.approx(2 / 3) and one.fmeasure[0] == pytest.approx(0.8)
    two = buckets["2"]  # ref: a a b b; output: a b; matched: a b
    assert (two.ref_words, two.precision[0], two.recall[0]) == (4, 1.0, 0.5)


def test_ngram_differences_use_compare_mt_salience():
    refs = ["the cat sat", "a dog ran"]
    first = ngram_matches(refs, ["the cat sat", "a cat ran"])
    second = ngram_matches(refs, ["a cat sat", "a dog ran"])
    pair = ngram_differences(("A", "B"), first, second)
    top = {d.ngram: d for d in pair.first_better}
    assert top["the"].matches == [1, 0] and top["the"].salience == pytest.approx(2 / 3)
    assert "cat sat" not in top  # both match it once
    assert {d.ngram for d in pair.second_better} >= {"dog", "a dog", "dog ran", "a dog ran"}
    assert all(d.matches[1] > d.matches[0] for d in pair.second_better)
    saliences = [d.salience for d in pair.first_better]
    assert saliences == sorted(saliences, reverse=True)


def test_score_buckets_count_segments_per_system():
    buckets = score_buckets([[5.0, 95.0], [15.0, 90.0], [9.99, 50.0]])
    counts = {b.label: b.segments for b in buckets}
    assert counts["<10"] == [2, 0] and counts["[10,20)"] == [1, 0] and counts[">=90"] == [0, 2]
    assert counts["[50,60)"] == [0, 1] and sum(sum(c) for c in counts.values()) == 6


def test_frequency_corpus_moves_words_between_buckets(runs, tmp_path):
    corpus = tmp_path / "train.en"
    corpus.write_text("The sentence number\n" * 150, encoding="utf-8")
    comparison = compare_runs([runs / "sys-a", runs / "sys-b"], runs / "refs", n_samples=20, frequency_corpus=corpus)
    assert comparison.frequency_source == str(corpus)
    labels = [b.label for b in comparison.word_accuracy]
    assert "[100,1000)" in labels and "<1" in labels
    with pytest.raises(UserError, match="frequency corpus not found"):
        compare_runs([runs / "sys-a"], runs / "refs", frequency_corpus=tmp_path / "missing.txt")


def test_star_only_where_the_shown_scores_differ():
    baseline = MetricResult(50.02, 50.0, 1.0)
    assert not significant(MetricResult(49.98, 50.0, 1.0, p_value=0.001), baseline)  # both show 50.0
    assert significant(MetricResult(49.9, 49.9, 1.0, p_value=0.001), baseline)
    assert not significant(MetricResult(40.0, 40.0, 1.0, p_value=0.2), baseline)
    assert metric_cell(MetricResult(49.98, 50.0, 1.0, p_value=0.001), baseline).endswith(")")


def test_single_reference_file_and_flat_translate_layout(runs, tmp_path):
    run = tmp_path / "translate-run"
    run.mkdir()
    for src in (runs / "sys-a" / "news" / "art1").iterdir():
        (run / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    comparison = compare_runs([run], runs / "refs" / "news" / "art1.en.txt", n_samples=50)
    assert [a.article for a in comparison.articles] == ["art1"] and comparison.differences == []


def test_identical_system_is_not_significant(runs):
    comparison = compare_runs([runs / "sys-a", runs / "sys-a" / "."], runs / "refs", n_samples=50)
    assert [s.name for s in comparison.systems] == ["sys-a", "sys-a (2)"]  # distinct labels
    assert {m.p_value for m in comparison.systems[1].metrics.values()} == {1.0}


def test_errors(runs, tmp_path):
    with pytest.raises(UserError, match="run folder not found"):
        compare_runs([tmp_path / "nope"], runs / "refs")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match=r"empty: not a translate or batch output folder \(it holds no \*\.en\.txt"):
        compare_runs([tmp_path / "empty"], runs / "refs")
    with pytest.raises(UserError, match="share no article"):
        compare_runs([runs / "sys-a"], tmp_path)
    with pytest.raises(UserError, match="one article each"):
        compare_runs([runs / "sys-a"], runs / "refs" / "news" / "art1.en.txt")


def test_shared_segments_follow_every_regrouping():
    hyps = [["h0", "h1", "h2"], ["g0", "g1", "g2"]]
    ref = ["r0", "r1", "r2", "r3"]
    beads = [
        [Bead((0,), (0,), 1), Bead((1,), (1, 2), 1), Bead((2,), (3,), 1)],
        [Bead((0,), (0,), 1), Bead((1,), (1,), 1), Bead((), (2,), 0), Bead((2,), (), 0), Bead((), (3,), 0)],
    ]
    systems = [regroup(b, h, ref) for b, h in zip(beads, hyps)]
    assert systems[1].hyps == ["g0", "g1", "", ""] and systems[1].uncovered == 1  # g2: after the last aligned
    first, second = shared_segments(systems)
    assert group_texts(first, hyps[0], ref) == (["h0", "h1", "h2"], ["r0", "r1 r2", "r3"])
    assert group_texts(second, hyps[1], ref) == (["g0", "g1", ""], ["r0", "r1 r2", "r3"])
    assert shared_segments(systems[:1]) == [systems[0].groups]  # one system keeps its own segments


@pytest.mark.parametrize("path, run, key", [
    ("a/b/b.en.txt", True, "a/b"),
    ("a/b/three.id/three.id.en.txt", True, "a/b/three"),
    ("b.en.txt", True, "b"),
    ("a/b/b.txt", False, "a/b/b"),
    ("a/three.en.md", False, "a/three"),
    ("a/b.en.html", False, "a/b"),  # references in the formats batch reads, and its summary's relpaths
    ("a/film.srt", False, "a/film"),
])
def test_article_key(path, run, key):
    assert article_key(Path(path), run) == key


def copy_run(runs, tmp_path) -> Path:
    import shutil

    return Path(shutil.copytree(runs / "sys-a", tmp_path / "sys-a"))


@pytest.mark.parametrize("damage, reason", [
    (lambda text: text[: len(text) // 2], "is not a translate-cli row (truncated or edited?)"),
    (lambda text: text.replace('"tgt_text"', '"other"'), "line 1 is not a translate-cli row"),
    (lambda text: "", "is empty"),
])
def test_damaged_jsonl_leaves_the_article_out_with_a_reason(runs, tmp_path, damage, reason):
    run = copy_run(runs, tmp_path)
    jsonl = run / "news" / "art1" / "art1.jsonl"
    jsonl.write_text(damage(jsonl.read_text(encoding="utf-8")), encoding="utf-8")
    comparison = compare_runs([run], runs / "refs", n_samples=20)
    assert [a.article for a in comparison.articles] == ["news/art0", "news/art2"]
    assert reason in comparison.skipped["news/art1"]


def test_jsonl_rows_split_on_newline_only(runs, tmp_path):
    run = copy_run(runs, tmp_path)
    jsonl = run / "news" / "art1" / "art1.jsonl"
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").split("\n") if line]
    rows[0]["tgt_text"] = "The sentence\u2028with a line separator"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    comparison = compare_runs([run], runs / "refs", n_samples=20)
    assert "news/art1" not in comparison.skipped


def test_outputs_of_an_article_that_failed_in_the_last_batch_are_left_out(runs, tmp_path):
    run = copy_run(runs, tmp_path)
    source = tmp_path / "in" / "news"
    source.mkdir(parents=True)
    for name, sents in ARTICLES.items():
        (source / f"{name}.id.txt").write_text(" ".join(sents), encoding="utf-8")
    (source / "art1.id.txt").write_text("")  # emptied since the first run: it fails now
    run_batch(tmp_path / "in", run, Fake("sys-a", system_a), quiet=True, force=True)
    assert (run / "news" / "art1" / "art1.en.txt").is_file()  # the old outputs are still there
    comparison = compare_runs([run], runs / "refs", n_samples=20)
    assert [a.article for a in comparison.articles] == ["news/art0", "news/art2"]
    assert "marked it failed (is empty)" in comparison.skipped["news/art1"]
    assert "not part of the last batch run" in comparison.skipped["news/extra"]


def test_examples_pair_a_system_that_merged_sentences_or_lost_a_full_stop_with_its_own_text(tmp_path):
    english = (Path(__file__).parent / "data" / "almaty-back-online.en.txt").read_text(encoding="utf-8")
    reference = [line for line in english.splitlines() if line.strip()][1:13]
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "a.en.txt").write_text("\n".join(reference) + "\n", encoding="utf-8")
    merged = list(reference)
    merged[3:5] = [merged[3].rstrip(".") + ", and " + merged[4][0].lower() + merged[4][1:]]  # two joined in one
    merged[7] = merged[7].rstrip(".")  # a lost full stop
    for name, sentences in (("good", reference), ("merging", merged)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.en.txt").write_text(" ".join(sentences) + "\n", encoding="utf-8")
    comparison = compare_runs([tmp_path / "good", tmp_path / "merging"], tmp_path / "refs", n_samples=20)
    assert comparison.differences
    for diff in comparison.differences:  # every example pairs each system with its own text for that reference
        assert all(hypothesis.strip() for hypothesis in diff.hypotheses), diff
        assert min(diff.chrf) > 50, diff


def test_a_systems_scores_do_not_depend_on_the_others_compared(tmp_path):
    english = (Path(__file__).parent / "data" / "almaty-back-online.en.txt").read_text(encoding="utf-8")
    reference = [line for line in english.splitlines() if line.strip()][1:13]
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "a.en.txt").write_text("\n".join(reference) + "\n", encoding="utf-8")
    paraphrase = [s.replace(" the ", " a ").replace("said", "told") for s in reference]
    merged = list(reference)
    merged[3:5] = [merged[3].rstrip(".") + ", and " + merged[4][0].lower() + merged[4][1:]]  # two joined in one
    for name, sentences in (("para", paraphrase), ("merging", merged)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.en.txt").write_text(" ".join(sentences) + "\n", encoding="utf-8")
    alone = compare_runs([tmp_path / "para"], tmp_path / "refs", n_samples=20)
    beside = compare_runs([tmp_path / "para", tmp_path / "merging"], tmp_path / "refs", n_samples=20)
    expected = score_texts((tmp_path / "para" / "a.en.txt").read_text(), (tmp_path / "refs" / "a.en.txt").read_text())
    for comparison in (alone, beside):
        para = comparison.systems[0].metrics
        assert (para["BLEU"].score, para["chrF"].score, para["chrF++"].score, para["TER"].score) == (
            expected.bleu, expected.chrf, expected.chrfpp, expected.ter)  # as score and translate give it
    assert (alone.articles[0].segments, alone.articles[0].chrf[0], alone.articles[0].bleu[0]) == (
        beside.articles[0].segments, beside.articles[0].chrf[0], beside.articles[0].bleu[0]) == (
        len(reference), expected.chrf, expected.bleu)
    assert sum(bucket.segments for bucket in beside.buckets) < len(reference)  # the test's shared segments merged


def test_line_by_line_systems_take_their_chrf_from_the_line_check(tmp_path):
    english = (Path(__file__).parent / "data" / "almaty-back-online.en.txt").read_text(encoding="utf-8")
    reference = [line for line in english.splitlines() if line.strip()][1:13]
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "a.en.txt").write_text("\n".join(reference) + "\n", encoding="utf-8")
    systems = {"para": [s.replace(" the ", " a ").replace("said", "told") for s in reference],
               "short": [" ".join(s.split()[:-3]) for s in reference[:-1]] + [""]}
    for name, lines in systems.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.en.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    comparison = compare_runs([tmp_path / "para", tmp_path / "short"], tmp_path / "refs", n_samples=20)
    assert len(comparison.sentence_chrf) == len(reference)  # scored line by line
    assert comparison.sentence_chrf == [[sentence_chrf(lines[i], ref) for lines in systems.values()]
                                        for i, ref in enumerate(reference)]  # to the last digit
    assert comparison.articles[0].chrf == [sacrebleu.corpus_chrf(lines, [reference]).score
                                           for lines in systems.values()]
    assert len(comparison.buckets) > 1
    for bucket in comparison.buckets:
        low, _, high = bucket.label.rstrip("+").partition("-")
        rows = [i for i, ref in enumerate(reference) if int(low) <= len(ref.split()) <= int(high or 10**6)]
        assert bucket.segments == len(rows) and bucket.chrf == [
            sacrebleu.corpus_chrf([lines[i] for i in rows], [[reference[i] for i in rows]]).score
            for lines in systems.values()]


def test_references_in_the_articles_own_format_as_batch_finds_them(tmp_path):
    sentences = ARTICLES["art0"]
    page = ("<html><head><title>Berita</title></head><body><article>"
            + "".join(f"<p>{s}</p>" for s in sentences[:4]) + "</article></body></html>")
    ref_page = ("<html><head><title>News</title></head><body><article>"
                + "".join(f"<p>{reference(s)}</p>" for s in sentences[:4]) + "</article></body></html>")
    cue = "{n}\n00:00:0{n},000 --> 00:00:0{n},900\n{text}\n"
    (tmp_path / "in").mkdir()
    (tmp_path / "refs").mkdir()
    (tmp_path / "in" / "halaman.html").write_text(page, encoding="utf-8")
    (tmp_path / "refs" / "halaman.en.html").write_text(ref_page, encoding="utf-8")
    (tmp_path / "in" / "film.srt").write_text(
        "\n".join(cue.format(n=n, text=s) for n, s in enumerate(sentences[4:], 1)), encoding="utf-8")
    (tmp_path / "refs" / "film.en.srt").write_text(
        "\n".join(cue.format(n=n, text=reference(s)) for n, s in enumerate(sentences[4:], 1)), encoding="utf-8")
    run_batch(tmp_path / "in", tmp_path / "sys-a", Fake("sys-a", system_a), references=tmp_path / "refs",
              quiet=True, force=True)
    summary = json.loads((tmp_path / "sys-a" / "summary.json").read_text(encoding="utf-8"))
    assert {a["relpath"]: a["reference"] for a in summary["articles"]} == {
        "film.srt": "film.en.srt", "halaman.html": "halaman.en.html"}  # batch found them
    comparison = compare_runs([tmp_path / "sys-a"], tmp_path / "refs", n_samples=20)
    assert [a.article for a in comparison.articles] == ["film", "halaman"] and not comparison.skipped
    assert all(a.chrf[0] > 50 for a in comparison.articles)


def test_plain_hypothesis_files_with_names_through_the_cli_wrap_in_a_file(runs, tmp_path, monkeypatch, capsys):
    from tests.cli_run import run

    sents = ARTICLES["art0"]
    ref = tmp_path / "test.en"
    ref.write_text("".join(reference(s) + "\n" for s in sents), encoding="utf-8")
    h1, h2 = tmp_path / "H1.txt", tmp_path / "H2.txt"
    h1.write_text("".join(system_a(s) + " " + "panjang" * 40 + "\n" for s in sents), encoding="utf-8")
    h2.write_text("".join(system_b(s) + "\n" for s in sents), encoding="utf-8")
    monkeypatch.delenv("COLUMNS", raising=False)
    code, out, err = run(["compare", h1, h2, "-r", ref, "--names", "base,new"], monkeypatch, capsys)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 120  # piped: wrapped, not thousands of columns
    assert "base" in out and "new" in out and "H1.txt" in out  # the names, and the paths they stand for
    assert "panjang" in out.replace("\n", "").replace("│", "").replace(" ", "")  # folded, not cut
    monkeypatch.setenv("COLUMNS", "wide")  # not a number: the default width, no traceback
    code, out, err = run(["compare", h1, h2, "-r", ref], monkeypatch, capsys)
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 120 and "Traceback" not in err
    code, out, err = run(["compare", h1, h2, "-r", ref, "--names", "one", "--json"], monkeypatch, capsys)
    assert code == 1 and "1 names for 2 systems" in err and "Traceback" not in err


def test_folders_of_several_models_are_one_system_each_with_their_model(runs, tmp_path):
    import shutil

    multi = tmp_path / "multi"  # as batch -m A -m B writes it: OUTDIR/<model>/
    for name in ("sys-a", "sys-b"):
        shutil.copytree(runs / name, multi / name)
    comparison = compare_runs([multi], runs / "refs", n_samples=20)
    assert [(s.name, s.model) for s in comparison.systems] == [("sys-a", "sys-a"), ("sys-b", "sys-b")]
    single = tmp_path / "single"  # as translate -m A -m B -o DIR writes it: DIR/<model>/<stem>.*
    for name in ("m1", "m2"):
        shutil.copytree(runs / "sys-a" / "news" / "art1", single / name)
    comparison = compare_runs([single], runs / "refs" / "news" / "art1.en.txt", n_samples=20)
    assert [s.name for s in comparison.systems] == ["m1", "m2"]
    assert comparison.systems[0].model == "sys-a"  # from the Markdown view's Model line


def test_same_named_folders_get_distinct_labels(runs, tmp_path):
    import shutil

    for parent in ("x", "y"):
        shutil.copytree(runs / "sys-a", tmp_path / parent / "out")
    comparison = compare_runs([tmp_path / "x" / "out", tmp_path / "y" / "out"], runs / "refs", n_samples=20)
    assert [s.name for s in comparison.systems] == ["x/out", "y/out"]


def test_alignment_made_empty_hypotheses_are_marked(tmp_path):
    english = (Path(__file__).parent / "data" / "almaty-back-online.en.txt").read_text(encoding="utf-8")
    reference = [line for line in english.splitlines() if line.strip()][1:13]
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "a.en.txt").write_text("\n".join(reference) + "\n", encoding="utf-8")
    for name, sentences in (("good", reference), ("lossy", reference[:5] + reference[6:])):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.en.txt").write_text(" ".join(sentences) + "\n", encoding="utf-8")
    comparison = compare_runs([tmp_path / "good", tmp_path / "lossy"], tmp_path / "refs", n_samples=20)
    lost = [d for d in comparison.differences if d.reference == reference[5]]
    assert lost and lost[0].unaligned == [False, True] and lost[0].hypotheses[1] == ""
    assert all(not any(d.unaligned) for d in comparison.differences if d is not lost[0])
    console = Console(file=io.StringIO(), width=200)
    render_terminal(comparison, console)
    assert UNALIGNED in console.file.getvalue()


def test_a_report_in_a_batch_folder_is_linked_from_its_index_and_article_pages_and_links_back(runs, tmp_path,
                                                                                         monkeypatch, capsys):
    from cli_run import run

    outdir = copy_run(runs, tmp_path)
    source = tmp_path / "in" / "news"
    source.mkdir(parents=True)
    for name, sents in ARTICLES.items():
        (source / f"{name}.id.txt").write_text(" ".join(sents), encoding="utf-8")
    (source / "art1.id.txt").write_text("")  # it fails, with its reason
    (source / "art2.id.txt").rename(source / "art2.id.md")  # a document: its translation is linked too
    run_batch(tmp_path / "in", outdir, Fake("sys-a", system_a), quiet=True, force=True)
    before = (outdir / "index.html").read_text(encoding="utf-8")
    assert 'href="news/art2/art2.en.md">md</a>' in before
    code, _, err = run(["compare", outdir, "-r", runs / "refs", "--html", outdir / "compare.html"], monkeypatch, capsys)
    assert code == 0 and f"linked from {outdir / 'index.html'}" in err, err
    index = (outdir / "index.html").read_text(encoding="utf-8")
    assert 'Reports: <a href="compare.html">compare.html</a>' in index
    assert [line for line in index.splitlines() if "Reports:" not in line] == before.splitlines()  # else the same
    assert index.count("is empty") == 1  # the failure's reason, once
    report = (outdir / "compare.html").read_text(encoding="utf-8")
    assert 'href="index.html"' in report and 'href="news/art0/art0.html"' in report
    for name in ("art0.en.txt", "art0.tsv", "art0.tmx"):  # the run's files of the article, beside its page
        assert f'href="news/art0/{name}"' in report
    assert 'href="news/art2/art2.en.md">md</a>' in report and 'href="news/art0/art0.en.md"' not in report
    page = (outdir / "news" / "art0" / "art0.html").read_text(encoding="utf-8")
    assert 'href="../../index.html"' in page and 'href="art0.tsv"' in page and 'href="art0.tmx"' in page
    assert 'Reports: <a href="../../compare.html">compare.html</a>' in page  # the article page links the report
    assert 'href="../../compare.html"' in (outdir / "news" / "art2" / "art2.html").read_text(encoding="utf-8")
    stale = outdir / "news" / "art1" / "art1.html"  # the failed article's page, left by the run copied
    assert stale.is_file() and "Reports:" not in stale.read_text(encoding="utf-8")
    code, _, err = run(["compare", outdir, "-r", runs / "refs", "--html", outdir / "second.html"], monkeypatch, capsys)
    assert code == 0, err
    page = (outdir / "news" / "art0" / "art0.html").read_text(encoding="utf-8")
    assert '<a href="../../compare.html">compare.html</a> · <a href="../../second.html">second.html</a>' in page
    run_batch(tmp_path / "in", outdir, Fake("sys-a", system_a), quiet=True, force=True)
    assert 'href="compare.html"' in (outdir / "index.html").read_text(encoding="utf-8")  # the next run keeps it
    page = (outdir / "news" / "art0" / "art0.html").read_text(encoding="utf-8")
    assert page.count('href="../../compare.html"') == 1 and 'href="../../second.html"' in page  # and its pages
