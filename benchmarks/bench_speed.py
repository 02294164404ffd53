"""Translation speed against raw CTranslate2 (the headline), start-up, the allocator, and plain transformers.

Usage: python benchmarks/bench_speed.py [--model PATH_OR_ALIAS] [--data DIR] [--set NAME] [--n 64] [--beam 4]
                                        [--threads 1 2] [--transformers N]

Without --model a random-weight Marian of the recipe's size (translate_cli.training.TrainConfig: d_model
512, 6 encoder and 2 decoder layers, 8 heads, FFN 2048; the tests' 400-piece vocabulary, not the recipe's
8,000) is built into a temp folder, and the shipped model (models/id-en-small) is run too when present; with
--model, that model alone (a Marian: raw CTranslate2 reads its source.spm). A random
model never ends a sentence early, so every sentence decodes to its full output budget: its time is all
kernel time. The first N lines of DIR/NAME.id (default ../shared/data/test/flores200.devtest) are
translated, each variant in its own subprocess (peak memory and page faults are its own):

1. raw CTranslate2 vs our Translator on CTranslate2 (int8), at each --threads, with glibc's malloc as it
   comes and with the thresholds ``translate.tune_malloc`` sets: sentences/s, minor page faults, peak
   memory of the whole process (model load included), and the ratio to raw CTranslate2 with the same
   allocator (the headline; 1.00 is raw speed), on the lines that fit the model whole (raw CTranslate2
   cannot cut an over-long one). Raw CTranslate2 is a process that imports only ``ctranslate2`` and
   ``sentencepiece`` (not translate_cli): it loads the converted folder itself and is given the source
   pieces and per-sentence output budgets this script computed (one ``translate_batch`` per budget); our
   Translator runs without repair, so only the pipeline around the kernel differs. Outputs must match.
   Beside them, our Translator as the CLI runs it, with repair (a second try of failed sentences): its
   speed and how many sentences it repaired.
2. start-up: one sentence, model load included, in a fresh process: ``ctranslate2`` + ``sentencepiece``
   alone vs ``load_translator`` + ``translate`` and vs ``translate-cli translate -o -`` with the sentence on
   stdin (the conversion is cached first): seconds and peak memory; and the first output of the N lines
   through ``translate-cli translate --presegmented -o -``: the first byte against the end, and against raw
   CTranslate2 loading the model and translating the first chunk the CLI streams.
3. with --transformers N: the first N lines through a plain ``model.generate`` loop (fp32, one by one),
   our Translator on transformers and on CTranslate2, with BLEU/chrF against NAME.en.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# this process's own peak resident memory in MiB (Linux): VmHWM belongs to the address space exec made, while
# getrusage's ru_maxrss keeps the high-water mark of the process that forked it (this script, the model loaded)
PEAK_MIB = "int(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM'))) / 1024"
VARIANTS = {"a": "baseline transformers, 1 by 1", "b": "Translator, transformers", "c": "Translator, CTranslate2"}


def resolve_model(model: str):
    """translate_cli's model spec, imported here so that the raw CTranslate2 child imports no translate_cli."""
    from translate_cli.models import resolve_model as resolve

    return resolve(model)


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


def run_transformers_variant(variant: str, model: str, sentences: list[str], beam: int) -> dict:
    """Translate in this process (table 3); report hypotheses, timings and peak memory."""
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
    peak_mb = eval(PEAK_MIB)  # the expression the start-up children print
    return {"hypotheses": hypotheses, "seconds": seconds, "load_seconds": loaded, "peak_mb": peak_mb}


def run_ct2(kind: str, model: str, sentences: list[str], beam: int, tuned: bool) -> dict:
    """Table 1 in this process: ``ours`` (without repair) or ``repair`` (ours with repair, as the CLI runs
    it); threads from OMP_NUM_THREADS."""
    from translate_cli import translate

    if not tuned:
        translate.tune_malloc = lambda: False
    translator = translate.load_translator(resolve_model(model), backend="ctranslate2", beam=beam, device="cpu",
                                           repair=kind == "repair")
    sentences = [s for s in sentences if translator._fits(s)]  # as the raw job (raw CTranslate2 cannot cut)
    faults, start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.perf_counter()
    hypotheses = translator.translate(sentences)
    seconds = time.perf_counter() - start
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    return {"hypotheses": hypotheses, "seconds": seconds, "faults": faults, "peak_mb": eval(PEAK_MIB),
            "repaired": sum(translator.repaired(s) for s in sentences)}


