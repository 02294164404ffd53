"""Translate sentences with a seq2seq model, through transformers or CTranslate2.

Sentences are tokenised once, sorted by length and batched by padded token count; a sentence longer
than the model accepts is cut at clause boundaries and its pieces' translations joined.
Heavy libraries (torch, transformers, ctranslate2) are imported only when a model loads, and a model already
converted for CTranslate2 loads without torch or transformers (see light_tokenizer).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator, Literal, NamedTuple, Sequence, get_args

from translate_cli.checks import check_pair
from translate_cli.errors import UserError
from translate_cli.light_tokenizer import load_light_tokenizer
from translate_cli.models import FAMILY_LANGS, ModelSpec, detect_family, model_folder, resolve_model

Backend = Literal["auto", "transformers", "ctranslate2"]  # the CLI takes these as typed here
BACKENDS: tuple[str, ...] = get_args(Backend)
CT2_FAMILIES = ("marian", "nllb", "m2m100")  # 'auto' leaves MADLAD/T5 on transformers
DEFAULT_BATCH_SIZE = 32  # sentences per model batch, for the CLI and the Python API alike
TOKENS_PER_SENTENCE = 64  # default token budget per batch slot: max_batch_tokens = batch_size * this
FALLBACK_MAX_TOKENS = 512
# Output budgets are rounded up to these steps, so that sentences of similar length share a batch.
_BUDGET_STEPS = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)

# Repair: a piece whose output the checks call degenerate (a loop, far too long or short, truncated) or
# untranslated, or that filled its output budget, is decoded once more with settings against those failures:
# no trigram twice (trigram blocking, Paulus et al. 2018, A Deep Reinforced Model for Abstractive Summarization),
# the repetition penalty of Keskar et al. 2019 (CTRL: 1.2), twice the beam and twice the output budget.
REPAIR_CODES = ("degenerate", "untranslated")
REPAIR_SETTINGS = {"no_repeat_ngram_size": 3, "repetition_penalty": 1.2}
_REPAIR_WIDER = 2  # beam and output budget of the second try, times the first's

# Repair's third candidate, for a long piece whose first output is degenerate or truncated: the piece cut in two at
# a clause boundary, each clause translated with the second try's settings, and the translations joined (clause
# segmentation against the length problems of NMT: Pouget-Abadie et al. 2014, Overcoming the Curse of Sentence
# Length for Neural Machine Translation using Automatic Segmentation). The boundary is a comma or semicolon
# followed by a conjunction, else the comma nearest the middle; each side keeps at least _CLAUSE_MIN_WORDS words.
_CLAUSE_LONG_WORDS = 14  # a piece of fewer words is not cut
_CLAUSE_MIN_WORDS = 4
_CONJUNCTIONS_EN = ("and", "but", "or", "while", "which", "because")
_CONJUNCTIONS = ("dan", "tetapi", "tapi", "namun", "atau", "sedangkan", "serta", "sehingga", "karena", "sementara",
                 "padahal", "meskipun", "walaupun", "yang", *_CONJUNCTIONS_EN)
_CLAUSE_BREAKS = (re.compile(rf"[,;](?=\s+(?:{'|'.join(_CONJUNCTIONS)})\b)", re.I), re.compile(r"[,;](?=\s)"))
# English words a clause may start with, lowercased when they open the second clause's translation ("And" -> "and")
_CLAUSE_OPENERS = frozenset((*_CONJUNCTIONS_EN, "so", "then", "although", "though", "however", "whereas", "as", "that",
                             "who", "where", "when", "yet"))

# Split points tried in order for an over-long sentence; pieces keep every character of the text.
_BREAKS = [
    re.compile(r"(?<=[;:])(?=\s)"),
    re.compile(r"(?<=,)(?=\s)"),
    re.compile(r"(?=[—–])"),
    re.compile(r"(?=\s(?:dan|tetapi|namun|atau|sedangkan|serta|sehingga|karena|yang|and|but|or|which)\s)", re.I),
    re.compile(r"(?<=\S)(?=\s)"),  # between words: the hard fallback
]


def cores() -> int:
    """CPU threads to compute with: $OMP_NUM_THREADS when set (for shared machines), else the usable cores."""
    if os.environ.get("OMP_NUM_THREADS", "").isdigit() and int(os.environ["OMP_NUM_THREADS"]) > 0:
        return int(os.environ["OMP_NUM_THREADS"])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _pack(parts: list[str], fits: Callable[[str], bool]) -> list[str]:
    """Greedily join consecutive parts while the result still fits."""
    pieces, current = [], ""
    for part in parts:
        if current and not fits(current + part):
            pieces.append(current)
            current = part
        else:
            current += part
    return pieces + [current] if current else pieces


def clause_split(text: str) -> tuple[str, str] | None:
    """``text`` cut in two at a clause boundary (see _CLAUSE_BREAKS), or None when it is short or has none."""
    words = text.split()
    if len(words) < _CLAUSE_LONG_WORDS:
        return None
    for pattern in _CLAUSE_BREAKS:
        cuts = [m.end() for m in pattern.finditer(text)
                if min(len(text[:m.end()].split()), len(text[m.end():].split())) >= _CLAUSE_MIN_WORDS]
        if cuts:
            cut = min(cuts, key=lambda c: (abs(2 * c - len(text)), c))
            return text[:cut].strip(), text[cut:].strip()
    return None


def join_clauses(sources: tuple[str, str], translations: list[str]) -> str:
    """The clauses' translations joined: the first ends in its source's comma or semicolon where the model ended
    it with a period or a word, and the second starts in lower case with a conjunction (``, and ...``)."""
    first, second = (t.strip() for t in translations)
    mark = sources[0][-1:]
    if mark in (",", ";") and first.endswith(".") and not first.endswith(".."):
        first = first[:-1] + mark
    elif mark in (",", ";") and first[-1:].isalnum():
        first += mark
    opener = second.split(maxsplit=1)[0] if second else ""
    if opener[:1].isupper() and opener.lower().strip(",") in _CLAUSE_OPENERS:
        second = second[0].lower() + second[1:]
    return " ".join(t for t in (first, second) if t)


def split_to_fit(text: str, fits: Callable[[str], bool], level: int = 0) -> list[str]:
    """Cut ``text`` into consecutive pieces that each fit, preferring ; : then , then dashes, then conjunctions,
    then word and finally character boundaries. ``''.join(pieces) == text``."""
    if fits(text) or len(text) <= 1:
        return [text]
    parts = _BREAKS[level].split(text) if level < len(_BREAKS) else list(text)
    return [small for piece in _pack(parts, fits) for small in split_to_fit(piece, fits, level + 1)]


class Translator:
    """Translates sentences in length-sorted, token-bounded batches with one engine (transformers or CT2).

    ``identity`` names model, revision, backend and decoding settings (a cache key); ``label`` says the
    same for people (``my-model (Marian, CTranslate2 int8, beam 4)``); ``max_source_tokens`` is the
    longest input, special tokens included, the model accepts. A sentence's input is ``prefix_ids``, its
    own tokens and ``suffix_ids`` (language and end tokens inserted by id, never as text), and its output
    budget depends on its own length: a sentence is translated the same alone or beside any others.
    With ``repair``, a sentence (or piece of a cut one) whose output fails a check of REPAIR_CODES or fills
    its budget is translated once more with REPAIR_SETTINGS (a long one whose output is degenerate also in two
    clauses, see _CLAUSE_BREAKS), and the candidate the checks and then the confidence prefer is kept
    (:meth:`repaired` tells which sentences took another than the first); repair too is per sentence and
    deterministic, so the translation still depends only on the sentence and ``identity``.
    """

    def __init__(self, engine, tokenizer, prefix_ids: Sequence[int], suffix_ids: Sequence[int], identity: str,
                 max_source_tokens: int, batch_size: int, max_batch_tokens: int, label: str = "",
                 repair: bool = False):
        self._engine = engine
        self._tokenizer = tokenizer
        self._prefix_ids, self._suffix_ids = list(prefix_ids), list(suffix_ids)
        self.identity = identity
        self.label = label or identity
        self.max_source_tokens = max_source_tokens
        self._batch_size = batch_size
        self._max_batch_tokens = max_batch_tokens
        self._confidence: dict[str, float] = {}
        self.repair = repair
        self._repaired: set[str] = set()

    def confidence(self, sentence: str) -> float | None:
        """The model's length-normalised log-probability of the translation it gave ``sentence`` (mean per
        output token as the engine counts them; a cut sentence's pieces weighted by their tokens), or None for a
        blank sentence or one not translated by this translator. Like the translation, it does not depend on
        the sentence's batch-mates. This is the "TP" confidence of Fomicheva et al. (2020), Unsupervised
        Quality Estimation for Neural Machine Translation."""
        return self._confidence.get(sentence.strip())

    def repaired(self, sentence: str) -> bool:
        """Whether the translation this translator gave ``sentence`` is a repair's second try (see the class)."""
        return sentence.strip() in self._repaired

    def _encode(self, texts: list[str]) -> list[list[int]]:
        """Each text's model input ids: the language prefix, the text's tokens, the end token(s)."""
        if not texts:
            return []
        tokens = self._tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [self._prefix_ids + ids + self._suffix_ids for ids in tokens]

    def _fits(self, text: str) -> bool:
        return len(self._encode([text.strip()])[0]) <= self.max_source_tokens

    def _budget(self, input_tokens: int, retry: bool) -> int:
        budget = output_budget(input_tokens, self.max_source_tokens)
        return min(budget * _REPAIR_WIDER, self.max_source_tokens) if retry else budget

    def _batches(self, lengths: list[int], retry: bool = False) -> list[list[int]]:
        """Indices grouped shortest first, each group within batch_size and max_batch_tokens padded tokens,
        and of one output budget."""
        budget = [self._budget(n, retry) for n in lengths]
        batches: list[list[int]] = []
        for k in sorted(range(len(lengths)), key=lengths.__getitem__):
            batch = batches[-1] if batches else None
            if (batch and len(batch) < self._batch_size and budget[batch[0]] == budget[k]
                    and (len(batch) + 1) * lengths[k] <= self._max_batch_tokens):
                batch.append(k)
            else:
                batches.append([k])
        return batches

    def translate(self, sentences: Sequence[str], progress: Callable[[int], None] | None = None,
                  on_translated: Callable[[list[tuple[int, str]]], None] | None = None) -> list[str]:
        """One translation per sentence, same order.

        As model batches finish, ``progress(n)`` is told that n more sentences are done and
        ``on_translated`` receives those sentences as (index, translation) pairs, so a caller can keep
        them even if a later batch is interrupted.
        """
        texts = [sentence.strip() for sentence in sentences]
        positions: dict[str, list[int]] = {}  # each distinct sentence is translated once
        for i, text in enumerate(texts):
            if text:
                positions.setdefault(text, []).append(i)
        results = {i: "" for i, text in enumerate(texts) if not text}
        self._report(list(results.items()), progress, on_translated)  # blank sentences are done at once
        pieces, ids = self._pieces(list(positions))
        needs: dict[str, list[str]] = {}  # piece -> the sentences waiting for it
        for text, parts in pieces.items():
            for part in dict.fromkeys(parts):
                needs.setdefault(part, []).append(text)
        left = {text: len(set(parts)) for text, parts in pieces.items()}
        done: dict[str, Output] = {}
        second: set[str] = set()  # pieces whose kept output is a repair's

        def finish(outputs: dict[str, Output]) -> None:
            finished = []
            for piece, output in outputs.items():
                done[piece] = output
                for text in needs[piece]:
                    left[text] -= 1
                    if left[text] == 0:
                        parts = [done[part] for part in pieces[text]]
                        translation = " ".join(t for t in (o.text.strip() for o in parts) if t)
                        self._confidence[text] = (sum(o.log_prob for o in parts)
                                                  / max(1, sum(o.tokens for o in parts)))
                        if second.intersection(pieces[text]):
                            self._repaired.add(text)
                        else:
                            self._repaired.discard(text)
                        for i in positions[text]:
                            results[i] = translation
                            finished.append((i, translation))
            self._report(finished, progress, on_translated)

        failed: dict[str, Output] = {}  # first outputs to repair
        for first, budget in self._decode(list(ids), ids, retry=False):
            failed.update((p, o) for p, o in first.items() if self.repair and self._problems(p, o, o.tokens >= budget))
            finish({p: o for p, o in first.items() if p not in failed})
        candidates = {piece: [(output, output.tokens >= self._budget(len(ids[piece]), False))]
                      for piece, output in failed.items()}
        for retried, budget in self._decode(list(failed), ids, retry=True):
            for piece, output in retried.items():
                candidates[piece].append((output, output.tokens >= budget))
        for piece, candidate in self._clause_candidates(failed, ids).items():
            candidates[piece].append(candidate)
        kept = {}
        for piece, found in candidates.items():
            # the best rank; on a tie, or for the same text again, the earlier candidate (the first output first)
            options = [k for k, (output, _) in enumerate(found) if k == 0 or output.text != failed[piece].text]
            best = min(options, key=lambda k: (self._rank(piece, *found[k]), k))
            kept[piece] = found[best][0]
            if best:
                second.add(piece)
        finish(kept)
        return [results[i] for i in range(len(texts))]

    def _clause_candidates(self, failed: dict[str, Output],
                           ids: dict[str, list[int]]) -> dict[str, tuple[Output, bool]]:
        """Repair's clause candidate (see _CLAUSE_BREAKS) of each long failed piece whose first output is degenerate
        or filled its budget: the clauses' outputs with REPAIR_SETTINGS joined (log-probabilities and tokens summed),
        and whether one filled its budget."""
        splits = {}
        for piece, output in failed.items():
            degenerate = output.tokens >= self._budget(len(ids[piece]), False) or any(
                f.code == "degenerate" for f in check_pair(piece, output.text))
            clauses = clause_split(piece) if degenerate else None
            if clauses is not None:
                splits[piece] = clauses
        parts = list(dict.fromkeys(clause for clauses in splits.values() for clause in clauses))
        part_ids = dict(zip(parts, self._encode(parts)))
        decoded: dict[str, tuple[Output, bool]] = {}
        for outputs, budget in self._decode(parts, part_ids, retry=True):
            decoded.update((part, (output, output.tokens >= budget)) for part, output in outputs.items())
        joined = {}
        for piece, clauses in splits.items():
            halves = [decoded[clause][0] for clause in clauses]
            text = join_clauses(clauses, [half.text for half in halves])
            joined[piece] = (Output(text, sum(h.log_prob for h in halves), sum(h.tokens for h in halves)),
                             any(decoded[clause][1] for clause in clauses))
        return joined

    def _decode(self, unique: list[str], ids: dict[str, list[int]],
                retry: bool) -> Iterator[tuple[dict[str, Output], int]]:
        """The engine's outputs for these pieces, one model batch at a time (a retry with REPAIR_SETTINGS),
        and the batch's output budget."""
        for batch in self._batches([len(ids[piece]) for piece in unique], retry):
            budget = self._budget(len(ids[unique[batch[0]]]), retry)
            inputs = [ids[unique[k]] for k in batch]
            outputs = self._engine(inputs, budget, repair=True) if retry else self._engine(inputs, budget)
            yield {unique[k]: output for k, output in zip(batch, outputs)}, budget

    @staticmethod
    def _problems(piece: str, output: Output, filled: bool) -> int:
        """How many of the failures repair is for the output shows: REPAIR_CODES findings, a ``filled`` budget."""
        return filled + sum(f.code in REPAIR_CODES for f in check_pair(piece, output.text))

    def _rank(self, piece: str, output: Output, filled: bool) -> tuple[int, int, float]:
        """A candidate's rank, lowest best: its repair failures, then all its findings, then its confidence."""
        return (self._problems(piece, output, filled), len(check_pair(piece, output.text)),
                -output.log_prob / max(1, output.tokens))

    def _pieces(self, texts: list[str]) -> tuple[dict[str, list[str]], dict[str, list[int]]]:
        """Each sentence's pieces (itself, or cut to fit the model); and each distinct piece's input ids."""
        ids_of = dict(zip(texts, self._encode(texts)))
        pieces = {}
        for text in texts:
            if len(ids_of[text]) <= self.max_source_tokens:
                pieces[text] = [text]
            else:
                del ids_of[text]
                pieces[text] = [piece.strip() for piece in split_to_fit(text, self._fits)]
        cut = list(dict.fromkeys(p for parts in pieces.values() for p in parts if p not in ids_of))
        ids_of.update(zip(cut, self._encode(cut)))
        return pieces, ids_of

    @staticmethod
    def _report(finished: list[tuple[int, str]], progress, on_translated) -> None:
        if finished and progress:
            progress(len(finished))
        if finished and on_translated:
            on_translated(finished)


