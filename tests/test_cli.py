"""The command line end to end, with tiny random-weight models: structure, files, errors and exit codes."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli_run import assert_one_line_error, run

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "almaty-back-online.id.txt"
ARTICLE = """Banjir melanda Jakarta pada hari Senin

JAKARTA (Antara) - Banjir merendam ratusan rumah di Jakarta Timur, kata petugas. Warga mengungsi ke masjid dan sekolah.

"Air naik dengan cepat sekali," kata Budi, seorang warga. Dia tidak sempat menyelamatkan barang-barangnya.
"""


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "banjir.id.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


@pytest.mark.parametrize("family", ["marian_dir", "m2m100_dir", "nllb_dir", "madlad_dir"])
def test_translate_writes_every_output_for_each_family(family, request, article, tmp_path, monkeypatch, capsys):
    model = request.getfixturevalue(family)
    outdir = tmp_path / "out"
    code, out, err = run(["translate", article, "-o", outdir, "--model", model, "--beam", 2,
                          "--backend", "transformers"], monkeypatch, capsys)
    assert code == 0, err
    assert "sentences" in out
    expected = {"banjir.en.txt", "banjir.tsv", "banjir.jsonl", "banjir.tmx", "banjir.md", "banjir.html"}
    assert expected <= {p.name for p in outdir.iterdir()}
    rows = [json.loads(line) for line in (outdir / "banjir.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["src"] for r in rows] == [[i] for i in range(5)]  # headline, then two paragraphs of two
    assert [r["tgt"] for r in rows] == [[i] for i in range(5)]
    assert rows[0]["src_text"] == "Banjir melanda Jakarta pada hari Senin"
    tsv = (outdir / "banjir.tsv").read_text(encoding="utf-8").splitlines()
    assert len(tsv) == 1 + len(rows)
    tmx = ET.parse(outdir / "banjir.tmx").getroot()
    assert tmx.get("version") == "1.4"
    assert len(tmx.findall("./body/tu")) == len(rows)
    paragraphs = (outdir / "banjir.en.txt").read_text(encoding="utf-8").strip().split("\n\n")
    assert len(paragraphs) == 3


def test_translate_with_reference_scores_and_shows_reference(marian_dir, article, tmp_path, monkeypatch, capsys):
    reference = tmp_path / "banjir.en.txt"
    reference.write_text("Floods hit Jakarta on Monday\n\nJAKARTA (Antara) - Floods submerged hundreds of homes "
                         "in East Jakarta, officials said, and residents fled to mosques and schools.\n",
                         encoding="utf-8")
    outdir = tmp_path / "out"
    code, out, err = run(["translate", article, "-o", outdir, "-m", marian_dir, "--reference", reference,
                          "--backend", "transformers"], monkeypatch, capsys)
    assert code == 0, err
    scores = json.loads((outdir / "scores.json").read_text(encoding="utf-8"))
    assert {"bleu", "chrf", "chrfpp", "ter", "signatures"} <= set(scores)
    assert scores["signatures"]["bleu"].startswith("nrefs:1")
    rows = [json.loads(line) for line in (outdir / "banjir.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any(r.get("ref_text") for r in rows)
    assert sorted(i for r in rows for i in r["src"]) == list(range(5))
    assert "Reference" in (outdir / "banjir.md").read_text(encoding="utf-8")

    code, out, err = run(["translate", article, "-o", "-", "-m", marian_dir, "--reference", reference,
                          "--backend", "transformers"], monkeypatch, capsys)
    assert code == 0 and out.strip() and "scores" not in out  # stdout: the translation alone
    assert f"BLEU / chrF / chrF++ / TER {scores['bleu']:.1f} / {scores['chrf']:.1f}" in err  # scores on stderr


def test_segment_prints_one_sentence_per_line_and_keeps_text(monkeypatch, capsys):
    code, out, _ = run(["segment", SAMPLE], monkeypatch, capsys)
    assert code == 0
    text = SAMPLE.read_text(encoding="utf-8")
    assert "".join(out.split()) == "".join(text.split())
    assert out.splitlines()[0] == "Kota terbesar di Kazakhstan kembali online setelah bentrokan dan pemadaman listrik"
    assert out.splitlines()[1] == ""


def test_segment_reads_stdin(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("Satu. Dua.".encode())))
    code, out, _ = run(["segment", "-"], monkeypatch, capsys)
    assert (code, out) == (0, "Satu.\nDua.\n")


@pytest.mark.parametrize("content, needle", [
    (None, "no such file"),
    (b"", "is empty"),
    (b"  \n\t\n", "only whitespace"),
    (bytes(range(256)) * 20, "binary"),
])
def test_bad_input_gives_one_line_and_exit_1(content, needle, tmp_path, marian_dir, monkeypatch, capsys):
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    for command in (["segment", path], ["translate", path, "-m", marian_dir]):
        code, _, err = run(command, monkeypatch, capsys)
        assert_one_line_error(code, err, needle)


def test_cp1252_text_is_decoded_with_a_notice(tmp_path, monkeypatch, capsys):
    path = tmp_path / "latin.txt"
    path.write_bytes("Kafé “baru” dibuka di Bandung – kata pemiliknya.".encode("cp1252"))
    code, out, err = run(["segment", path], monkeypatch, capsys)
    assert code == 0
    assert "Kafé “baru” dibuka di Bandung – kata pemiliknya." in out
    assert "Windows-1252" in err


def test_english_source_is_refused_unless_forced(tmp_path, marian_dir, monkeypatch, capsys):
    path = tmp_path / "english.txt"
    path.write_text("The city was back online on Monday and the streets were calm after the clashes, "
                    "which had killed dozens of people in the country.", encoding="utf-8")
    code, _, err = run(["translate", path, "-m", marian_dir, "-o", tmp_path / "o"], monkeypatch, capsys)
    assert_one_line_error(code, err, "does not look like Indonesian")
    code, _, err = run(["translate", path, "-m", marian_dir, "-o", tmp_path / "o", "--force",
                        "--backend", "transformers"], monkeypatch, capsys)
    assert code == 0, err


def test_unknown_model_and_unwritable_output(article, tmp_path, marian_dir, monkeypatch, capsys):
    code, _, err = run(["translate", article, "--model", "no-such-model"], monkeypatch, capsys)
    assert_one_line_error(code, err, "unknown model 'no-such-model'")
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    code, _, err = run(["translate", article, "-m", marian_dir, "-o", blocker / "sub",
                        "--backend", "transformers"], monkeypatch, capsys)
    assert_one_line_error(code, err, str(blocker))


def test_several_files_translate_as_unix_tools_do(article, tmp_path, marian_dir, monkeypatch, capsys):
    guide = tmp_path / "panduan.md"
    guide.write_text("# Banjir di Jakarta\n\nWarga mengungsi ke masjid dan sekolah, kata petugas.\n", encoding="utf-8")
    missing = tmp_path / "hilang.txt"
    args = ["-m", marian_dir, "--beam", 1, "--backend", "transformers", "-q"]
    code, out, err = run(["translate", article, missing, guide, "-o", tmp_path / "out", *args], monkeypatch, capsys)
    assert code == 1 and err.strip() == f"error: {missing}: no such file"  # the others still translated
    assert (tmp_path / "out" / "banjir" / "banjir.en.txt").is_file()  # each file's outputs in DIR/STEM/
    assert (tmp_path / "out" / "panduan" / "panduan.en.md").is_file()
    alone = []
    for path in (article, guide):
        code, printed, err = run(["translate", path, "-o", "-", *args], monkeypatch, capsys)
        assert code == 0, err
        alone.append(printed)
    code, printed, err = run(["translate", article, guide, "-o", "-", *args], monkeypatch, capsys)
    assert code == 0 and printed == "\n".join(alone), err  # one after the other, a blank line apart
    (tmp_path / "sub").mkdir()
    twin = tmp_path / "sub" / "panduan.md"
    twin.write_bytes(guide.read_bytes())
    code, _, err = run(["translate", guide, twin, "-o", tmp_path / "twins", *args], monkeypatch, capsys)
    assert code == 1 and "as another FILE's do" in err and (tmp_path / "twins" / "panduan" / "panduan.md").is_file()
    code, _, err = run(["translate", article, guide, "-r", article, *args], monkeypatch, capsys)
    assert_one_line_error(code, err, "--reference is one article's")


def test_wrong_usage_exits_2(monkeypatch, capsys):
    code, _, _ = run(["translate"], monkeypatch, capsys)
    assert code == 2
    code, _, _ = run(["segment", SAMPLE, "--beam", "4"], monkeypatch, capsys)
    assert code == 2


def test_any_language_code_segments_and_a_bad_code_is_one_line(tmp_path, monkeypatch, capsys):
    path = tmp_path / "fr.txt"
    path.write_text("Bonjour tout le monde. Il fait beau aujourd'hui ! 今日は晴れです。明日は雨です。",
                    encoding="utf-8")
    code, out, err = run(["segment", path, "--src-lang", "fr"], monkeypatch, capsys)
    assert code == 0, err
    assert out.splitlines() == ["Bonjour tout le monde.", "Il fait beau aujourd'hui !",
                                "今日は晴れです。", "明日は雨です。"]
    code, _, err = run(["segment", path, "--src-lang", "French"], monkeypatch, capsys)
    assert_one_line_error(code, err, "invalid language code 'French'")


def test_long_sentence_is_translated_without_loss(tmp_path, marian_dir, monkeypatch, capsys):
    words = ("pemerintah daerah membangun jalan baru di desa itu, dan warga menyambutnya dengan gembira; "
             "namun sebagian mengeluhkan debu").split()
    sentence = " ".join(words[i % len(words)] for i in range(3000)) + "."
    path = tmp_path / "panjang.txt"
    path.write_text(sentence, encoding="utf-8")
    outdir = tmp_path / "out"
    code, _, err = run(["translate", path, "-m", marian_dir, "-o", outdir, "--beam", 1,
                        "--backend", "transformers"], monkeypatch, capsys)
    assert code == 0, err
    rows = [json.loads(line) for line in (outdir / "panjang.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1 and rows[0]["src_text"] == sentence
    assert rows[0]["tgt_text"].strip()


def test_score_aligns_when_line_counts_differ(tmp_path, monkeypatch, capsys):
    hyp = tmp_path / "hyp.txt"
    ref = tmp_path / "ref.txt"
    hyp.write_text("The city is back online. Life returns to normal.\nShops reopened on Monday.\n")
    ref.write_text("The city is back online.\nLife returns to normal.\nShops reopened on Monday.\n")
    code, out, err = run(["score", hyp, ref, "--json"], monkeypatch, capsys)
    assert code == 0, err
    scores = json.loads(out)
    assert scores["bleu"] == pytest.approx(100.0) and scores["chrf"] == pytest.approx(100.0)
    assert scores["resegmented"] and scores["hypothesis"] == str(hyp)


def test_align_length_method_prints_jsonl_beads(tmp_path, monkeypatch, capsys):
    src = tmp_path / "src.txt"
    tgt = tmp_path / "tgt.txt"
    src.write_text("Satu kalimat pendek.\nKalimat kedua jauh lebih panjang dari yang pertama tadi.\n")
    tgt.write_text("One short sentence.\nThe second sentence is much longer than the first one.\n")
    code, out, err = run(["align", src, tgt, "--presegmented", "--method", "length", "--output-format", "jsonl"],
                         monkeypatch, capsys)
    assert code == 0, err
    beads = [json.loads(line) for line in out.splitlines()]
    assert [(b["src"], b["tgt"]) for b in beads] == [([0], [0]), ([1], [1])]
    assert set(beads[0]) == {"src", "tgt", "score", "src_text", "tgt_text"}


def test_models_lists_aliases(monkeypatch, capsys):
    code, out, _ = run(["models"], monkeypatch, capsys)
    assert code == 0
    for alias in ("opus-mt", "nllb-600m", "nllb-1.3b", "m2m100-418m", "madlad-3b", "embedded"):
        assert alias in out


def test_models_stars_a_default_folder_named_by_the_environment(marian_dir, monkeypatch, capsys):
    monkeypatch.setenv("TRANSLATE_CLI_MODEL", str(marian_dir))
    code, out, _ = run(["models", "--json"], monkeypatch, capsys)
    defaults = [row for row in json.loads(out) if row["default"]]
    assert code == 0 and len(defaults) == 1
    assert defaults[0]["family"] == "marian" and defaults[0]["available"] is True


def test_batch_through_the_cli_keeps_going_and_resumes(tmp_path, marian_dir, monkeypatch, capsys):
    indir = tmp_path / "in"
    (indir / "nested" / "deeper").mkdir(parents=True)
    (indir / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (indir / "nested" / "deeper" / "lama.id.txt").write_bytes(
        "Kafé itu dibuka kembali pada hari Senin dan warga datang dengan gembira.".encode("cp1252"))
    (indir / "nested" / "empty.txt").write_text("")
    (indir / "nested" / "binary.md").write_bytes(bytes(range(256)) * 4)
    (indir / "english.txt").write_text("The city was back online on Monday and the streets were calm "
                                       "after the clashes, which had killed dozens of people.")
    outdir = tmp_path / "out"
    args = ["batch", indir, "-o", outdir, "-m", marian_dir, "--quiet", "--backend", "transformers", "--beam", 1]
    code, out, err = run(args, monkeypatch, capsys)
    assert code == 1, err
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"] == {"translated": 2, "skipped": 0, "failed": 3, "pending": 0}
    assert (outdir / "nested" / "deeper" / "lama" / "lama.en.txt").is_file()
    assert "Windows-1252" in out and "does not look like Indonesian" in out
    assert err.strip().splitlines()[-1] == f"error: 3 of 5 articles failed; see {outdir / 'summary.json'}"
    code, out, err = run(args, monkeypatch, capsys)
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["skipped"] == 2 and summary["last_run"]["translated_sentences"] == 0


@pytest.mark.slow
def test_five_megabyte_article_is_translated_without_loss(tmp_path, marian_dir, monkeypatch, capsys):
    paragraph = SAMPLE.read_text(encoding="utf-8").strip().split("\n\n")
    blocks = []
    while sum(map(len, blocks)) < 5_000_000:
        blocks.extend(paragraph)
    path = tmp_path / "besar.txt"
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    outdir = tmp_path / "out"
    code, _, err = run(["translate", path, "-m", marian_dir, "-o", outdir, "--beam", 1], monkeypatch, capsys)
    assert code == 0, err
    from translate_cli.segment import segment

    sentences = segment(path.read_text(encoding="utf-8"), "id")
    tsv = (outdir / "besar.tsv").read_text(encoding="utf-8").splitlines()
    assert len(tsv) == 1 + len(sentences)
    assert len((outdir / "besar.en.txt").read_text(encoding="utf-8").strip().split("\n\n")) == len(blocks)


def test_presegmented_test_set_scores_line_by_line(tmp_path, marian_dir, monkeypatch, capsys):
    source = tmp_path / "set.id"
    source.write_text("Banjir melanda Jakarta. Warga mengungsi.\nHarga cabai naik.\n\nPasar ditutup.\n")
    outdir = tmp_path / "out"
    code, _, err = run(["translate", source, "-m", marian_dir, "-o", outdir, "--presegmented", "--force",
                        "--beam", 1], monkeypatch, capsys)
    assert code == 0, err
    lines = [line for line in (outdir / "set.en.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == 3
    code, out, err = run(["score", outdir / "set.en.txt", outdir / "set.en.txt", "--json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out)["chrf"] == pytest.approx(100.0) and "aligned" not in err


def test_several_models_write_one_run_each(article, tmp_path, marian_dir, m2m100_dir, monkeypatch, capsys):
    outdir = tmp_path / "out"
    code, _, err = run(["translate", article, "-o", outdir, "-m", marian_dir, "-m", m2m100_dir, "--beam", 1],
                       monkeypatch, capsys)
    assert code == 0, err
    runs = [p for p in outdir.iterdir() if p.is_dir()]
    assert len(runs) == 2 and all((p / "banjir.en.txt").is_file() for p in runs)


def test_align_auto_without_a_model_anchors_a_partial_reference(tmp_path, monkeypatch, capsys):
    english = (Path(__file__).parent / "data" / "almaty-back-online.en.txt").read_text(encoding="utf-8")
    part = tmp_path / "first-11.en.txt"
    part.write_text("\n".join(english.splitlines()[:11]) + "\n", encoding="utf-8")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code, out, err = run(["align", SAMPLE, part, "--output-format", "jsonl"], monkeypatch, capsys)  # no model: tokens
    assert code == 0, err
    beads = [json.loads(line) for line in out.splitlines()]
    assert [(b["src"], b["tgt"]) for b in beads if b["tgt"]] == [([i], [i]) for i in range(11)]
    assert all(b["tgt"] == [] and len(b["src"]) == 1 for b in beads[11:])  # one row per uncovered sentence
