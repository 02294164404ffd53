"""Recipe for the embedded Indonesian->English model: prepare data, train, export.

Three steps, each a command of ``python -m translate_cli.training``:

* ``prepare``: read the parallel text (a path, never committed), normalise it, filter it, train one shared
  sentencepiece model and write Marian-format tokenizer files (``source.spm``, ``target.spm``,
  ``vocab.json``) plus the encoded corpus.
* ``train``: a time-boxed, resumable trainer for ``transformers``' Marian architecture (deep encoder,
  shallow decoder, tied embeddings). Batches are bucketed by length and padded once up front, then kept
  on the device, so a step does no host work; the checkpoint with the best dev chrF is kept.
* ``export``: fp16 safetensors plus tokenizer and a model card, loadable offline by
  ``AutoModelForSeq2SeqLM`` and convertible by CTranslate2.

Heavy imports (torch, transformers) happen inside the functions that need them.
"""

from __future__ import annotations

import json
import random
import shutil
import time
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

import typer

app = typer.Typer(add_completion=False, help=__doc__.split("\n")[0])

QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"',
                        "‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'"})
EXCLUDED_SOURCES = ("ted",)  # CC BY-NC-ND: no derivatives in a model the project ships
SPECIAL_TOKENS = ("</s>", "<unk>")  # Marian's order: eos=0, unk=1; <pad> is appended last


