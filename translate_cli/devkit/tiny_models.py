"""Builders of tiny random-weight translation models, saved like real hub models.

Each builder writes a folder that loads through ``AutoTokenizer``/``AutoModelForSeq2SeqLM`` exactly as
the real model family does; the weights are random, so tests assert structure, never wording.
Each gets a SentencePiece model trained in a blink on the sample article plus a little English.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# the SentencePiece models are trained on the sample article of the source checkout
SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "almaty-back-online.id.txt"

ENGLISH = """\
Kazakhstan's largest city was back online on Monday after clashes and blackouts.
The former capital had been almost entirely offline since Wednesday, but local and foreign sites were reachable again.
Dozens of people were killed in the worst unrest in the history of the former Soviet republic.
The president said order had been restored, and troops from a Russia-led alliance guarded key buildings.
Shops reopened, buses ran again and people queued at banks to withdraw cash.
The government declared a day of mourning for the victims of the violence.
"""

# T5 layout (pad 0, eos 1, unk 2) suits MADLAD; the other builders map pieces to their own ids.
MADLAD_PREFIX = "<2en>"
TINY: dict[str, Any] = dict(d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
            decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=64)


def train_spm(path: Path, model_type: str = "unigram", vocab_size: int = 400) -> Path:
    """Train a small SentencePiece model (T5 id layout: pad 0, eos 1, unk 2) on the sample text into ``path``."""
    import sentencepiece as spm

    path.parent.mkdir(parents=True, exist_ok=True)
    text = SAMPLE.read_text(encoding="utf-8").splitlines() + ENGLISH.splitlines()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([line for line in text if line.strip()]),
        model_prefix=str(path.with_suffix("")), vocab_size=vocab_size, model_type=model_type,
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, user_defined_symbols=[MADLAD_PREFIX],
        character_coverage=1.0, minloglevel=2,
    )
    path.with_suffix(".model").rename(path)
    path.with_suffix(".vocab").unlink()
    return path


def _pieces(spm_path: Path) -> list[str]:
    """The SentencePiece vocabulary without its control pieces (pad, eos, unk)."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(spm_path))
    return [sp.id_to_piece(i) for i in range(3, sp.get_piece_size())]


def _write_vocab(path: Path, pieces: list[str]) -> None:
    path.write_text(json.dumps({p: i for i, p in enumerate(pieces)}), encoding="utf-8")


def _save(model_cls, config, tokenizer, out: Path) -> Path:
    import torch

    torch.manual_seed(0)
    model_cls(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def build_marian(out: Path, **config) -> Path:
    """A Marian (opus-mt style) model: source.spm, target.spm, vocab.json; ``config`` overrides TINY sizes."""
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    spm_path = train_spm(out / "source.spm")
    (out / "target.spm").write_bytes(spm_path.read_bytes())
    vocab = ["</s>", "<unk>", *_pieces(spm_path), "<pad>"]
    _write_vocab(out / "vocab.json", vocab)
    tokenizer = MarianTokenizer(str(spm_path), str(out / "target.spm"), str(out / "vocab.json"))
    pad = len(vocab) - 1
    marian = MarianConfig(vocab_size=len(vocab), pad_token_id=pad, decoder_start_token_id=pad, eos_token_id=0,
                          forced_eos_token_id=0, **{**TINY, **config})
    return _save(MarianMTModel, marian, tokenizer, out)


def _m2m100_config(vocab_size: int):
    from transformers import M2M100Config

    return M2M100Config(vocab_size=vocab_size, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                        decoder_start_token_id=2, **TINY)


def build_m2m100(out: Path) -> Path:
    """An M2M-100 style model: vocab.json + sentencepiece.bpe.model, ``__id__``/``__en__`` language tokens."""
    from transformers import M2M100ForConditionalGeneration, M2M100Tokenizer
    from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES

    spm_path = train_spm(out / "sentencepiece.bpe.model", "bpe")
    _write_vocab(out / "vocab.json", ["<s>", "<pad>", "</s>", "<unk>", *_pieces(spm_path)])
    # Like the hub's tokenizer_config, list the language tokens as special so decoding drops them.
    codes = [f"__{code}__" for code in FAIRSEQ_LANGUAGE_CODES["m2m100"]]
    tokenizer = M2M100Tokenizer(str(out / "vocab.json"), str(spm_path), extra_special_tokens=codes)
    size = tokenizer.vocab_size + len(tokenizer.lang_code_to_id) + tokenizer.num_madeup_words
    return _save(M2M100ForConditionalGeneration, _m2m100_config(size), tokenizer, out)


def build_nllb(out: Path) -> Path:
    """An NLLB style model: M2M-100 architecture with an NllbTokenizer (``ind_Latn``/``eng_Latn`` codes)."""
    from transformers import M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    train_spm(out / "sentencepiece.bpe.model", "bpe")
    tokenizer = NllbTokenizer.from_pretrained(out, extra_special_tokens=FAIRSEQ_LANGUAGE_CODES)
    return _save(M2M100ForConditionalGeneration, _m2m100_config(len(tokenizer)), tokenizer, out)


def build_madlad(out: Path) -> Path:
    """A MADLAD-400 style T5 model whose vocabulary holds the ``<2en>`` target-language token."""
    from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

    train_spm(out / "spiece.model")
    tokenizer = T5Tokenizer.from_pretrained(out, extra_ids=0)
    config = T5Config(vocab_size=len(tokenizer), d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2,
                      pad_token_id=0, eos_token_id=1,
                      decoder_start_token_id=0)  # type: ignore[call-arg]  # a PretrainedConfig keyword
    return _save(T5ForConditionalGeneration, config, tokenizer, out)


BUILDERS = {"marian": build_marian, "m2m100": build_m2m100, "nllb": build_nllb, "madlad": build_madlad}


# English words a looping model says (whole pieces of the tiny vocabulary); the first is the one it loops on
LOOP_WORDS = ("online", "again", "of", "in", "for", "at", "bus", "Almaty", "Kazakhstan")


def build_looping_marian(out: Path) -> Path:
    """A tiny Marian whose output loops, as small and random-weight models' often does ("online online ..." to
    the length limit): its output bias favours LOOP_WORDS, the first most, so plain decoding repeats that one;
    under a repetition penalty of 1.2 (``translate.REPAIR_SETTINGS``) each word is said once, in an order the
    random weights give, and then the end of the sentence wins."""
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    build_marian(out)
    model = MarianMTModel.from_pretrained(out)
    tokenizer = MarianTokenizer.from_pretrained(out)
    ids = tokenizer.convert_tokens_to_ids([f"\u2581{word}" for word in LOOP_WORDS])
    assert tokenizer.unk_token_id not in ids, "a loop word is not a piece of the tiny vocabulary"
    bias = torch.zeros_like(model.final_logits_bias)
    bias[0, ids] = 30.0  # divided by 1.2 once said: 25
    bias[0, ids[0]] = 32.0  # first and, unpenalised, every time after: 26.7 once said
    bias[0, tokenizer.eos_token_id] = 28.0  # below every unsaid word, above every said one
    model.final_logits_bias.copy_(bias)
    model.save_pretrained(out)
    return out
