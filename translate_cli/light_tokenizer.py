"""Tokenizers for the CTranslate2 path that load without torch or transformers (start-up in a fraction of a second).

They read a tokenizer folder that transformers itself saved (``save_pretrained``, done once when a model is
converted for CTranslate2), so every setting they need is written out in today's format, and they repeat what
the family's transformers tokenizer does for the calls a Translator makes: text to ids without special tokens
(added tokens split off first), ids to and from tokens, and decoding without special tokens. Marian
(source.spm, target.spm, vocab.json) and M2M-100 (sentencepiece.bpe.model, vocab.json) go through
sentencepiece, NLLB through its tokenizer.json and the tokenizers library. ``load_light_tokenizer`` answers
None for any other layout or setting, and transformers loads the tokenizer as before.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from pathlib import Path

_NAMED_SPECIALS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
_CLEAN_UP = ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
             (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"))  # transformers' clean_up_tokenization


def _content(token) -> str:
    return token["content"] if isinstance(token, dict) else str(token)


class _Tokenizer(ABC):
    """The part of a transformers tokenizer's interface that translate.py uses."""

    def __init__(self, config: dict, token_to_id):
        self._clean_up = bool(config.get("clean_up_tokenization_spaces", False))
        self.unk_token = _content(config["unk_token"])
        names = [_content(config[name]) for name in _NAMED_SPECIALS if config.get(name) is not None]
        names += [_content(token) for token in config.get("extra_special_tokens") or []]
        self.all_special_tokens = list(dict.fromkeys(names))
        self._token_to_id = token_to_id
        self.unk_token_id = token_to_id(self.unk_token)
        self.eos_token_id = token_to_id(_content(config["eos_token"]))
        self.all_special_ids = {token_to_id(token) for token in self.all_special_tokens}

    def convert_tokens_to_ids(self, tokens):
        return self._token_to_id(tokens) if isinstance(tokens, str) else [self._token_to_id(t) for t in tokens]

    @abstractmethod
    def decode(self, ids, skip_special_tokens: bool = False) -> str:
        """The text of one sequence of ids."""

    def batch_decode(self, sequences, skip_special_tokens: bool = False) -> list[str]:
        return [self.decode(ids, skip_special_tokens) for ids in sequences]


class _SentencePieceTokenizer(_Tokenizer):
    """transformers' MarianTokenizer or M2M100Tokenizer (its Python backend): added tokens are split off by
    longest match, then each piece of text is cut by sentencepiece and its pieces looked up in vocab.json."""

    def __init__(self, folder: Path, config: dict, family: str, spm_file: str):
        import sentencepiece

        self._family = family
        self._spm = sentencepiece.SentencePieceProcessor(model_file=str(folder / spm_file))
        self._vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        self._added = {int(i): token for i, token in config.get("added_tokens_decoder", {}).items()}
        self._added_ids = {token["content"]: i for i, token in self._added.items()}
        self._from_id = {i: piece for piece, i in self._vocab.items()}
        self._unk = self._vocab[_content(config["unk_token"])]
        super().__init__(config, self._id_of)
        added = sorted(self._added_ids, key=len, reverse=True)  # longest first, as transformers' Trie
        self._split = re.compile("(" + "|".join(map(re.escape, added)) + ")") if added else None

    def _id_of(self, token: str) -> int:
        return self._added_ids.get(token, self._vocab.get(token, self._unk))

    def get_lang_token(self, lang: str) -> str:
        return f"__{lang}__"

    def __call__(self, texts: list[str], add_special_tokens: bool = False) -> dict[str, list[list[int]]]:
        """Each text's ids, never with special tokens (the Translator inserts those by id)."""
        return {"input_ids": [self.convert_tokens_to_ids(self.tokenize(text)) for text in texts]}

    def tokenize(self, text: str) -> list[str]:
        parts = self._split.split(text) if self._split else [text]
        for i in range(1, len(parts), 2):  # odd parts are added tokens; honour their lstrip/rstrip
            token = self._added[self._added_ids[parts[i]]]
            if token.get("rstrip") and i + 1 < len(parts) and parts[i + 1]:
                parts[i + 1] = parts[i + 1].lstrip()
            if token.get("lstrip") and parts[i - 1]:
                parts[i - 1] = parts[i - 1].rstrip()
        tokens = []
        for i, part in enumerate(parts):
            if i % 2:
                tokens.append(part)
            elif part:
                tokens.extend(self._pieces(part))
        return tokens

    def _pieces(self, text: str) -> list[str]:
        code = []
        if self._family == "marian" and text.startswith(">>") and (end := text.find("<<")) != -1:
            code, text = [text[: end + 2]], text[end + 2 :]  # Marian's target-language code, kept whole
        return code + self._spm.encode(text, out_type=str)

    def convert_ids_to_tokens(self, ids) -> list[str]:
        return [self._token_of(int(i)) for i in ids]

    def _token_of(self, index: int) -> str:
        if index in self._added:
            return self._added[index]["content"]
        if index in self._from_id:
            return self._from_id[index]
        return (self._spm.id_to_piece(index) or self.unk_token) if self._family == "marian" else self.unk_token

    def decode(self, ids, skip_special_tokens: bool = False) -> str:
        ids = [int(i) for i in ids if not (skip_special_tokens and int(i) in self.all_special_ids)]
        specials, text, pieces = set(self.all_special_tokens), "", list[str]()
        space = " " if self._family == "marian" else ""
        for token in self.convert_ids_to_tokens(ids):  # special tokens are kept out of sentencepiece
            if token in specials:
                text += self._spm.decode_pieces(pieces) + token + space
                pieces = []
            else:
                pieces.append(token)
        text += self._spm.decode_pieces(pieces)
        text = (text.replace("▁", " ") if self._family == "marian" else text).strip()
        if self._clean_up:
            for old, new in _CLEAN_UP:
                text = text.replace(old, new)
        return text


