"""Model resolution and the translation stage, on tiny random-weight models (structure, never wording)."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from cli_run import run

from translate_cli import models, translate
from translate_cli.errors import UserError
from translate_cli.models import KNOWN_MODELS, model_table, resolve_model
from translate_cli.translate import load_translator, split_to_fit

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "almaty-back-online.id.txt"
SENTENCES = [
    "Kota terbesar di Kazakhstan kembali online.",
    "",
    "Almaty, bekas ibu kota negara tersebut, hampir sepenuhnya offline sejak Rabu.",
    "Presiden mengatakan ketertiban telah pulih; pasukan menjaga gedung-gedung penting.",
]



@pytest.fixture
def empty_hf_cache(tmp_path, monkeypatch):
    """An empty Hugging Face cache with offline mode off, as on a fresh machine."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


def long_sentence(words: int) -> str:
    """One sentence of ``words`` words from the sample article, its full stops turned into commas."""
    text = SAMPLE.read_text(encoding="utf-8").replace(".", ",").split()
    return " ".join((text * (words // len(text) + 1))[:words]) + "."


# --- models.py ---------------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""
    import socket

    def refuse(*args, **kwargs):
        pytest.fail("tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_unknown_model_is_a_user_error_listing_aliases(no_network):
    with pytest.raises(UserError, match="opus-mt.*nllb-600m"):
        resolve_model("no-such-model")


@pytest.mark.parametrize("family", ["marian", "m2m100", "nllb", "madlad"])
def test_local_folder_family_detected(family, request):
    folder = request.getfixturevalue(f"{family}_dir")
    spec = resolve_model(str(folder))
    assert (spec.family, spec.source) == (family, str(folder))
    assert (spec.src_lang, spec.tgt_lang) == models.FAMILY_LANGS[family]


def test_default_model_env_then_embedded_then_opus(marian_dir, tmp_path, monkeypatch):
    monkeypatch.delenv(models.ENV_MODEL, raising=False)
    monkeypatch.setattr(models, "EMBEDDED_DIR", tmp_path / "absent")
    assert resolve_model(None).name == "opus-mt"
    monkeypatch.setattr(models, "EMBEDDED_DIR", marian_dir)
    assert resolve_model(None) == resolve_model("embedded")
    assert resolve_model(None).source == str(marian_dir)
    monkeypatch.setenv(models.ENV_MODEL, "nllb-600m")
    assert resolve_model(None) == KNOWN_MODELS["nllb-600m"]
    assert resolve_model("m2m100-418m").src_lang == "id"


def test_hub_id_family_guessed():
    assert resolve_model("facebook/nllb-200-3.3B").family == "nllb"
    assert resolve_model("Helsinki-NLP/opus-mt-ms-en").family == "marian"


def test_uncached_hub_model_fails_fast_with_advice(empty_hf_cache, monkeypatch):
    probes = []
    monkeypatch.setattr(models, "_hub_reachable", lambda: probes.append(1) or False)
    with pytest.raises(UserError) as error:
        load_translator(resolve_model("opus-mt"))
    assert probes == [1]  # one bounded probe, then the error (no hub retries)
    message = str(error.value)
    assert "\n" not in message
    assert "Helsinki-NLP/opus-mt-id-en" in message and "local model folder" in message
    assert "HF_HUB_OFFLINE" in message


def test_hub_probe_is_bounded_and_answers_for_open_and_closed_ports(monkeypatch):
    import inspect
    import socket

    from huggingface_hub import constants

    assert inspect.signature(models._hub_reachable).parameters["timeout"].default <= 3
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{server.getsockname()[1]}")
        monkeypatch.delenv("https_proxy", raising=False)
        monkeypatch.delenv("HTTPS_PROXY", raising=False)
        assert models._hub_reachable()
    assert not models._hub_reachable()  # the port is closed now


def test_hf_hub_offline_fails_without_probing(empty_hf_cache, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(models, "_hub_reachable", lambda: pytest.fail("probed the hub while offline"))
    with pytest.raises(UserError, match="HF_HUB_OFFLINE is set"):
        load_translator(resolve_model("nllb-600m"))


def test_model_table(empty_hf_cache, monkeypatch):
    monkeypatch.setenv(models.ENV_MODEL, "m2m100-418m")
    rows = model_table()
    assert [row["alias"] for row in rows] == list(KNOWN_MODELS)
    assert [row["alias"] for row in rows if row["default"]] == ["m2m100-418m"]
    assert not any(row["available"] for row in rows if row["alias"] != "embedded")
    assert {"source", "family", "langs", "size", "licence"} <= set(rows[0])


def test_import_is_cheap():
    code = ("import sys, translate_cli.models, translate_cli.translate; "
            "print(sorted({'torch', 'transformers', 'ctranslate2', 'huggingface_hub'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- splitting -----------------------------------------------------------------------------------------


def test_split_prefers_clause_boundaries():
    text = "satu dua tiga; empat lima, enam tujuh delapan sembilan sepuluh dan sebelas dua belas"
    pieces = split_to_fit(text, lambda t: len(t.split()) <= 5)
    assert "".join(pieces) == text
    assert pieces[0] == "satu dua tiga;"
    assert all(len(p.split()) <= 5 for p in pieces)


def test_split_falls_back_to_words_then_characters():
    assert split_to_fit("abcdefgh", lambda t: len(t) <= 3) == ["abc", "def", "gh"]
    pieces = split_to_fit("aa bb cc dd", lambda t: len(t.split()) <= 2)
    assert pieces == ["aa bb", " cc dd"]


# --- translation ---------------------------------------------------------------------------------------


def _spy_generate(translator):
    """Record the keyword arguments of every model.generate call."""
    model = translator._engine.model
    calls = []

    def generate(**kwargs):
        calls.append(kwargs)
        return type(model).generate(model, **kwargs)

    model.generate = generate
    return calls


@pytest.mark.parametrize("family", ["marian", "m2m100", "nllb", "madlad"])
def test_transformers_backend_language_codes_order_progress(family, request):
    translator = load_translator(resolve_model(str(request.getfixturevalue(f"{family}_dir"))),
                                 backend="transformers", beam=2, repair=False)  # the settings of a first try
    tokenizer = translator._tokenizer
    calls = _spy_generate(translator)
    finished = []
    out = translator.translate(SENTENCES, progress=finished.append)
    assert len(out) == len(SENTENCES) and out[1] == "" and all(out[i] for i in (0, 2, 3))
    assert sum(finished) == len(SENTENCES)
    assert translator.translate(SENTENCES[::-1]) == out[::-1]
    first_ids = {int(call["input_ids"][0, 0]) for call in calls}
    forced = {call.get("forced_bos_token_id") for call in calls}
    if family == "nllb":
        assert first_ids == {tokenizer.convert_tokens_to_ids("ind_Latn")}
        assert forced == {tokenizer.convert_tokens_to_ids("eng_Latn")}
    elif family == "m2m100":
        assert first_ids == {tokenizer.get_lang_id("id")}
        assert forced == {tokenizer.get_lang_id("en")}
    elif family == "madlad":
        assert first_ids == {tokenizer.convert_tokens_to_ids("<2en>")}
        assert forced == {None}
    else:
        assert forced == {None}
    assert all(call["num_beams"] == 2 for call in calls)
    for call in calls:  # each row's budget follows from its own length: batch-mates share one budget
        lengths = call["attention_mask"].sum(dim=1).tolist()
        assert {translate.output_budget(n, translator.max_source_tokens) for n in lengths} == {call["max_new_tokens"]}


@pytest.mark.parametrize("family", ["marian", "m2m100", "nllb", "madlad"])
def test_language_tokens_inserted_by_id(family, request):
    """The model input is the language token's id, the text's own tokens and the end token, whatever a tokenizer
    version would make of the token spelled as text (``<2en> ...``)."""
    spec = resolve_model(str(request.getfixturevalue(f"{family}_dir")))
    translator = load_translator(spec, backend="transformers")
    tokenizer = translator._tokenizer
    [ids] = translator._encode([SENTENCES[0]])
    text_ids = tokenizer(SENTENCES[0], add_special_tokens=False)["input_ids"]
    first = {"marian": [], "nllb": ["ind_Latn"], "m2m100": ["__id__"], "madlad": ["<2en>"]}[family]
    assert ids == tokenizer.convert_tokens_to_ids(first) + text_ids + [tokenizer.eos_token_id]
    if family in ("nllb", "m2m100"):  # the same input as the family's own tokenizer makes
        tokenizer.src_lang = spec.src_lang
        assert ids == tokenizer(SENTENCES[0])["input_ids"]


def _sample_sentences() -> list[str]:
    from translate_cli.segment import segment

    return [sentence.text for sentence in segment(SAMPLE.read_text(encoding="utf-8"), "id")]


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_translation_independent_of_batch_mates(backend, marian_dir, tmp_path, monkeypatch):
    """A random-weight model (it decodes to its budget, the most sensitive case) gives each sentence the same
    translation alone, in its article, in another order and in other batch sizes."""
    monkeypatch.setenv("TRANSLATE_CLI_CACHE", str(tmp_path / "cache"))
    sentences = _sample_sentences()[:12]  # a headline, short and long sentences
    translator = load_translator(resolve_model(str(marian_dir)), backend=backend, beam=2)
    together = translator.translate(sentences)
    assert [translator.translate([sentence])[0] for sentence in sentences] == together
    assert translator.translate(sentences[::-1]) == together[::-1]
    small = load_translator(resolve_model(str(marian_dir)), backend=backend, beam=2, batch_size=3)
    assert small.translate(sentences[5:] + sentences[:5]) == together[5:] + together[:5]
    # so is its confidence, a mean log-probability per token: a random model over ~400 pieces is near
    # -log(400) = -6 per token on either backend, however long its output
    confidence = [translator.confidence(sentence) for sentence in sentences]
    assert all(c is not None and -10 < c < -3 for c in confidence) and len(set(confidence)) > 1
    assert [small.confidence(sentence) for sentence in sentences] == pytest.approx(confidence, abs=1e-3)
    fresh = load_translator(resolve_model(str(marian_dir)), backend=backend, beam=2)
    fresh.translate([sentences[7]])
    assert fresh.confidence(sentences[7]) == pytest.approx(confidence[7], abs=1e-3)
    assert fresh.confidence(sentences[0]) is None and fresh.confidence("") is None


def test_output_budget_depends_on_the_sentence_alone():
    budgets = [translate.output_budget(n, 512) for n in range(1, 400)]
    assert all(budget >= min(2 * n + 10, 512) for n, budget in enumerate(budgets, 1))  # never less than before
    assert budgets == sorted(budgets) and len(set(budgets)) <= 12  # few steps, so similar lengths share a batch
    assert translate.output_budget(300, 64) == 64


def test_batches_bounded_by_tokens(marian_dir):
    translator = load_translator(resolve_model(str(marian_dir)), backend="transformers", beam=1,
                                 batch_size=8, max_batch_tokens=60, repair=False)  # one pass, shortest first
    calls = _spy_generate(translator)
    translator.translate(SENTENCES * 3)
    shapes = [tuple(call["input_ids"].shape) for call in calls]
    assert all(rows * width <= 60 and rows <= 8 for rows, width in shapes)
    assert [width for _, width in shapes] == sorted(width for _, width in shapes)  # shortest first


def test_3000_word_sentence_every_piece_translated_in_order(marian_dir):
    """With an echo engine, the joined output must give back the whole sentence: nothing lost or reordered."""
    translator = load_translator(resolve_model(str(marian_dir)), backend="transformers", repair=False)
    tokenizer = translator._tokenizer
    lengths = []

    def echo(ids, budget):
        lengths.extend(map(len, ids))
        return [translate.Output(text, -1.0, 1) for text in tokenizer.batch_decode(ids, skip_special_tokens=True)]

    translator._engine = echo
    text = long_sentence(3000)
    finished = []
    [out, short] = translator.translate([text, "Pendek."], progress=finished.append)
    assert sum(finished) == 2 and short == "Pendek."
    assert len(lengths) > 5 and max(lengths) <= translator.max_source_tokens == 64  # repeated pieces once
    assert out.split() == unicodedata.normalize("NFKC", text).split()  # SentencePiece applies NFKC


def test_long_sentence_through_real_model(marian_dir):
    translator = load_translator(resolve_model(str(marian_dir)), backend="transformers", beam=1)
    calls = _spy_generate(translator)
    out = translator.translate(["Pendek.", long_sentence(200)])
    assert len(out) == 2 and all(out)
    assert len(calls) >= 1 and max(call["input_ids"].shape[1] for call in calls) <= 64


# --- CTranslate2 ---------------------------------------------------------------------------------------


def test_ct2_converts_once_then_reuses(marian_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATE_CLI_CACHE", str(tmp_path))
    translator = load_translator(resolve_model(str(marian_dir)))  # 'auto' picks CTranslate2
    assert "ctranslate2:cpu:int8" in translator.identity
    [folder] = (tmp_path / "ct2").iterdir()
    assert (folder / "model.bin").is_file()
    out = translator.translate(SENTENCES)
    assert len(out) == len(SENTENCES) and out[1] == ""

    monkeypatch.setattr(translate, "convert_to_ct2", lambda *a: pytest.fail("converted twice"))
    again = load_translator(resolve_model(str(marian_dir)))
    assert again.identity == translator.identity
    assert again.translate(SENTENCES) == out
    assert list((tmp_path / "ct2").iterdir()) == [folder]


@pytest.mark.parametrize("family, src, tgt", [("nllb", "ind_Latn", "eng_Latn"), ("m2m100", "__id__", "__en__")])
def test_ct2_language_codes(family, src, tgt, request):
    translator = load_translator(resolve_model(str(request.getfixturevalue(f"{family}_dir"))),
                                 backend="ctranslate2", beam=2, repair=False)  # the settings of a first try
    ct2 = translator._engine.translator
    calls = []

    class Spy:
        def translate_batch(self, source, **options):
            calls.append((source, options))
            return ct2.translate_batch(source, **options)

    translator._engine.translator = Spy()
    out = translator.translate(SENTENCES)
    assert len(out) == len(SENTENCES) and all(tgt not in text for text in out)
    for source, options in calls:
        assert {tokens[0] for tokens in source} == {src}
        assert options["target_prefix"] == [[tgt]] * len(source)
        assert options["batch_type"] == "tokens" and options["beam_size"] == 2


def test_ct2_failure_falls_back_with_notice(marian_dir, tmp_path, monkeypatch, capsys):
    def broken(*args):
        raise RuntimeError("conversion exploded")

    monkeypatch.setattr(translate, "convert_to_ct2", broken)
    monkeypatch.setenv("TRANSLATE_CLI_CACHE", str(tmp_path))
    heard: list[str] = []
    translator = load_translator(resolve_model(str(marian_dir)), notice=heard.append)
    assert "transformers:cpu" in translator.identity
    assert heard[0].startswith("converting ") and "conversion exploded" in heard[1]
    assert heard[1].endswith("; using transformers")
    assert capsys.readouterr().err == ""  # the library tells the callback, never stderr
    with pytest.raises(UserError, match="CTranslate2 cannot run .*conversion exploded"):
        load_translator(resolve_model(str(marian_dir)), backend="ctranslate2")
    article = tmp_path / "a.id.txt"
    article.write_text("Banjir melanda kota itu.", encoding="utf-8")
    code, _, err = run(["translate", article, "-o", tmp_path / "out", "-m", marian_dir, "-q"], monkeypatch, capsys)
    assert code == 0 and "notice: CTranslate2 cannot run" in err and "conversion exploded; using transformers" in err


def test_ct2_conversion_is_told_to_the_notice(marian_dir, tmp_path, monkeypatch):
    pytest.importorskip("ctranslate2")
    monkeypatch.setenv("TRANSLATE_CLI_CACHE", str(tmp_path))
    heard: list[str] = []
    load_translator(resolve_model(str(marian_dir)), backend="ctranslate2", notice=heard.append)
    load_translator(resolve_model(str(marian_dir)), backend="ctranslate2", notice=heard.append)  # converted once
    assert len(heard) == 1 and heard[0].startswith(f"converting {marian_dir} for CTranslate2 (int8) into ")


def test_identity_names_settings(marian_dir):
    spec = resolve_model(str(marian_dir))
    a, b = load_translator(spec, beam=4), load_translator(spec, beam=4)
    c = load_translator(spec, beam=2, backend="transformers")
    assert a.identity == b.identity != c.identity
    assert str(marian_dir) in a.identity and "beam=2" in c.identity


def test_unknown_backend(marian_dir):
    with pytest.raises(UserError, match="unknown backend"):
        load_translator(resolve_model(str(marian_dir)), backend="onnx")


def test_repeated_sentences_are_translated_once(marian_dir):
    translator = load_translator(resolve_model(str(marian_dir)), backend="transformers", repair=False)
    seen = []

    def echo(ids, budget):
        seen.extend(map(tuple, ids))
        texts = translator._tokenizer.batch_decode(ids, skip_special_tokens=True)
        return [translate.Output(text, -1.0, 1) for text in texts]

    translator._engine = echo
    finished = []
    out = translator.translate(["Satu dua.", "Tiga.", "Satu dua.", "Satu dua."], progress=finished.append)
    assert out == ["Satu dua.", "Tiga.", "Satu dua.", "Satu dua."]
    assert len(seen) == 2 and sum(finished) == 4


# --- CTranslate2 start-up: tokenizer without transformers, one conversion per model, allocator ---------------

HOSTILE = ["a </s> b<unk>c <pad>", ">>eng<< Halo dunia", "  spasi   ganda  ", "ＡＢＣ ﬁ ½ é e\u0301",
           "\x1b[31m merah \u202e", "ind_Latn eng_Latn __en__ x", "😀 日本語 العربية", "tab\there\u2028line",
           "<mask> x", ""]


@pytest.mark.parametrize("family", ["marian", "m2m100", "nllb"])
def test_light_tokenizer_equals_transformers(family, request, tmp_path):
    """The tokenizer of the CTranslate2 path gives the very ids, tokens and decoded texts of the transformers one."""
    import random

    from transformers import AutoTokenizer

    from translate_cli.light_tokenizer import load_light_tokenizer

    reference = AutoTokenizer.from_pretrained(request.getfixturevalue(f"{family}_dir"))
    reference.save_pretrained(tmp_path)
    light = load_light_tokenizer(tmp_path, family)
    texts = SAMPLE.read_text(encoding="utf-8").splitlines() + HOSTILE
    ids = reference(texts, add_special_tokens=False)["input_ids"]
    assert light(texts)["input_ids"] == ids
    rng = random.Random(0)
    sequences = ids + [[rng.randrange(len(reference)) for _ in range(rng.randrange(1, 30))] for _ in range(200)]
    for skip in (True, False):
        assert light.batch_decode(sequences, skip_special_tokens=skip) == reference.batch_decode(
            sequences, skip_special_tokens=skip)
    tokens = [reference.convert_ids_to_tokens(seq) for seq in sequences]
    assert [light.convert_ids_to_tokens(seq) for seq in sequences] == tokens
    assert [light.convert_tokens_to_ids(seq) for seq in tokens] == [reference.convert_tokens_to_ids(t) for t in tokens]
    assert (light.eos_token_id, light.unk_token_id) == (reference.eos_token_id, reference.unk_token_id)


def test_light_tokenizer_declines_other_layouts(madlad_dir):
    from translate_cli.light_tokenizer import load_light_tokenizer

    assert load_light_tokenizer(madlad_dir, "madlad") is None


@pytest.mark.parametrize("family", ["marian", "m2m100", "nllb"])
def test_ct2_start_without_torch_or_transformers(family, request, tmp_path, monkeypatch):
    """Once converted, loading and translating on CTranslate2 imports neither torch nor transformers (nor
    numpy, a fifth of a second), and translates exactly as the transformers tokenizer would have."""
    monkeypatch.setenv("TRANSLATE_CLI_CACHE", str(tmp_path))
    folder = request.getfixturevalue(f"{family}_dir")
    reference = load_translator(resolve_model(str(folder)), backend="ctranslate2", beam=2)  # converts
    assert type(reference._tokenizer).__module__ == "translate_cli.light_tokenizer"
    code = ("import json, sys; from translate_cli.translate import load_translator; "
            f"t = load_translator({str(folder)!r}, backend='ctranslate2', beam=2); "
            f"print(json.dumps([t.translate({SENTENCES!r}), "
            "sorted({'torch', 'transformers', 'numpy'} & set(sys.modules))]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    outputs, heavy = json.loads(done.stdout)
    assert heavy == []
    reference._tokenizer = reference._engine.tokenizer = translate._transformers_tokenizer(folder)
    assert outputs == reference.translate(SENTENCES)


def test_cli_translation_to_stdout_starts_without_scoring(marian_dir, tmp_path, monkeypatch):
    """``translate -o -`` without a reference imports neither sacrebleu nor numpy (a third of a second)."""
    monkeypatch.setenv("TRANSLATE_CLI_CACHE", str(tmp_path))
    load_translator(resolve_model(str(marian_dir)), backend="ctranslate2", beam=2)  # converts
    code = (f"import sys; sys.argv = ['translate-cli', 'translate', '-m', {str(marian_dir)!r}, '--backend', "
            "'ctranslate2', '-o', '-', '-']; from translate_cli.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted({'sacrebleu', 'numpy', 'torch'} & set(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], input=SENTENCES[0] + "\n", capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() and done.stderr.strip().splitlines()[-1] == "[]"


def test_ct2_one_conversion_per_model_content(marian_dir, tmp_path, monkeypatch):
    """Every spelling of a folder, a symlink to it and a copy of it share one conversion."""
    import shutil

    monkeypatch.setenv("TRANSLATE_CLI_CACHE", str(tmp_path / "cache"))
    load_translator(resolve_model(str(marian_dir)), backend="ctranslate2")
    (tmp_path / "link").symlink_to(marian_dir)
    shutil.copytree(marian_dir, tmp_path / "copy")
    monkeypatch.setattr(translate, "convert_to_ct2", lambda *a: pytest.fail("converted again"))
    monkeypatch.chdir(marian_dir.parent)
    for spelling in (f"{marian_dir}/", f"./{marian_dir.name}", f"../{marian_dir.parent.name}/{marian_dir.name}",
                     str(tmp_path / "link"), str(tmp_path / "copy")):
        load_translator(resolve_model(spelling), backend="ctranslate2")
    assert len(list((tmp_path / "cache" / "ct2").iterdir())) == 1
    (tmp_path / "copy" / "config.json").write_text(
        (marian_dir / "config.json").read_text(encoding="utf-8").replace("}", ', "note": 1}', 1), encoding="utf-8")
    assert translate.content_key(tmp_path / "copy") != translate.content_key(marian_dir)


@pytest.mark.slow
def test_malloc_tuning_keeps_outputs_identical(marian_dir, tmp_path, monkeypatch):
    """The glibc thresholds set for CTranslate2 change where memory comes from, never a translation."""
    monkeypatch.setenv("TRANSLATE_CLI_CACHE", str(tmp_path))
    sentences = _sample_sentences()
    outputs = {}
    for tuned in (False, True):
        code = ("import json, sys; from translate_cli import translate; tune = translate.tune_malloc; applied = []; "
                f"translate.tune_malloc = lambda: applied.append(tune() if {tuned} else False) or applied[-1]; "
                f"t = translate.load_translator({str(marian_dir)!r}, backend='ctranslate2', beam=2); "
                f"print(json.dumps([t.translate({sentences!r}), applied]))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        outputs[tuned] = json.loads(done.stdout)
    assert outputs[True][1] == [True] and outputs[False][1] == [False]  # glibc here: the tuning applied
    assert outputs[True][0] == outputs[False][0] and all(outputs[True][0])
    monkeypatch.setenv("MALLOC_TOP_PAD_", "0")
    assert translate.tune_malloc() is False  # the user's own setting wins


def test_every_translator_is_a_sentence_translator(marian_dir):
    """The interface the pipeline and batch receive (records.SentenceTranslator); mypy checks Ray's."""
    from translate_cli.records import SentenceTranslator

    translator = load_translator(resolve_model(str(marian_dir)), backend="transformers")
    assert isinstance(translator, SentenceTranslator)
    assert not isinstance(object(), SentenceTranslator)


class _Counting:
    """A stand-in translator that upper-cases and counts the sentences asked for so far."""

    identity = label = "counting"

    def __init__(self):
        self.asked = 0

    def translate(self, sentences, progress=None, on_translated=None):
        self.asked += len(sentences)
        return [s.upper() for s in sentences]


@pytest.mark.parametrize("lines", [False, True])
def test_streamed_text_is_the_whole_text_and_starts_after_the_first_chunk(lines):
    from translate_cli.pipeline import join_target, source_segments, stream_text, target_segments

    text = "\n\n".join(SAMPLE.read_text(encoding="utf-8").split("\n\n") * 3)
    if lines:
        text = "\n\nKalimat pertama.\n\nKalimat kedua.\nKalimat ketiga.\n" * 20
    source = source_segments(text, lines)
    translator = _Counting()
    pieces = stream_text(source, translator, lines, first=8, most=32)
    first = next(pieces)
    assert translator.asked == 8 and first  # printed before the rest is translated
    whole = join_target(target_segments(source, [s.text.upper() for s in source], lines), lines)
    assert first + "".join(pieces) == whole and translator.asked == len(source)