def output_budget(input_tokens: int, ceiling: int) -> int:
    """A sentence's output budget from its own input length alone: twice it plus 10, rounded up to the next
    of _BUDGET_STEPS, within the model's limit ``ceiling``."""
    need = 2 * input_tokens + 10
    return min(next((step for step in _BUDGET_STEPS if step >= need), need), ceiling)


class Output(NamedTuple):
    """One engine output: the decoded text, the summed log-probability of its tokens and their number (the
    end token included)."""

    text: str
    log_prob: float
    tokens: int


class _TransformersEngine:
    def __init__(self, model, tokenizer, device: str, beam: int, forced_bos: int | None):
        self.model, self.tokenizer, self.device = model, tokenizer, device
        self.options = {"num_beams": beam}
        if forced_bos is not None:
            self.options["forced_bos_token_id"] = forced_bos

    def __call__(self, ids: list[list[int]], max_new_tokens: int, repair: bool = False) -> list[Output]:
        import torch

        batch = self.tokenizer.pad({"input_ids": ids}, return_tensors="pt").to(self.device)
        options = {**self.options, **REPAIR_SETTINGS, "num_beams": self.options["num_beams"] * _REPAIR_WIDER} \
            if repair else self.options
        greedy = options["num_beams"] == 1
        with torch.inference_mode():
            # The per-step scores (one vocabulary-wide row per hypothesis and step) live only until this batch
            # returns: greedy search's give the chosen tokens' log-probabilities; beam search sums them itself
            # (sequences_scores, the sum / length ** length_penalty).
            out = self.model.generate(**batch, **options, max_new_tokens=max_new_tokens,
                                      return_dict_in_generate=True, output_scores=True)
            generated = out.sequences[:, 1:]  # after the decoder start token
            tokens = (generated != self.tokenizer.pad_token_id).sum(dim=1).clamp(min=1)
            if greedy:
                steps = self.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
                log_probs = steps.masked_fill(generated[:, -steps.shape[1]:] == self.tokenizer.pad_token_id, 0)
                log_probs = log_probs.float().sum(dim=1)
            else:
                penalty = self.model.generation_config.length_penalty
                penalty = 1.0 if penalty is None else penalty  # generate's default
                log_probs = out.sequences_scores.float() * tokens.float() ** penalty
        texts = self.tokenizer.batch_decode(out.sequences, skip_special_tokens=True)
        return [Output(text, float(lp), int(n)) for text, lp, n in zip(texts, log_probs, tokens)]