class _TokenizersTokenizer(_Tokenizer):
    """transformers' NllbTokenizer (its tokenizers backend): the very tokenizer.json it saved."""

    def __init__(self, folder: Path, config: dict):
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        super().__init__(config, self._id_of)

    def _id_of(self, token: str) -> int:
        found = self._tokenizer.token_to_id(token)
        return self.unk_token_id if found is None else found

    def __call__(self, texts: list[str], add_special_tokens: bool = False) -> dict[str, list[list[int]]]:
        """Each text's ids, never with special tokens (the Translator inserts those by id)."""
        return {"input_ids": [e.ids for e in self._tokenizer.encode_batch(texts, add_special_tokens=False)]}

    def convert_ids_to_tokens(self, ids) -> list[str]:
        return [self._tokenizer.id_to_token(int(i)) or self.unk_token for i in ids]  # None: an id out of range

    def decode(self, ids, skip_special_tokens: bool = False) -> str:
        # transformers never cleans up spaces after a BPE model (it would corrupt the text)
        return self._tokenizer.decode([int(i) for i in ids], skip_special_tokens=skip_special_tokens)


def load_light_tokenizer(folder: Path, family: str) -> _Tokenizer | None:
    """The tokenizer saved in ``folder`` by transformers, loaded without it; None when the layout is not one
    of those above (or uses a setting they do not repeat: separate vocabularies, sampling, single-word tokens)."""
    path = folder / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    expected = {"marian": "MarianTokenizer", "m2m100": "M2M100Tokenizer", "nllb": "NllbTokenizer"}.get(family)
    if not expected or config.get("tokenizer_class") != expected or config.get("sp_model_kwargs"):
        return None
    if any(token.get("single_word") for token in config.get("added_tokens_decoder", {}).values()):
        return None
    if family == "marian" and not config.get("separate_vocabs") and (folder / "source.spm").is_file():
        return _SentencePieceTokenizer(folder, config, family, "source.spm")
    if family == "m2m100" and (folder / "sentencepiece.bpe.model").is_file():
        return _SentencePieceTokenizer(folder, config, family, "sentencepiece.bpe.model")
    if family == "nllb" and (folder / "tokenizer.json").is_file():
        return _TokenizersTokenizer(folder, config)
    return None