def normalise(text: str) -> str:
    """NFKC, straight quotes, single spaces: the same normalisation the tokenizer applies at run time."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(QUOTES).split())


def normalisation_rules() -> str:
    """sentencepiece rule TSV equal to NFKC plus quote straightening, so inference normalises alike."""
    rows = []
    for code in range(0x110000):
        char = chr(code)
        if unicodedata.category(char) in ("Cs", "Cn"):
            continue
        target = unicodedata.normalize("NFKC", char).translate(QUOTES)
        if target != char and target:
            rows.append(f"{code:X}\t{' '.join(f'{ord(c):X}' for c in target)}")
    return "\n".join(rows) + "\n"


def keep_pair(src: str, tgt: str, max_chars: int = 400) -> bool:
    """Length and length-ratio filter for noisy parallel text."""
    if not src or not tgt or src == tgt or len(src) > max_chars or len(tgt) > max_chars:
        return False
    ratio = (len(src) + 10) / (len(tgt) + 10)
    return 0.5 <= ratio <= 2.0


def read_pairs(data_dir: Path, max_pairs: int | None = None) -> list[tuple[str, str]]:
    """Normalised, filtered, deduplicated pairs from ``train/combined`` (TED-derived rows left out)."""
    train = data_dir / "train"
    src_lines = (train / "combined.id").read_text(encoding="utf-8").splitlines()
    tgt_lines = (train / "combined.en").read_text(encoding="utf-8").splitlines()
    origins = (train / "combined.source").read_text(encoding="utf-8").splitlines()
    if not len(src_lines) == len(tgt_lines) == len(origins):
        raise ValueError(f"{train}: combined.id/.en/.source differ in line count")
    pairs, seen = [], set()
    for src, tgt, origin in zip(src_lines, tgt_lines, origins):
        if any(name in origin.lower() for name in EXCLUDED_SOURCES):
            continue
        src, tgt = normalise(src), normalise(tgt)
        if keep_pair(src, tgt) and (src, tgt) not in seen:
            seen.add((src, tgt))
            pairs.append((src, tgt))
    random.Random(1).shuffle(pairs)
    return pairs[:max_pairs] if max_pairs else pairs


def read_dev(data_dir: Path, name: str = "general.valid", size: int = 300) -> tuple[list[str], list[str]]:
    """A fixed random subset of a dev set, for checkpoint selection."""
    src = (data_dir / "dev" / f"{name}.id").read_text(encoding="utf-8").splitlines()
    tgt = (data_dir / "dev" / f"{name}.en").read_text(encoding="utf-8").splitlines()
    rows = random.Random(2).sample(range(len(src)), min(size, len(src)))
    return [normalise(src[i]) for i in rows], [tgt[i] for i in rows]


@app.command()
def prepare(data: Path = typer.Option(..., help="the parallel-data folder (holding train/ and dev/)"),
            out: Path = typer.Option(Path("runs/prep"), help="where to write the prepared corpus"),
            vocab_size: int = typer.Option(8000, help="shared sentencepiece vocabulary size"),
            max_pairs: int = typer.Option(0, help="use at most this many pairs (0: all)")) -> None:
    """Normalise and filter the corpus, train sentencepiece, write tokenizer files and encoded data."""
    import numpy as np
    import sentencepiece as spm

    pairs = read_pairs(data, max_pairs or None)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer_dir = out / "tokenizer"
    tokenizer_dir.mkdir(exist_ok=True)
    corpus = out / "spm-train.txt"
    corpus.write_text("".join(f"{s}\n{t}\n" for s, t in pairs), encoding="utf-8")
    rules = out / "normalisation.tsv"
    rules.write_text(normalisation_rules(), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(out / "spm"), vocab_size=vocab_size, model_type="unigram",
        character_coverage=1.0, normalization_rule_tsv=str(rules), pad_id=-1, bos_id=-1, eos_id=-1,
        unk_id=0, hard_vocab_limit=False, input_sentence_size=2_000_000, shuffle_input_sentence=True,
        num_threads=2,
        minloglevel=2)
    processor = spm.SentencePieceProcessor(model_file=str(out / "spm.model"))
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size()) if i != processor.unk_id()]
    vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, *pieces, "<pad>"])}
    for name in ("source.spm", "target.spm"):
        shutil.copy(out / "spm.model", tokenizer_dir / name)
    (tokenizer_dir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (tokenizer_dir / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "MarianTokenizer", "source_lang": "id", "target_lang": "en",
        "model_max_length": 256, "separate_vocabs": False}), encoding="utf-8")

    def encode(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        ids = [[vocab.get(p, 1) for p in processor.encode(t, out_type=str)] + [0] for t in texts]
        lengths = np.array([len(row) for row in ids], dtype=np.int32)
        return np.concatenate([np.array(row, dtype=np.int32) for row in ids]), lengths

    src_ids, src_len = encode([s for s, _ in pairs])
    tgt_ids, tgt_len = encode([t for _, t in pairs])
    np.savez(out / "train.npz", src=src_ids, src_len=src_len, tgt=tgt_ids, tgt_len=tgt_len)
    dev_src, dev_ref = read_dev(data)
    (out / "dev.json").write_text(json.dumps({"src": dev_src, "ref": dev_ref}, ensure_ascii=False),
                                  encoding="utf-8")
    (out / "prep.json").write_text(json.dumps({
        "pairs": len(pairs), "vocab_size": len(vocab), "data": str(data),
        "src_tokens": int(src_len.sum()), "tgt_tokens": int(tgt_len.sum())}, indent=2), encoding="utf-8")
    corpus.unlink()
    typer.echo(f"{len(pairs)} pairs, {len(vocab)} vocabulary entries, "
               f"{int(src_len.sum()) + int(tgt_len.sum())} tokens -> {out}")


@dataclass
class TrainConfig:
    """Architecture and optimisation settings (defaults: the GPU recipe of the issue)."""

    d_model: int = 512
    encoder_layers: int = 6
    decoder_layers: int = 2
    heads: int = 8
    ffn_dim: int = 2048
    dropout: float = 0.3
    label_smoothing: float = 0.1
    lr: float = 5e-4
    warmup_steps: int = 4000  # post-LN Marian layers need a long warm-up (Xiong et al. 2020)
    max_tokens: int = 12000
    max_len: int = 128
    minutes: float = 8.0  # time budget; training also stops after max_steps when that is set
    max_steps: int = 0  # step budget (0: none); the same on every machine, unlike minutes
    eval_minutes: float = 1.0
    eval_steps: int = 0  # evaluate every this many steps instead of every eval_minutes (0: by time)
    seed: int = 1


def build_model(cfg: TrainConfig, vocab_size: int):
    """A Marian model with shared, tied embeddings; pad is the last id and starts decoding, as in Marian."""
    from transformers import MarianConfig, MarianMTModel

    pad = vocab_size - 1
    # num_beams, max_length and bad_words_ids reach PretrainedConfig's **kwargs, which MarianConfig's signature hides
    config = MarianConfig(  # type: ignore[call-arg]
        vocab_size=vocab_size, decoder_vocab_size=vocab_size, d_model=cfg.d_model,
        encoder_layers=cfg.encoder_layers, decoder_layers=cfg.decoder_layers,
        encoder_attention_heads=cfg.heads, decoder_attention_heads=cfg.heads,
        encoder_ffn_dim=cfg.ffn_dim, decoder_ffn_dim=cfg.ffn_dim, dropout=cfg.dropout,
        attention_dropout=0.1, activation_dropout=0.1, activation_function="swish",
        max_position_embeddings=512, scale_embedding=True, share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True, pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad,
        forced_eos_token_id=0, num_beams=4, max_length=256, bad_words_ids=[[pad]])
    return MarianMTModel(config)


def make_batches(data: dict, max_tokens: int, max_len: int, pad: int, seed: int) -> list[tuple]:
    """Length-bucketed batches, padded once: (input_ids, attention_mask, decoder_input_ids, labels)."""
    import numpy as np
    import torch

    src_end, tgt_end = np.cumsum(data["src_len"]), np.cumsum(data["tgt_len"])
    src_start, tgt_start = src_end - data["src_len"], tgt_end - data["tgt_len"]
    keep = np.flatnonzero((data["src_len"] <= max_len) & (data["tgt_len"] <= max_len))
    noise = np.random.default_rng(seed).random(len(keep))
    order = keep[np.lexsort((noise, data["tgt_len"][keep], data["src_len"][keep]))]
    batches, current, longest = [], list[int](), 0
    for i in order:
        longest_next = max(longest, data["src_len"][i], data["tgt_len"][i] + 1)
        if current and longest_next * (len(current) + 1) > max_tokens:
            batches.append(current)
            current, longest_next = [], max(data["src_len"][i], data["tgt_len"][i] + 1)
        current.append(i)
        longest = longest_next
    if current:
        batches.append(current)

    def pad_rows(rows: list, fill: int) -> torch.Tensor:
        out = torch.full((len(rows), max(len(r) for r in rows)), fill, dtype=torch.long)
        for n, row in enumerate(rows):
            out[n, : len(row)] = torch.from_numpy(row.astype(np.int64))
        return out

    padded = []
    for rows in batches:
        src = [data["src"][src_start[i]:src_end[i]] for i in rows]
        tgt = [data["tgt"][tgt_start[i]:tgt_end[i]] for i in rows]
        input_ids = pad_rows(src, pad)
        decoder_input = pad_rows([np.concatenate([[pad], t[:-1]]) for t in tgt], pad)
        labels = pad_rows(tgt, -100)
        padded.append((input_ids, input_ids != pad, decoder_input, labels))
    return padded


def dev_chrf(model, tokenizer, dev: dict, device: str, batch_size: int = 64) -> tuple[float, float]:
    """Greedy-decoded chrF on the dev subset (cheap enough to run during training), and the share of
    distinct outputs: near 0 means the decoder ignores the source (an encoder collapse)."""
    import sacrebleu
    import torch

    model.eval()
    numbered: list[tuple[int, str]] = []
    order = sorted(range(len(dev["src"])), key=lambda i: len(dev["src"][i]))
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            enc = tokenizer([dev["src"][i] for i in rows], return_tensors="pt", padding=True,
                            truncation=True, max_length=256).to(device)
            out = model.generate(**enc, num_beams=1, max_new_tokens=int(enc["input_ids"].shape[1] * 1.5 + 10))
            numbered.extend(zip(rows, tokenizer.batch_decode(out, skip_special_tokens=True)))
    model.train()
    hyps = [h for _, h in sorted(numbered)]
    return sacrebleu.corpus_chrf(hyps, [dev["ref"]]).score, len(set(hyps)) / max(len(hyps), 1)


def pick_training_device(device: str) -> str:
    """'auto' means CUDA when present, else the CPU."""
    import torch

    if device != "auto":
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def cpu_has_native_bf16(cpuinfo: str | None = None) -> bool:
    """Whether the CPU computes bf16 natively (AVX512-BF16 or AMX); elsewhere torch emulates it ~13x slower."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:  # not Linux: assume no native bf16
            return False
    flags = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def autocast_dtype(device: str):
    """bf16 autocast where bf16 is native (CUDA with bf16 support, CPUs with AVX512-BF16/AMX), else None (fp32)."""
    import torch

    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    if device == "cpu" and cpu_has_native_bf16():
        return torch.bfloat16
    return None