def raw_job(translator, model: str, sentences: list[str], beam: int) -> dict:
    """What the raw CTranslate2 child is given: the converted folder, each fitting line's source pieces (with
    the end token), its output budget, the batch limit and the malloc thresholds of ``tune_malloc``."""
    import sentencepiece

    from translate_cli import translate

    folder = ct2_folder(model)
    sp = sentencepiece.SentencePieceProcessor(model_file=str(folder / "tokenizer" / "source.spm"))
    tokens = [pieces + ["</s>"] for pieces in sp.encode([s for s in sentences if translator._fits(s)], out_type=str)]
    return {"folder": str(folder), "beam": beam, "tokens": tokens,
            "budgets": [translate.output_budget(len(x), translator.max_source_tokens) for x in tokens],
            "max_batch_tokens": translator._engine.max_batch_tokens, "mallopt": list(translate._MALLOPT.values())}


def run_raw(job: dict, tuned: bool) -> dict:
    """Table 1's raw CTranslate2 in this process, which imports ``ctranslate2`` and ``sentencepiece`` alone;
    threads from OMP_NUM_THREADS, the malloc thresholds set through ``mallopt`` when ``tuned``."""
    import ctypes

    import ctranslate2
    import sentencepiece

    if tuned:
        for param, value in job["mallopt"]:
            ctypes.CDLL(None).mallopt(param, value)
    folder = job["folder"]
    engine = ctranslate2.Translator(folder, device="cpu", compute_type="int8",
                                    intra_threads=int(os.environ.get("OMP_NUM_THREADS", "1")))
    sp = sentencepiece.SentencePieceProcessor(model_file=f"{folder}/tokenizer/source.spm")
    tokens = job["tokens"]
    faults, start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.perf_counter()
    by_budget: dict[int, list[int]] = {}
    for i, budget in enumerate(job["budgets"]):
        by_budget.setdefault(budget, []).append(i)
    hypotheses = [""] * len(tokens)
    for budget, rows in by_budget.items():
        results = engine.translate_batch([tokens[i] for i in rows], beam_size=job["beam"],
                                         max_batch_size=job["max_batch_tokens"], batch_type="tokens",
                                         max_decoding_length=budget)
        for i, result in zip(rows, results):
            hypotheses[i] = sp.decode(result.hypotheses[0]).strip()  # as the Translator gives it
    seconds = time.perf_counter() - start
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    return {"hypotheses": hypotheses, "seconds": seconds, "faults": faults, "peak_mb": eval(PEAK_MIB)}


def ct2_folder(model: str) -> Path:
    """Where the int8 conversion of ``model`` lives (converted by the first load)."""
    from translate_cli.models import model_folder
    from translate_cli.translate import content_key, ct2_cache_dir

    return ct2_cache_dir() / f"{content_key(model_folder(resolve_model(model)))}-int8"


def startup(model: str, sentence: str, beam: int, limit: int, kind: str) -> tuple[float, float, str]:
    """Wall seconds and peak MiB of a fresh process translating one sentence, model load included: ``raw``
    CTranslate2 + sentencepiece, our ``library`` (``load_translator``), or the ``cli`` (``translate -o -``)."""
    stdin = None
    if kind == "raw":
        import sentencepiece

        from translate_cli.translate import output_budget

        folder = str(ct2_folder(model))
        sp = sentencepiece.SentencePieceProcessor(model_file=f"{folder}/tokenizer/source.spm")
        length = len(sp.encode(sentence)) + 1  # with the end token
        code = (f"import ctranslate2, sentencepiece; "
                f"sp = sentencepiece.SentencePieceProcessor(model_file={folder!r} + '/tokenizer/source.spm'); "
                f"t = ctranslate2.Translator({folder!r}, device='cpu', compute_type='int8', intra_threads=1); "
                f"tokens = sp.encode({sentence!r}, out_type=str) + ['</s>']; "
                f"out = sp.decode(t.translate_batch([tokens], beam_size={beam}, "
                f"max_decoding_length={output_budget(length, limit)})[0].hypotheses[0]); ")
    elif kind == "library":
        code = (f"from translate_cli.translate import load_translator; "
                f"out = load_translator({model!r}, backend='ctranslate2', beam={beam}).translate([{sentence!r}])[0]; ")
    else:  # the console script's own code, run as it runs it, the sentence on stdin; peak memory on stderr
        stdin = sentence + "\n"
        code = (f"import sys; sys.argv = ['translate-cli', 'translate', '-m', {model!r}, '--beam', "
                f"'{beam}', '--backend', 'ctranslate2', '-o', '-', '-']; from translate_cli.cli import main\n"
                "try:\n    main()\nexcept SystemExit:\n    pass\n"
                f"print({PEAK_MIB}, file=sys.stderr)")
    if kind != "cli":
        code += f"print({PEAK_MIB}); print(out)"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=ROOT,
                          input=stdin)
    seconds = time.perf_counter() - start
    if kind == "cli":
        return seconds, float(done.stderr.strip().splitlines()[-1]), done.stdout.strip()
    peak, out = done.stdout.split("\n", 1)
    return seconds, float(peak), out.strip()