class _CTranslate2Engine:
    def __init__(self, translator, tokenizer, beam: int, target_token: str | None, max_batch_tokens: int):
        self.translator, self.tokenizer, self.beam = translator, tokenizer, beam
        self.target_token, self.max_batch_tokens = target_token, max_batch_tokens

    def __call__(self, ids: list[list[int]], max_new_tokens: int, repair: bool = False) -> list[Output]:
        results = self.translator.translate_batch(
            [self.tokenizer.convert_ids_to_tokens(x) for x in ids],
            target_prefix=[[self.target_token]] * len(ids) if self.target_token else None,
            beam_size=self.beam * _REPAIR_WIDER if repair else self.beam,
            **(REPAIR_SETTINGS if repair else {}),
            max_batch_size=self.max_batch_tokens,
            batch_type="tokens",
            max_decoding_length=max_new_tokens,
            return_scores=True,  # the summed log-probability / length ** length_penalty (default 1: the mean)
        )
        outputs = []
        for result in results:
            tokens = result.hypotheses[0]
            length = max(1, len(tokens))
            if self.target_token and tokens[:1] == [self.target_token]:
                tokens = tokens[1:]
            text = self.tokenizer.decode(self.tokenizer.convert_tokens_to_ids(tokens), skip_special_tokens=True)
            outputs.append(Output(text, result.scores[0] * length, length))
        return outputs


