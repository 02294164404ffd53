"""Translation speed and quality: plain transformers vs our Translator on transformers vs on CTranslate2.

Usage: python benchmarks/bench_speed.py --model PATH_OR_ALIAS [--data DIR] [--set NAME] [--n 300] [--beam 4]

The first N lines of DIR/NAME.id (default ../shared/data/test/flores200.devtest, document order) are
translated by three variants, each in its own subprocess so that peak memory (ru_maxrss) is its own:

a. baseline: ``model.generate`` one sentence at a time in document order, same beam, same language
   codes and the same output budget as ours (2 x input tokens + 10), so only batching/backend differ
   (an over-long input is truncated, as plain use does);
b. our Translator on transformers (length-sorted, token-bounded batches);
c. our Translator on CTranslate2 (int8 on CPU; converted on first use, outside the timing).

Prints sentences/s (translation only, loading excluded), load seconds, peak RSS, BLEU/chrF against
NAME.en and ratios to (a); then the best of 5 start-ups of ``translate-cli --help`` if installed.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translate_cli.models import resolve_model  # noqa: E402

VARIANTS = {"a": "baseline transformers, 1 by 1", "b": "Translator, transformers", "c": "Translator, CTranslate2"}


def run_baseline(spec, sentences: list[str], beam: int) -> tuple[list[str], float]:
    """Plain ``generate`` per sentence; returns hypotheses and load seconds."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from translate_cli.models import model_folder
    from translate_cli.translate import _max_source_tokens, cores, language_tokens, output_budget

    start = time.perf_counter()
    torch.set_num_threads(cores())
    folder = model_folder(spec)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    # fp32 as the Translator on a CPU: without a dtype, transformers 5 keeps an fp16 export in fp16 (slower here)
    model = AutoModelForSeq2SeqLM.from_pretrained(folder, dtype=torch.float32).eval()
    prefix, suffix, target = language_tokens(tokenizer, spec)
    options = {"forced_bos_token_id": tokenizer.convert_tokens_to_ids(target)} if target else {}
    ceiling = _max_source_tokens(folder, tokenizer)
    loaded = time.perf_counter() - start
    hypotheses = []
    with torch.inference_mode():
        for sentence in sentences:
            tokens = tokenizer(sentence, add_special_tokens=False)["input_ids"]
            ids = prefix + tokens[: ceiling - len(prefix) - len(suffix)] + suffix
            out = model.generate(torch.tensor([ids]), num_beams=beam, max_new_tokens=output_budget(len(ids), ceiling),
                                 **options)
            hypotheses.append(tokenizer.decode(out[0], skip_special_tokens=True))
    return hypotheses, loaded


def run_variant(variant: str, model: str, sentences: list[str], beam: int) -> dict:
    """Translate in this process; report hypotheses, timings and peak memory."""
    spec = resolve_model(model)
    start = time.perf_counter()
    if variant == "a":
        hypotheses, loaded = run_baseline(spec, sentences, beam)
        seconds = time.perf_counter() - start - loaded
    else:
        from translate_cli.translate import load_translator

        backend = "transformers" if variant == "b" else "ctranslate2"
        translator = load_translator(spec, backend=backend, beam=beam, device="cpu")
        loaded = time.perf_counter() - start
        hypotheses = translator.translate(sentences)
        seconds = time.perf_counter() - start - loaded
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"hypotheses": hypotheses, "seconds": seconds, "load_seconds": loaded, "peak_mb": peak_mb}


def help_startup() -> float | None:
    """Best of 5 wall times of ``translate-cli --help``, or None when the console script is missing."""
    script = shutil.which("translate-cli", path=str(Path(sys.executable).parent)) or shutil.which("translate-cli")
    if not script:
        return None
    times = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([script, "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="alias, local model folder or hub id")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "test")
    parser.add_argument("--set", default="flores200.devtest", help="NAME of NAME.id / NAME.en in --data")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)  # internal: one subprocess
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    source = (args.data / f"{args.set}.id").read_text(encoding="utf-8").splitlines()[: args.n]
    if args.variant:
        args.out.write_text(json.dumps(run_variant(args.variant, args.model, source, args.beam)), encoding="utf-8")
        return

    import sacrebleu

    references = (args.data / f"{args.set}.en").read_text(encoding="utf-8").splitlines()[: args.n]
    print(f"model {args.model}; {len(source)} sentences of {args.set}; beam {args.beam}; CPU threads as configured")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for variant in VARIANTS:
            out = Path(tmp) / f"{variant}.json"
            subprocess.run([sys.executable, __file__, "--model", args.model, "--data", str(args.data),
                            "--set", args.set, "--n", str(args.n), "--beam", str(args.beam),
                            "--variant", variant, "--out", str(out)], check=True)
            results[variant] = json.loads(out.read_text(encoding="utf-8"))

    print(f"{'variant':34} {'sent/s':>8} {'x(a)':>6} {'load s':>7} {'peak MB':>8} {'BLEU':>6} {'chrF':>6} {'dchrF':>6}")
    base = results["a"]
    base_chrf = sacrebleu.corpus_chrf(base["hypotheses"], [references]).score
    for variant, label in VARIANTS.items():
        r = results[variant]
        speed = len(source) / r["seconds"]
        bleu = sacrebleu.corpus_bleu(r["hypotheses"], [references]).score
        chrf = sacrebleu.corpus_chrf(r["hypotheses"], [references]).score
        print(f"({variant}) {label:30} {speed:8.2f} {speed * base['seconds'] / len(source):6.2f} "
              f"{r['load_seconds']:7.1f} {r['peak_mb']:8.0f} {bleu:6.2f} {chrf:6.2f} {chrf - base_chrf:+6.2f}")
    startup = help_startup()
    print(f"translate-cli --help: {f'{startup:.3f} s (best of 5)' if startup is not None else 'console script not installed'}")


if __name__ == "__main__":
    main()
