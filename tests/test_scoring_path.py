"""One scoring path: ``translate --reference``, ``score``, ``batch --reference`` and ``compare`` give the
figures sacrebleu gives, to the last digit, on real line-aligned test sets (NTREX-128, FLORES-200 from
../shared/data); and ``score`` reads its files as sacrebleu users expect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import assert_one_line_error, run
from sacrebleu.metrics import BLEU, CHRF, TER

from translate_cli import cli
from translate_cli.devkit.stand_in import LookupTranslator, system_output

TEST_SETS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "test"
SETS = {"ntrex": "ntrex128.newstest2019", "flores": "flores200.devtest"}


def sacrebleu_figures(hyps: list[str], refs: list[str]) -> dict[str, float]:
    return {"bleu": BLEU().corpus_score(hyps, [refs]).score, "chrf": CHRF().corpus_score(hyps, [refs]).score,
            "chrf++": CHRF(word_order=2).corpus_score(hyps, [refs]).score,
            "ter": TER().corpus_score(hyps, [refs]).score}


def figures(data: dict) -> dict[str, float]:
    return {"bleu": data["bleu"], "chrf": data["chrf"], "chrf++": data["chrfpp"], "ter": data["ter"]}


@pytest.mark.slow
@pytest.mark.parametrize("name", SETS)
def test_four_commands_equal_sacrebleu_on_real_test_sets(name, tmp_path, monkeypatch, capsys):
    stem = SETS[name]
    if not (TEST_SETS / f"{stem}.id").is_file():
        pytest.skip(f"{TEST_SETS} is not beside this checkout")
    sources = (TEST_SETS / f"{stem}.id").read_text(encoding="utf-8").splitlines()
    references = (TEST_SETS / f"{stem}.en").read_text(encoding="utf-8").splitlines()
    outputs = [system_output(line, k) for k, line in enumerate(references)]
    translator = LookupTranslator(sources, outputs)
    hyps = [translator.table[s] for s in sources]  # a repeated source line gets one translation
    expected = sacrebleu_figures(hyps, references)
    monkeypatch.setattr(cli, "load", lambda *args, **kwargs: translator)

    (tmp_path / "in").mkdir()
    (tmp_path / "refs").mkdir()
    source = tmp_path / "in" / f"{name}.id.txt"
    reference = tmp_path / "refs" / f"{name}.en.txt"
    source.write_text("\n".join(sources) + "\n", encoding="utf-8")
    reference.write_text("\n".join(references) + "\n", encoding="utf-8")

    code, _, err = run(["translate", source, "--presegmented", "-r", reference, "-o", tmp_path / "t"],
                       monkeypatch, capsys)
    assert code == 0, err
    translated = json.loads((tmp_path / "t" / "scores.json").read_text())
    assert figures(translated) == expected and not translated["resegmented"]
    assert (tmp_path / "t" / f"{name}.en.txt").read_text(encoding="utf-8") == "\n".join(hyps) + "\n"

    code, out, err = run(["score", tmp_path / "t" / f"{name}.en.txt", reference, "--json"], monkeypatch, capsys)
    assert code == 0, err
    assert figures(json.loads(out)) == expected

    code, _, err = run(["batch", tmp_path / "in", "-o", tmp_path / "b", "--presegmented", "--reference",
                        tmp_path / "refs", "-q"], monkeypatch, capsys)
    assert code == 0, err
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert figures(summary["corpus"]) == figures(summary["articles"][0]["scores"]) == expected

    code, out, err = run(["compare", tmp_path / "b", "--reference", tmp_path / "refs", "--json"], monkeypatch, capsys)
    assert code == 0, err
    metrics = json.loads(out)["systems"][0]["metrics"]
    assert {key: metrics[label]["score"] for key, label in (("bleu", "BLEU"), ("chrf", "chrF"), ("chrf++", "chrF++"),
                                                             ("ter", "TER"))} == expected


def test_score_reports_inserted_and_missing_sentences(tmp_path, monkeypatch, capsys):
    ref = tmp_path / "ref.txt"
    hyp = tmp_path / "hyp.txt"
    ref.write_text("Almaty's internet was restored on Monday after five days of blackout.\n"
                   "Banks and shops reopened in the country's largest city.\n"
                   "Officials did not say when the curfew would be lifted.\n"
                   "Russian-led troops began leaving Kazakhstan on Thursday.\n")
    hyp.write_text("Almaty's internet was restored on Monday after five days of blackout. "
                   "A spokesman added that the weather had been unusually mild for January. "
                   "Banks and shops reopened in the country's largest city. "
                   "Russian-led troops began leaving Kazakhstan on Thursday.\n")
    code, out, err = run(["score", hyp, ref, "--json"], monkeypatch, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert (data["inserted"], data["missing"], data["resegmented"]) == (1, 1, True)
    assert data["bleu"] < 100 and data["ter"] > 0
    code, out, err = run(["score", hyp, ref], monkeypatch, capsys)
    assert "1 inserted and 1 missing sentences scored" in out


def test_score_options_as_sacrebleu_users_expect(tmp_path, monkeypatch, capsys):
    hyp, ref1, ref2 = tmp_path / "system.out", tmp_path / "a.ref", tmp_path / "b.ref"
    hyp.write_text("the cat sat on the mat .\nit rained all day\n")
    ref1.write_text("The cat sat on the mat.\nIt rained all day.\n")
    ref2.write_text("A cat was sitting on the mat.\nIt was raining the whole day.\n")
    hyps, r1, r2 = (p.read_text().splitlines() for p in (hyp, ref1, ref2))
    code, out, err = run(["score", hyp, "-r", ref1, "-r", ref2, "-m", "bleu,chrf", "--tokenize", "intl", "-lc",
                          "--json"], monkeypatch, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["bleu"] == BLEU(tokenize="intl", lowercase=True).corpus_score(hyps, [r1, r2]).score
    assert data["chrf"] == CHRF().corpus_score(hyps, [r1, r2]).score  # -lc is BLEU's, as in sacrebleu
    assert "ter" not in data and set(data["signatures"]) == {"bleu", "chrf"}
    code, out, err = run(["score", hyp, "-r", ref1, "-m", "chrf++,ter", "--chrf-lowercase", "--ter-case-sensitive",
                          "--json"], monkeypatch, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["chrfpp"] == CHRF(word_order=2, lowercase=True).corpus_score(hyps, [r1]).score
    assert data["ter"] == TER(case_sensitive=True).corpus_score(hyps, [r1]).score
    code, out, err = run(["score", ref1, "-i", hyp, "--confidence"], monkeypatch, capsys)  # sacrebleu's order
    assert code == 0, err
    assert "±" in out and "bs:1000" in out and f"hypothesis {hyp}" in out


def test_score_refuses_an_order_that_looks_swapped(tmp_path, monkeypatch, capsys):
    ref, hyp = tmp_path / "newstest.ref.en", tmp_path / "system.en"
    ref.write_text("One.\n")
    hyp.write_text("One.\n")
    code, _, err = run(["score", ref, hyp], monkeypatch, capsys)
    assert_one_line_error(code, err, "looks like a reference but is given first")
    code, _, err = run(["score", "-i", ref, "-r", hyp], monkeypatch, capsys)  # named: taken as said
    assert code == 0, err
    code, _, err = run(["score", hyp, "-m", "meteor", "-r", ref], monkeypatch, capsys)
    assert_one_line_error(code, err, "unknown metric 'meteor'")


def test_score_several_systems_one_row_each_as_sacrebleu(tmp_path, monkeypatch, capsys):
    ref, s1, s2 = tmp_path / "ref.en", tmp_path / "s1.en", tmp_path / "s2.en"
    ref.write_text("The cat sat on the mat.\nIt rained all day.\nWe went home.\n")
    s1.write_text("the cat sat on a mat.\nIt rain all day.\nWe go home.\n")
    s2.write_text("A dog sat.\nRain.\nHome we went.\n")
    refs = ref.read_text().splitlines()
    expected = [sacrebleu_figures(path.read_text().splitlines(), refs) for path in (s1, s2)]
    for form in (["-i", s1, s2], ["-i", s1, "-i", s2], [f"--hyp={s1}", "-i", s2]):
        code, out, err = run(["score", ref, *form, "--json"], monkeypatch, capsys)
        assert code == 0, err
        data = json.loads(out)
        assert data["references"] == [str(ref)]  # S2 is a system, never a second reference
        assert [row["hypothesis"] for row in data["systems"]] == [str(s1), str(s2)]
        assert [figures(row) for row in data["systems"]] == expected

    code, out, err = run(["score", ref, "-i", s1, s2, "--paired-bs", "-m", "bleu,ter", "--json"], monkeypatch, capsys)
    assert code == 0, err
    baseline, system = json.loads(out)["systems"]
    assert baseline["paired"]["bleu"]["p_value"] is None and 0 < system["paired"]["ter"]["p_value"] <= 1
    assert "bs:1000" in system["paired"]["bleu"]["signature"] and system["bleu"] == expected[1]["bleu"]
    code, out, err = run(["score", ref, "-i", s1, s2, "--paired-bs", "-m", "bleu"], monkeypatch, capsys)
    assert code == 0, err
    assert f"baseline: {s1}" in out and "p = " in out

    code, _, err = run(["score", "-i", s1, s2], monkeypatch, capsys)
    assert_one_line_error(code, err, "no reference given")
    code, _, err = run(["score", ref, "-i", s1, s2, "--confidence"], monkeypatch, capsys)
    assert_one_line_error(code, err, "for several use --paired-bs")
    code, _, err = run(["score", ref, "-i", s1, "--paired-bs"], monkeypatch, capsys)
    assert_one_line_error(code, err, "paired tests need several systems")


def test_score_leaves_out_ter_on_lines_too_long_for_it(tmp_path, monkeypatch, capsys):
    from translate_cli.score import TER_MAX_WORDS

    words = [f"w{k % 97}" for k in range(TER_MAX_WORDS + 50)]
    hyp, ref = tmp_path / "long.out", tmp_path / "long.en"
    hyp.write_text(" ".join(words[1:]) + "\n")
    ref.write_text(" ".join(words) + "\n")
    code, out, err = run(["score", hyp, ref, "--json"], monkeypatch, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert "ter" not in data and data["bleu"] == BLEU().corpus_score([" ".join(words[1:])], [[" ".join(words)]]).score
    assert err.startswith("notice: TER not computed: segment 1 has") and err.count("\n") == 1
    code, _, err = run(["score", hyp, ref, "-m", "ter"], monkeypatch, capsys)
    assert_one_line_error(code, err, "leave it out with -m bleu,chrf,chrf++")

    source = tmp_path / "long.id"
    source.write_text("kata " * 300 + "\n")
    monkeypatch.setattr(cli, "load", lambda *args, **kwargs: LookupTranslator([("kata " * 300).strip()],
                                                                              [" ".join(words[1:])]))
    code, out, err = run(["translate", source, "--presegmented", "--force", "-r", ref, "-o", tmp_path / "t"],
                         monkeypatch, capsys)
    assert code == 0, err
    assert "notice: TER not computed: segment 1 has" in err and "/ - " in out.replace("\n", " ") + " "
    translated = json.loads((tmp_path / "t" / "scores.json").read_text())
    assert translated["ter"] is None and translated["bleu"] == data["bleu"]


def test_a_translation_without_sentence_ends_is_scored_word_by_word(tmp_path, monkeypatch, capsys):
    if not (TEST_SETS / "ntrex128.newstest2019.id").is_file():
        pytest.skip(f"{TEST_SETS} is not beside this checkout")
    from translate_cli.score import pair_texts, segments_of

    sources = (TEST_SETS / "ntrex128.newstest2019.id").read_text(encoding="utf-8").splitlines()[:30]
    references = (TEST_SETS / "ntrex128.newstest2019.en").read_text(encoding="utf-8").splitlines()[:30]
    line = " ".join(system_output(r, k).rstrip(".!?\"") for k, r in enumerate(references))  # no sentence ends
    monkeypatch.setattr(cli, "load", lambda *args, **kwargs: LookupTranslator([" ".join(sources)], [line]))
    source, reference = tmp_path / "a.id.txt", tmp_path / "a.en.txt"
    source.write_text(" ".join(sources) + "\n", encoding="utf-8")
    reference.write_text("\n".join(references) + "\n", encoding="utf-8")  # one sentence per line
    code, _, err = run(["translate", source, "--presegmented", "-r", reference, "-o", tmp_path / "t"],
                       monkeypatch, capsys)
    assert code == 0, err
    assert "notice: sentence alignment found little: the hypothesis was re-split word by word" in err
    translated = json.loads((tmp_path / "t" / "scores.json").read_text())
    segments = segments_of(pair_texts(line + "\n", reference.read_text(encoding="utf-8")))
    assert translated["words"] and translated["coverage"] == 1.0 and len(segments.refs) >= 28
    assert figures(translated) == sacrebleu_figures(segments.hyps, segments.refs)  # sacrebleu on the segments
    joined = sacrebleu_figures([line], [" ".join(references)])
    assert abs(translated["bleu"] - joined["bleu"]) < 5 and abs(translated["chrf"] - joined["chrf"]) < 3
    code, out, err = run(["score", tmp_path / "t" / "a.en.txt", reference, "--json"], monkeypatch, capsys)
    assert code == 0 and figures(json.loads(out)) == figures(translated)
    assert err.count("\n") == 1 and "re-split word by word" in err


def test_a_random_weight_models_output_scores_as_sacrebleu(marian_dir, tmp_path, monkeypatch, capsys):
    if not (TEST_SETS / "ntrex128.newstest2019.id").is_file():
        pytest.skip(f"{TEST_SETS} is not beside this checkout")
    sources = (TEST_SETS / "ntrex128.newstest2019.id").read_text(encoding="utf-8").splitlines()[:40]
    references = (TEST_SETS / "ntrex128.newstest2019.en").read_text(encoding="utf-8").splitlines()[:40]
    source, reference = tmp_path / "n.id.txt", tmp_path / "n.en.txt"
    source.write_text("\n".join(sources) + "\n", encoding="utf-8")
    reference.write_text("\n".join(references) + "\n", encoding="utf-8")
    code, _, err = run(["translate", source, "--presegmented", "-r", reference, "-o", tmp_path / "t", "-m", marian_dir,
                        "--beam", "1", "--device", "cpu", "--backend", "transformers", "--force"], monkeypatch, capsys)
    assert code == 0, err
    hyps = (tmp_path / "t" / "n.en.txt").read_text(encoding="utf-8").splitlines()
    expected = sacrebleu_figures(hyps, references)
    assert figures(json.loads((tmp_path / "t" / "scores.json").read_text())) == expected
    code, out, err = run(["score", reference, "-i", tmp_path / "t" / "n.en.txt", "--json"], monkeypatch, capsys)
    assert code == 0, err
    assert figures(json.loads(out)) == expected


class Unpunctuated:
    """A system that writes no sentence ends: each sentence as it is, without . ! ?"""

    identity = label = "unpunctuated"

    def translate(self, sentences, progress=None, on_translated=None):
        outputs = [s.rstrip(".!?\"") for s in sentences]
        if on_translated:
            on_translated(list(enumerate(outputs)))
        return outputs


def test_batch_notes_a_translation_scored_word_by_word_with_the_presegmented_hint(tmp_path, monkeypatch, capsys):
    if not (TEST_SETS / "ntrex128.newstest2019.id").is_file():
        pytest.skip(f"{TEST_SETS} is not beside this checkout")
    sentences = (TEST_SETS / "ntrex128.newstest2019.id").read_text(encoding="utf-8").splitlines()[:20]
    (tmp_path / "in").mkdir()
    (tmp_path / "refs").mkdir()
    (tmp_path / "in" / "a.id.txt").write_text(" ".join(sentences) + "\n", encoding="utf-8")
    (tmp_path / "refs" / "a.en.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")  # line per sentence
    monkeypatch.setattr(cli, "load", lambda *args, **kwargs: Unpunctuated())
    code, out, err = run(["batch", tmp_path / "in", "-o", tmp_path / "b", "--reference", tmp_path / "refs", "--json"],
                         monkeypatch, capsys)
    assert code == 0, err
    article = json.loads((tmp_path / "b" / "summary.json").read_text())["articles"][0]
    assert article["scores"]["words"] and article["scores"]["coverage"] == 1.0 and article["scores"]["chrf"] > 90
    assert "re-split word by word" in article["reason"] and "--presegmented" in article["reason"]