def first_output(model: str, lines: list[str], beam: int, limit: int) -> tuple[float, float, float]:
    """Seconds to the first byte and to the end of ``translate-cli translate --presegmented --no-repair -o -``
    with the lines on stdin (without repair, as raw CTranslate2 runs), and of raw CTranslate2 + sentencepiece
    loading the model and translating the first chunk the CLI streams (``pipeline.FIRST_CHUNK`` sentences, one
    by one): fresh processes, 1 thread."""
    import sentencepiece

    from translate_cli.pipeline import FIRST_CHUNK
    from translate_cli.translate import output_budget

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    code = (f"import sys; sys.argv = ['translate-cli', 'translate', '-m', {model!r}, '--beam', '{beam}', "
            f"'--backend', 'ctranslate2', '--presegmented', '--no-repair', '-o', '-', '-']; from translate_cli.cli "
            "import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n")
    start = time.perf_counter()
    with subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, env=env, cwd=ROOT) as cli:
        assert cli.stdin and cli.stdout
        cli.stdin.write(("\n".join(lines) + "\n").encode("utf-8"))
        cli.stdin.close()
        cli.stdout.read(1)
        first = time.perf_counter() - start
        cli.stdout.read()
    whole = time.perf_counter() - start
    folder = str(ct2_folder(model))
    sp = sentencepiece.SentencePieceProcessor(model_file=f"{folder}/tokenizer/source.spm")
    chunk = lines[:FIRST_CHUNK]
    budgets = [output_budget(len(sp.encode(line)) + 1, limit) for line in chunk]
    raw = (f"import ctranslate2, sentencepiece; "
           f"sp = sentencepiece.SentencePieceProcessor(model_file={folder!r} + '/tokenizer/source.spm'); "
           f"t = ctranslate2.Translator({folder!r}, device='cpu', compute_type='int8', intra_threads=1); "
           f"out = [sp.decode(t.translate_batch([sp.encode(line, out_type=str) + ['</s>']], beam_size={beam}, "
           f"max_decoding_length=budget)[0].hypotheses[0]) for line, budget in zip({chunk!r}, {budgets!r})]; "
           f"print(out[0])")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", raw], capture_output=True, check=True, env=env, cwd=ROOT)
    return first, whole, time.perf_counter() - start


def recipe_sized_marian(folder: Path) -> str:
    """A random-weight Marian of the recipe's size (TrainConfig), built like the tests' tiny model."""
    from translate_cli.devkit.tiny_models import build_marian
    from translate_cli.training import TrainConfig

    cfg = TrainConfig()
    return str(build_marian(folder, d_model=cfg.d_model, encoder_layers=cfg.encoder_layers,
                            decoder_layers=cfg.decoder_layers, encoder_attention_heads=cfg.heads,
                            decoder_attention_heads=cfg.heads, encoder_ffn_dim=cfg.ffn_dim,
                            decoder_ffn_dim=cfg.ffn_dim, max_position_embeddings=512))


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