def measure_throughput(forward_backward, batches: list, model, device: str, probes: int = 2) -> float:
    """Tokens per second of forward and backward passes on a median-sized batch (gradients discarded)."""
    import torch

    batch = sorted(batches, key=lambda b: b[0].numel())[len(batches) // 2]
    tokens = batch[0].numel() + batch[3].numel()
    forward_backward(batch)  # warm-up
    started = time.perf_counter()
    for _ in range(probes):
        forward_backward(batch)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    model.zero_grad(set_to_none=True)
    return probes * tokens / max(time.perf_counter() - started, 1e-9)


@app.command()
def train(prep: Path = typer.Option(Path("runs/prep"), help="output of the prepare step"),
          run: Path = typer.Option(Path("runs/id-en-small"), help="run folder (checkpoints; resumed)"),
          config: str = typer.Option("{}", help='JSON overrides of TrainConfig, e.g. \'{"d_model": 256}\''),
          device: str = typer.Option("auto"),
          threads: int = typer.Option(0, help="CPU threads (0: torch's default)")) -> None:
    """Train (or resume) a Marian model for a fixed time, keeping the best dev checkpoint in RUN/best."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from transformers import MarianTokenizer

    if threads:
        torch.set_num_threads(threads)
    run.mkdir(parents=True, exist_ok=True)
    state_path = run / "last.pt"
    cfg = TrainConfig(**json.loads(config))
    if state_path.exists():
        state = torch.load(state_path, weights_only=False)
        cfg = TrainConfig(**{**state["config"], **json.loads(config)})
    device = pick_training_device(device)
    torch.manual_seed(cfg.seed)
    tokenizer = MarianTokenizer.from_pretrained(prep / "tokenizer")
    vocab_size = len(tokenizer.get_vocab())
    pad = tokenizer.pad_token_id
    model = build_model(cfg, vocab_size).to(device)
    assert model.config.pad_token_id == pad, "tokenizer and model disagree on <pad>"
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.98), eps=1e-8,
                                  weight_decay=0.0, fused=device == "cuda")
    step, elapsed, best, epoch = 0, 0.0, -1.0, 0
    if state_path.exists():
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, elapsed, best, epoch = state["step"], state["elapsed"], state["best"], state["epoch"]
        typer.echo(f"resumed at step {step}, {elapsed / 60:.1f} min, best dev chrF {best:.2f}")
    data = dict(np.load(prep / "train.npz"))
    dev = json.loads((prep / "dev.json").read_text(encoding="utf-8"))
    batches = [tuple(t.to(device) for t in b)
               for b in make_batches(data, cfg.max_tokens, cfg.max_len, pad, cfg.seed)]
    tokens_per_epoch = sum(int(b[1].sum()) + int((b[3] != -100).sum()) for b in batches)
    params = sum(p.numel() for p in model.parameters())
    dtype = autocast_dtype(device)
    (run / "config.json").write_text(json.dumps(asdict(cfg), indent=2))

    def forward_backward(batch) -> "torch.Tensor":
        input_ids, mask, decoder_input, labels = batch
        with torch.autocast(device_type=device.split(":")[0], dtype=dtype or torch.float32, enabled=dtype is not None):
            logits = model(input_ids=input_ids, attention_mask=mask, decoder_input_ids=decoder_input).logits
        loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), labels.view(-1),
                               ignore_index=-100, label_smoothing=cfg.label_smoothing)
        loss.backward()
        return loss

    rate = measure_throughput(forward_backward, batches, model, device)
    precision = "bf16 autocast" if dtype else "fp32" + ("" if device != "cpu" else " (this CPU has no native bf16)")
    budget = cfg.minutes * 60
    epochs = rate * budget / max(tokens_per_epoch, 1)
    typer.echo(f"{params / 1e6:.1f}M parameters, {len(batches)} batches/epoch, {tokens_per_epoch} tokens/epoch; "
               f"device {device}, {precision}; about {rate:,.0f} tokens/s, so {cfg.minutes:g} min "
               f"cover about {epochs:.2f} epochs" + (f" (at most {cfg.max_steps} steps)" if cfg.max_steps else ""))
    if epochs < 1 and not cfg.max_steps:
        typer.echo("warning: less than one epoch in the time budget: this device is too slow to train a "
                   "usable model (use a GPU)", err=True)

    def budget_used() -> float:
        """Share of the budget spent: time or steps, whichever runs out first."""
        return max(elapsed / budget, step / cfg.max_steps if cfg.max_steps else 0.0)

    model.train()
    last_eval = last_log = time.time()
    last_eval_step = step
    started = time.time() - elapsed
    log_tokens = 0
    while budget_used() < 1:
        order = torch.randperm(len(batches), generator=torch.Generator().manual_seed(cfg.seed + epoch))
        for index in order.tolist():
            # linear warm-up, then linear decay to a tenth of the peak at the end of the budget
            lr = cfg.lr * min(1.0, (step + 1) / cfg.warmup_steps) * (1.0 - 0.9 * budget_used())
            for group in optimizer.param_groups:
                group["lr"] = lr
            loss = forward_backward(batches[index])
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            with torch.no_grad():  # decoding starts from <pad>: a zero vector, as in Marian and CTranslate2
                model.get_input_embeddings().weight[pad].zero_()
            step += 1
            log_tokens += batches[index][0].numel() + batches[index][3].numel()
            now = time.time()
            elapsed = now - started
            if now - last_log > 30:
                typer.echo(f"step {step} epoch {epoch} loss {loss.item():.3f} lr {lr:.2e} "
                           f"{log_tokens / (now - last_log):.0f} tok/s "
                           f"{elapsed / 60:.1f}/{cfg.minutes:.0f} min", err=True)
                last_log, log_tokens = now, 0
            due = (step - last_eval_step >= cfg.eval_steps if cfg.eval_steps
                   else now - last_eval > cfg.eval_minutes * 60)
            if due or budget_used() >= 1:
                score, distinct = dev_chrf(model, tokenizer, dev, device)
                if score > best:
                    best = score
                    model.save_pretrained(run / "best")
                    tokenizer.save_pretrained(run / "best")
                typer.echo(f"step {step}: dev chrF {score:.2f} (best {best:.2f}), "
                           f"{distinct:.0%} distinct outputs", err=True)
                torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                            "config": asdict(cfg), "step": step, "elapsed": elapsed, "best": best,
                            "epoch": epoch}, run / "last.tmp")
                (run / "last.tmp").replace(state_path)
                (run / "meta.json").write_text(json.dumps({
                    "step": step, "epoch": epoch, "minutes": elapsed / 60, "best_dev_chrf": best,
                    "device": torch.cuda.get_device_name() if device == "cuda" else f"cpu x{torch.get_num_threads()}",
                    "precision": precision, "parameters": params}, indent=2))
                last_eval, last_eval_step = time.time(), step
                started += last_eval - now  # evaluation time does not count against the budget
            if budget_used() >= 1:
                break
        epoch += 1
    typer.echo(f"done: {step} steps, {epoch} epochs, best dev chrF {best:.2f} -> {run / 'best'}")


@app.command()
def export(run: Path = typer.Option(Path("runs/id-en-small")),
           out: Path = typer.Option(Path("models/id-en-small")),
           card: Path = typer.Option(None, help="model card (Markdown) to copy in as README.md")) -> None:
    """Write the best checkpoint as fp16 safetensors with its tokenizer (and card) into OUT."""
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    model = MarianMTModel.from_pretrained(run / "best", dtype=torch.float32).half()
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True, max_shard_size="15MB")  # files under 16 MiB each
    MarianTokenizer.from_pretrained(run / "best").save_pretrained(tmp)
    if card:
        shutil.copy(card, tmp / "README.md")
    elif (out / "README.md").exists():
        shutil.copy(out / "README.md", tmp / "README.md")
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    size = sum(f.stat().st_size for f in out.iterdir()) / 2**20
    typer.echo(f"exported {out} ({size:.1f} MiB)")


if __name__ == "__main__":
    app()