def language_tokens(tokenizer, spec: ModelSpec) -> tuple[list[int], list[int], str | None]:
    """The ids put before and after every input sentence, and the token output must start with (NLLB, M2M-100)
    or None. Language tokens are inserted by id, so no tokenizer version can split them as text:
    NLLB and M2M-100 start with the source language, MADLAD-400 with the target language (``<2en>``)."""
    if spec.family == "madlad":
        prefix, token = [spec.tgt_lang], None
    elif spec.family == "nllb":
        prefix, token = [spec.src_lang], spec.tgt_lang
    elif spec.family == "m2m100":
        prefix, token = [tokenizer.get_lang_token(spec.src_lang)], tokenizer.get_lang_token(spec.tgt_lang)
    else:
        prefix, token = [], None
    unknown = [t for t in [*prefix, token] if t and tokenizer.convert_tokens_to_ids(t) == tokenizer.unk_token_id]
    if unknown:
        raise UserError(f"model '{spec.name}' does not know the language token(s) {', '.join(unknown)}")
    return tokenizer.convert_tokens_to_ids(prefix), [tokenizer.eos_token_id], token


def _max_source_tokens(model_path: Path, tokenizer) -> int:
    """Longest input the model accepts: the smaller of the config's positions and the tokenizer's limit."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(model_path)
    found = [getattr(config, name, None) for name in ("max_position_embeddings", "n_positions")]
    found.append(tokenizer.model_max_length)
    limits = [n for n in found if isinstance(n, int) and 0 < n < 100_000]
    return min(limits) if limits else FALLBACK_MAX_TOKENS


def _transformers_tokenizer(folder: Path):
    from transformers import AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()  # no weight-loading bars or advice on the user's stderr
    transformers_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")  # Marian's, harmless
    return AutoTokenizer.from_pretrained(folder)


def _model_key(spec: ModelSpec, folder: Path) -> str:
    """Model id plus version: hub id @ revision, or local folder @ newest file mtime."""
    if folder.parent.name == "snapshots":
        return f"{spec.source}@{folder.name}"
    return f"{folder.resolve()}@{max(f.stat().st_mtime_ns for f in folder.iterdir() if f.is_file())}"


_MODEL_FILES = (".json", ".safetensors", ".bin", ".spm", ".model")  # what a conversion reads


def content_key(folder: Path) -> str:
    """A hash of the model's files (name and bytes of its weights, configuration and vocabularies), so that
    every path to the same model (spellings, symlinks, copies, a hub snapshot) shares one conversion.
    Hashing is remembered under the cache folder by the files' identity (path, inode, size, mtime), so a
    model is read in full once, not at every start."""
    files = sorted(f for f in folder.iterdir() if f.suffix in _MODEL_FILES and f.is_file())
    stats = [(str(f.resolve()), f.stat()) for f in files]
    seen = "\n".join(f"{path}|{st.st_ino}|{st.st_size}|{st.st_mtime_ns}" for path, st in stats)
    memo = ct2_cache_dir().parent / "content-keys" / hashlib.sha256(seen.encode()).hexdigest()[:32]
    if memo.is_file():
        return memo.read_text(encoding="ascii").strip()
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.name}\0".encode())
        with f.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    key = digest.hexdigest()[:32]
    memo.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo.with_name(f"{memo.name}.{os.getpid()}.tmp")
    tmp.write_text(key, encoding="ascii")
    tmp.replace(memo)
    return key


Device = Literal["auto", "cpu", "cuda", "mps"]
DEVICES: tuple[str, ...] = get_args(Device)


def check_device(device: str) -> None:
    """Refuse, in one line, a device this machine does not have (before any engine tries it)."""
    if device not in DEVICES:
        raise UserError(f"unknown device '{device}': use one of {', '.join(DEVICES)}")
    if device in ("auto", "cpu"):
        return
    import torch

    with warnings.catch_warnings():  # torch warns about a missing driver before answering False
        warnings.simplefilter("ignore")
        present = torch.cuda.is_available() if device == "cuda" else torch.backends.mps.is_available()
    if not present:
        what = "CUDA GPU" if device == "cuda" else "Apple Metal (MPS) device"
        build = f" (torch {torch.__version__})" if device == "cuda" else ""
        raise UserError(f"--device {device}: this machine has no {what} usable by torch{build}; use --device cpu")


def _pick_inference_device(device: str) -> str:
    import torch

    if device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    return "mps" if torch.backends.mps.is_available() else "cpu"


def _transformers_engine(spec, folder, tokenizer, device, beam, target_token):
    import torch
    from transformers import AutoModelForSeq2SeqLM

    device = _pick_inference_device(device)
    dtype = torch.float16 if device == "cuda" and spec.family != "madlad" else torch.float32
    if device == "cpu":
        torch.set_num_threads(cores())
    model = AutoModelForSeq2SeqLM.from_pretrained(folder, dtype=dtype).to(device).eval()
    forced_bos = tokenizer.convert_tokens_to_ids(target_token) if target_token else None
    engine = _TransformersEngine(model, tokenizer, device, beam, forced_bos)
    return engine, f"transformers:{device}:{str(dtype).removeprefix('torch.')}"


def ct2_cache_dir() -> Path:
    """Where converted CTranslate2 models live: ``ct2/`` in $TRANSLATE_CLI_CACHE, else in
    $XDG_CACHE_HOME/translate-cli, else in ~/.cache/translate-cli."""
    root = os.environ.get("TRANSLATE_CLI_CACHE") or (
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "translate-cli")
    return Path(root) / "ct2"


def convert_to_ct2(folder: Path, out: Path, quantization: str) -> None:
    """Convert a transformers model folder into ``out`` atomically (temp folder, then rename), with the tokenizer
    as transformers saves it (``tokenizer/``) and the longest input (``limits.json``), so that later loads need
    neither transformers nor torch."""
    from ctranslate2.converters import TransformersConverter

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        TransformersConverter(str(folder)).convert(str(tmp), quantization=quantization, force=True)
        tokenizer = _transformers_tokenizer(folder)
        tokenizer.save_pretrained(tmp / "tokenizer")
        limits = {"max_source_tokens": _max_source_tokens(folder, tokenizer)}
        (tmp / "limits.json").write_text(json.dumps(limits), encoding="utf-8")
        try:
            tmp.rename(out)
        except OSError:  # another process finished the same conversion first
            if not (out / "model.bin").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# glibc's mallopt(3) parameters (malloc.h) and the values set for CTranslate2: blocks up to 32 MiB (the
# largest threshold glibc accepts on 64-bit) come from the heap, and up to 256 MiB of freed heap is kept.
_MALLOPT = {"MALLOC_MMAP_THRESHOLD_": (-3, 32 << 20), "MALLOC_TRIM_THRESHOLD_": (-1, 256 << 20),
            "MALLOC_TOP_PAD_": (-2, 64 << 20)}


def tune_malloc() -> bool:
    """Keep the memory CTranslate2 frees at every decoding step inside the process. CTranslate2 allocates and
    frees its per-step buffers at each step; glibc hands blocks over its mmap threshold (128 KiB, raised
    only by what was freed before) out with mmap and takes them back with munmap, so every step faults its
    pages in again (3.03M minor faults for 64 lines). This sets the three thresholds that glibc's
    MALLOC_*_ environment variables set (mallopt(3); a fixed mmap threshold also turns off the dynamic one),
    where glibc is the allocator and the user has set none of them. Returns whether it did."""
    import ctypes

    try:
        glibc = bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):
        glibc = False  # musl, macOS: allocators without these thresholds
    if not glibc or any(name in os.environ for name in _MALLOPT):
        return False
    mallopt = ctypes.CDLL(None).mallopt
    return all(mallopt(param, value) == 1 for param, value in _MALLOPT.values())


ComputeType = Literal["auto", "int8", "int8_float16", "float16", "float32"]
COMPUTE_TYPES: tuple[str, ...] = get_args(ComputeType)


def _load_ct2(spec: ModelSpec, folder: Path, device: str, compute_type: str,
              notice: Callable[[str], None] | None = None):
    """The model converted for CTranslate2 (once per model content and quantisation), loaded: its folder, the
    ctranslate2.Translator and the engine id; ``notice`` hears of a conversion."""
    import ctranslate2

    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() else "cpu"
    if device not in ("cpu", "cuda"):
        raise ValueError(f"CTranslate2 cannot run on {device}")
    quantization = compute_type if compute_type != "auto" else ("float16" if device == "cuda" else "int8")
    if quantization not in ctranslate2.get_supported_compute_types(device):
        raise ValueError(f"compute type {quantization} is not supported on this {device}")
    out = ct2_cache_dir() / f"{content_key(folder)}-{quantization}"
    if not (out / "model.bin").is_file():
        if notice:
            notice(f"converting {spec.name} for CTranslate2 ({quantization}) into {out}, once")
        convert_to_ct2(folder, out, quantization)
    if device == "cpu":
        tune_malloc()
    translator = ctranslate2.Translator(str(out), device=device, compute_type=quantization,
                                        intra_threads=cores() if device == "cpu" else 0)
    return out, translator, f"ctranslate2:{device}:{quantization}"


def load_translator(spec: ModelSpec | str | None = None, *, device: str = "auto", beam: int = 4,
                    batch_size: int = DEFAULT_BATCH_SIZE, backend: str = "auto", max_batch_tokens: int | None = None,
                    compute_type: str = "auto", repair: bool = True,
                    notice: Callable[[str], None] | None = None) -> Translator:
    """Load a model for translation: a ModelSpec, or a name as ``--model`` takes it (alias, hub id or local
    folder; None: the default model). backend 'auto' uses CTranslate2 when installed and the model converts
    (falling back to transformers with a notice), 'transformers' or 'ctranslate2' force one.
    ``compute_type`` is CTranslate2's quantisation (auto: int8 on CPU, float16 on GPU); giving one
    other than auto requires CTranslate2. ``repair`` translates failed sentences once more (see Translator);
    ``notice`` hears of a conversion and of a fallback."""
    if not isinstance(spec, ModelSpec):
        spec = resolve_model(spec)
    if backend not in BACKENDS:
        raise UserError(f"unknown backend '{backend}': use one of {', '.join(BACKENDS)}")
    if compute_type not in COMPUTE_TYPES:
        raise UserError(f"unknown compute type '{compute_type}': use one of {', '.join(COMPUTE_TYPES)}")
    if compute_type != "auto" and backend == "auto":
        backend = "ctranslate2"
    check_device(device)
    folder = model_folder(spec)
    family = detect_family(folder)
    if family != spec.family:  # a hub id's family was guessed from its name
        spec = replace(spec, family=family, src_lang=FAMILY_LANGS[family][0], tgt_lang=FAMILY_LANGS[family][1])
    ct2 = None
    if backend == "ctranslate2" or (backend == "auto" and spec.family in CT2_FAMILIES and _has_ct2()):
        try:
            ct2 = _load_ct2(spec, folder, device, compute_type, notice)
        except Exception as exc:  # conversion or loading failed: report it, or fall back under 'auto'
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            message = f"CTranslate2 cannot run {spec.name}: {reason}"
            if backend == "ctranslate2":
                raise UserError(message) from exc
            if notice:
                notice(f"{message}; using transformers")
    # On CTranslate2 the tokenizer saved beside the conversion loads without transformers or torch.
    tokenizer = load_light_tokenizer(ct2[0] / "tokenizer", spec.family) if ct2 else None
    tokenizer = tokenizer or _transformers_tokenizer(folder)
    prefix_ids, suffix_ids, target_token = language_tokens(tokenizer, spec)
    max_batch_tokens = max_batch_tokens or batch_size * TOKENS_PER_SENTENCE
    if ct2:
        max_tokens = json.loads((ct2[0] / "limits.json").read_text(encoding="utf-8"))["max_source_tokens"]
        engine, engine_id = _CTranslate2Engine(ct2[1], tokenizer, beam, target_token, max_batch_tokens), ct2[2]
    else:
        max_tokens = _max_source_tokens(folder, tokenizer)
        engine, engine_id = _transformers_engine(spec, folder, tokenizer, device, beam, target_token)
    identity = (f"{_model_key(spec, folder)}|{spec.family}:{spec.src_lang}>{spec.tgt_lang}|{engine_id}|beam={beam}"
                "|budget=steps")  # output budgets by _BUDGET_STEPS (translations cached before differ)
    if repair:  # without repair the identity (and a cache made before repair existed) stays as it was
        repair_id = {**REPAIR_SETTINGS, "wider": _REPAIR_WIDER, "clauses": f"{_CLAUSE_LONG_WORDS}/{_CLAUSE_MIN_WORDS}"}
        identity += "|repair=" + ",".join(f"{k}:{v}" for k, v in repair_id.items())
    return Translator(engine, tokenizer, prefix_ids, suffix_ids, identity, max_tokens, batch_size, max_batch_tokens,
                      model_label(spec, engine_id, beam), repair)


_FAMILY_NAMES = {"marian": "Marian", "nllb": "NLLB", "m2m100": "M2M-100", "madlad": "MADLAD"}


def model_label(spec: ModelSpec, engine_id: str, beam: int) -> str:
    """A readable model name: ``opus-mt (Marian, CTranslate2 int8, beam 4)``; a local folder by its name."""
    name = Path(spec.name).name if Path(spec.name).expanduser().is_dir() else spec.name
    engine, device, precision = engine_id.split(":")
    engine = f"CTranslate2 {precision}" if engine == "ctranslate2" else f"transformers {precision}"
    where = f" on {device}" if device != "cpu" else ""
    return f"{name} ({_FAMILY_NAMES.get(spec.family, spec.family)}, {engine}{where}, beam {beam})"


def _has_ct2() -> bool:
    from importlib.util import find_spec

    return find_spec("ctranslate2") is not None