def child(args, *extra: str, threads: int = 1) -> dict:
    """Run one variant of this script in a subprocess with ``threads`` compute threads; its JSON result."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        subprocess.run([sys.executable, __file__, "--model", args.model, "--data", str(args.data), "--set", args.set,
                        "--n", str(args.n), "--beam", str(args.beam), "--out", str(out), *extra], check=True,
                       env={**os.environ, "OMP_NUM_THREADS": str(threads)})
        return json.loads(out.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="alias, local model folder or hub id (default: a recipe-sized random Marian)")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "test")
    parser.add_argument("--set", default="flores200.devtest", help="NAME of NAME.id / NAME.en in --data")
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--transformers", type=int, default=0, metavar="N", help="also table 3 on N lines")
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # internal: one subprocess
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--job", type=Path, help=argparse.SUPPRESS)  # internal: the raw child's inputs
    args = parser.parse_args()

    if args.job:  # the raw CTranslate2 child: nothing of translate_cli imported
        job = json.loads(args.job.read_text(encoding="utf-8"))
        args.out.write_text(json.dumps(run_raw(job, args.variant == "raw:tuned")), encoding="utf-8")
        return
    source = (args.data / f"{args.set}.id").read_text(encoding="utf-8").splitlines()[: args.n]
    if args.variant:
        kind, _, tuned = args.variant.partition(":")
        result = (run_ct2(kind, args.model, source, args.beam, tuned == "tuned") if tuned
                  else run_transformers_variant(kind, args.model, source, args.beam))
        args.out.write_text(json.dumps(result), encoding="utf-8")
        return
    from translate_cli.models import EMBEDDED_DIR

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("TRANSLATE_CLI_CACHE", str(Path(tmp) / "cache"))
        models = [args.model] if args.model else [recipe_sized_marian(Path(tmp) / "recipe-marian")] + (
            ["embedded"] if (EMBEDDED_DIR / "config.json").is_file() else [])  # and the shipped model
        for model in models:
            if resolve_model(model).family != "marian":
                raise SystemExit(f"{model}: raw CTranslate2 is run here with Marian's source.spm only")
            args.model = model
            report(args, source)


def report(args, source: list[str]) -> None:
    from translate_cli.translate import load_translator

    translator = load_translator(args.model, backend="ctranslate2", beam=args.beam, device="cpu")  # converts, untimed
    print(f"model {args.model}; {len(source)} lines of {args.set}; beam {args.beam}; CTranslate2 int8 on the CPU")
    print(f"{'threads':>7} {'malloc':8} {'raw sent/s':>10} {'ours sent/s':>11} {'ours/raw':>8} "
          f"{'raw faults':>10} {'ours faults':>11} {'raw MiB':>7} {'ours MiB':>8} {'same output':>11} "
          f"{'repair sent/s':>13} {'repaired':>8}")
    speeds = {}
    with tempfile.TemporaryDirectory() as tmp:
        job = Path(tmp) / "raw_job.json"
        job.write_text(json.dumps(raw_job(translator, args.model, source, args.beam)), encoding="utf-8")
        for threads in args.threads:
            for tuned in ("glibc", "tuned"):
                raw, ours, repair = (child(args, "--variant", f"{kind}:{tuned}", *extra, threads=threads)
                                     for kind, extra in (("raw", ("--job", str(job))), ("ours", ()), ("repair", ())))
                speeds[threads, tuned] = raw["seconds"], ours["seconds"]
                lines = len(raw["hypotheses"])
                print(f"{threads:7d} {tuned:8} {lines / raw['seconds']:10.2f} {lines / ours['seconds']:11.2f} "
                      f"{raw['seconds'] / ours['seconds']:8.2f} {raw['faults']:10d} {ours['faults']:11d} "
                      f"{raw['peak_mb']:7.0f} {ours['peak_mb']:8.0f} "
                      f"{str(raw['hypotheses'] == ours['hypotheses']):>11} {lines / repair['seconds']:13.2f} "
                      f"{repair['repaired']:8d}")
    for threads in args.threads:
        (raw0, ours0), (raw1, ours1) = speeds[threads, "glibc"], speeds[threads, "tuned"]
        print(f"malloc tuning at {threads} thread(s): raw {raw0 / raw1:.2f}x, ours {ours0 / ours1:.2f}x faster")

    sentence, limit = next(s for s in source if translator._fits(s)), translator.max_source_tokens
    (raw_s, raw_mb, raw_out), (our_s, our_mb, our_out), (cli_s, cli_mb, cli_out) = (
        startup(args.model, sentence, args.beam, limit, kind) for kind in ("raw", "library", "cli"))
    print(f"one sentence, model load included (fresh process, 1 thread): raw CTranslate2 + sentencepiece "
          f"{raw_s:.2f} s, {raw_mb:.0f} MiB; load_translator {our_s:.2f} s, {our_mb:.0f} MiB "
          f"({our_s / raw_s:.2f}x raw); translate-cli translate -o - {cli_s:.2f} s, {cli_mb:.0f} MiB "
          f"({cli_s / raw_s:.2f}x raw); same output: {raw_out == our_out == cli_out}")
    from translate_cli.pipeline import FIRST_CHUNK

    fitting = [s for s in source if translator._fits(s)]
    first, whole, raw_first = first_output(args.model, fitting, args.beam, limit)
    print(f"first output of {len(fitting)} lines (translate-cli translate --presegmented --no-repair -o -, fresh "
          f"process, 1 thread): first byte {first:.2f} s, end {whole:.2f} s ({first / whole:.2f} of the whole); raw "
          f"CTranslate2 + sentencepiece loading and translating the first chunk "
          f"({min(len(fitting), FIRST_CHUNK)} lines) {raw_first:.2f} s ({first / raw_first:.2f}x)")
    startup_help = help_startup()
    shown = f"{startup_help:.3f} s (best of 5)" if startup_help is not None else "not installed"
    print(f"translate-cli --help: {shown}")
    if args.transformers:
        transformers_table(args)


def transformers_table(args) -> None:
    """Table 3: plain transformers vs our Translator on transformers and on CTranslate2."""
    import sacrebleu

    args.n = args.transformers
    source = (args.data / f"{args.set}.id").read_text(encoding="utf-8").splitlines()[: args.n]
    references = (args.data / f"{args.set}.en").read_text(encoding="utf-8").splitlines()[: args.n]
    results = {variant: child(args, "--variant", variant, threads=1) for variant in VARIANTS}
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


if __name__ == "__main__":
    main()
