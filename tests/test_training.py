"""The embedded model's recipe end to end on the CPU: a few thousand made-up pairs, a tiny configuration."""

from __future__ import annotations

import json
import random

import pytest

from translate_cli import training
from translate_cli.models import local_spec
from translate_cli.translate import load_translator

SUBJECTS = [("warga", "residents"), ("pemerintah", "the government"), ("polisi", "the police"),
            ("para siswa", "the students"), ("presiden", "the president"), ("petani", "farmers")]
VERBS = [("melihat", "saw"), ("membangun", "built"), ("menutup", "closed"), ("membuka", "opened"),
         ("mengunjungi", "visited")]
OBJECTS = [("jalan baru", "a new road"), ("pasar", "the market"), ("sekolah", "the school"),
           ("rumah sakit", "the hospital"), ("kantor itu", "that office")]
TIMES = [("pada hari Senin", "on Monday"), ("kemarin", "yesterday"), ("pekan lalu", "last week")]


def made_up_pairs(n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        (s_id, s_en), (v_id, v_en), (o_id, o_en), (t_id, t_en) = (rng.choice(x)
                                                                  for x in (SUBJECTS, VERBS, OBJECTS, TIMES))
        pairs.append((f"{s_id.capitalize()} {v_id} {o_id} {t_id}.",
                      f"{s_en[0].upper()}{s_en[1:]} {v_en} {o_en} {t_en}."))
    return pairs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A folder laid out like ../shared/data: train/combined.{id,en,source} and dev/general.valid.{id,en}."""
    root = tmp_path_factory.mktemp("data")
    (root / "train").mkdir()
    (root / "dev").mkdir()
    pairs = made_up_pairs(3000, seed=1)
    pairs += [("“Saya tidak tahu,” katanya.", '"I do not know," she said.'),
              ("Baris dari TED ini harus hilang.", "This TED line must go.")]
    sources = ["made-up"] * (len(pairs) - 1) + ["ted/tst2010"]
    (root / "train" / "combined.id").write_text("".join(s + "\n" for s, _ in pairs), encoding="utf-8")
    (root / "train" / "combined.en").write_text("".join(t + "\n" for _, t in pairs), encoding="utf-8")
    (root / "train" / "combined.source").write_text("".join(s + "\n" for s in sources), encoding="utf-8")
    dev = made_up_pairs(50, seed=2)
    (root / "dev" / "general.valid.id").write_text("".join(s + "\n" for s, _ in dev), encoding="utf-8")
    (root / "dev" / "general.valid.en").write_text("".join(t + "\n" for _, t in dev), encoding="utf-8")
    return root


STEPS = 240


def test_bf16_autocast_only_where_bf16_is_native(monkeypatch):
    avx2 = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n"
    sapphire = "flags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"
    assert not training.cpu_has_native_bf16(avx2)
    assert training.cpu_has_native_bf16(sapphire)
    assert not training.cpu_has_native_bf16("")
    monkeypatch.setattr(training, "cpu_has_native_bf16", lambda: False)
    assert training.autocast_dtype("cpu") is None  # fp32: emulated bf16 is ~13x slower
    monkeypatch.setattr(training, "cpu_has_native_bf16", lambda: True)
    import torch

    assert training.autocast_dtype("cpu") is torch.bfloat16


def test_normalise_and_filter():
    assert training.normalise("“Halo”  ‘dunia’\u00a0ﬁ") == "\"Halo\" 'dunia' fi"
    assert training.keep_pair("Satu dua tiga.", "One two three.")
    assert not training.keep_pair("Satu.", "One two three four five six seven eight nine ten eleven.")
    assert not training.keep_pair("Sama.", "Sama.")


@pytest.mark.slow
def test_recipe_prepares_trains_and_exports_a_loadable_model(corpus, tmp_path):
    prep, run, out = tmp_path / "prep", tmp_path / "run", tmp_path / "models" / "tiny"
    training.prepare(data=corpus, out=prep, vocab_size=300, max_pairs=0)
    meta = json.loads((prep / "prep.json").read_text())
    assert meta["pairs"] < 3001  # the TED row and duplicates are gone
    vocab = json.loads((prep / "tokenizer" / "vocab.json").read_text(encoding="utf-8"))
    assert vocab["</s>"] == 0 and vocab["<unk>"] == 1 and vocab["<pad>"] == len(vocab) - 1
    assert {"source.spm", "target.spm", "vocab.json"} <= {p.name for p in (prep / "tokenizer").iterdir()}

    # A step budget, not a time budget: the same training on every machine, fast or slow, bf16 or not.
    config = {"d_model": 32, "encoder_layers": 1, "decoder_layers": 1, "heads": 2, "ffn_dim": 64,
              "minutes": 600, "max_steps": STEPS, "eval_steps": STEPS // 2, "max_tokens": 1500,
              "warmup_steps": 20, "lr": 3e-3}
    training.train(prep=prep, run=run, config=json.dumps(config), device="cpu", threads=1)
    state = json.loads((run / "meta.json").read_text())
    assert state["step"] == STEPS and state["best_dev_chrf"] > 2  # it learns (about 10 after 200 steps)
    training.train(prep=prep, run=run, config="{}", device="cpu", threads=1)  # resumes: budget already spent
    assert json.loads((run / "meta.json").read_text())["step"] == STEPS

    training.export(run=run, out=out, card=None)
    files = {p.name for p in out.iterdir()}
    assert {"config.json", "model.safetensors", "source.spm", "target.spm", "vocab.json"} <= files
    from safetensors import safe_open

    with safe_open(out / "model.safetensors", "pt") as weights:
        assert str(weights.get_tensor(next(iter(weights.keys()))).dtype) == "torch.float16"
        embeddings = weights.get_tensor("model.shared.weight")
    # decoding starts from a zero <pad> embedding, which CTranslate2's Marian converter assumes
    assert not embeddings[vocab["<pad>"]].any()

    translator = load_translator(local_spec("tiny", out), device="cpu", beam=2, backend="transformers")
    outputs = translator.translate(["Warga membuka pasar kemarin.", "“Saya tidak tahu,” katanya."])
    assert len(outputs) == 2 and all(isinstance(o, str) for o in outputs)
