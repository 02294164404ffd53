"""Batch throughput: the local engine vs Ray with 1 and 2 workers, on one folder of articles.

Usage: python benchmarks/bench_batch.py [--model PATH_OR_ALIAS] [--articles DIR] [--workers 1 2] [--repeat 3]

--articles is a folder of Indonesian articles (default: 40 built by benchmarks/make_articles.py from
../shared/data/test/news.test into a temp folder). --model is any --model value; without it a random-weight
Marian is built like the tests' tiny model (--width/--layers make it bigger, so that compute dominates).

Every variant runs ``batch.run_batch`` into a fresh output folder (no cached sentences), --repeat times, best
kept. Start-up is timed apart: loading the model (local), starting Ray (once) and the workers loading the
model (Ray). Prints sentences/s, the ratio to local and the Ray overhead per article,
(t_ray - t_local) / articles, in wall time and in CPU time (this process plus the workers' processes: the
fairer figure on a busy machine, where separate worker processes get a larger share of the CPUs). Run it
with OMP_NUM_THREADS=1 on a shared machine: every worker and the local engine then compute with one
thread, so 2 workers hold 2 cores.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from translate_cli.batch import run_batch
from translate_cli.models import resolve_model

ROOT = Path(__file__).resolve().parent.parent


def random_marian(folder: Path, width: int, layers: int) -> str:
    """A random-weight Marian built like the tests' tiny model, ``width`` wide and ``layers`` deep."""
    from translate_cli.devkit.tiny_models import TINY, build_marian

    if width == TINY["d_model"] and layers == TINY["encoder_layers"]:
        return str(build_marian(folder))
    heads = max(2, width // 64)
    return str(build_marian(folder, d_model=width, encoder_layers=layers, decoder_layers=layers,
                            encoder_attention_heads=heads, decoder_attention_heads=heads,
                            encoder_ffn_dim=4 * width, decoder_ffn_dim=4 * width, max_position_embeddings=256))


def cpu_seconds(translator) -> float:
    """CPU seconds used so far by this process and, for Ray, by the workers' processes."""
    if not hasattr(translator, "actors"):
        return time.process_time()
    import ray

    workers = translator.actors
    return time.process_time() + sum(ray.get([w.__ray_call__.remote(lambda _: time.process_time()) for w in workers]))


def best_run(indir: Path, tmp: Path, translator, repeat: int, **options) -> tuple[float, float, int, int]:
    """Best wall and CPU seconds of ``repeat`` batch runs into fresh folders; sentences translated and articles."""
    times, cpus = [], []
    for _ in range(repeat):
        outdir = Path(tempfile.mkdtemp(dir=tmp))
        cpu, start = cpu_seconds(translator), time.perf_counter()
        summary = run_batch(indir, outdir, translator, quiet=True, **options)
        times.append(time.perf_counter() - start)
        cpus.append(cpu_seconds(translator) - cpu)
        assert summary.ok, [a for a in summary.articles if a.status == "failed"]
    return min(times), min(cpus), summary.translated_sentences, len(summary.articles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="alias, local model folder or hub id [default: a random-weight Marian]")
    parser.add_argument("--width", type=int, default=16, help="d_model of the random Marian (tests: 16)")
    parser.add_argument("--layers", type=int, default=1, help="encoder and decoder layers of the random Marian")
    parser.add_argument("--articles", type=Path, help="folder of articles [default: built from --data]")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "test")
    parser.add_argument("--n", type=int, default=40, help="articles to build when --articles is not given")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from translate_cli.ray_engine import RayTranslator, import_ray
    from translate_cli.translate import load_translator

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        model = args.model or random_marian(tmp / "model", args.width, args.layers)
        indir = args.articles
        if indir is None:
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_articles.py"), "--data", str(args.data),
                            "--n", str(args.n), "--out", str(tmp / "articles")], check=True, capture_output=True)
            indir = tmp / "articles" / "src"
        spec = resolve_model(model)
        options = {"beam": args.beam, "batch_size": args.batch_size, "device": "cpu"}
        rows = []

        start = time.perf_counter()
        local = load_translator(spec, **options)
        rows.append(("local", "-", time.perf_counter() - start, *best_run(indir, tmp, local, args.repeat)))

        ray = import_ray()
        start = time.perf_counter()
        ray.init(address="local", include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
        ray_start = time.perf_counter() - start
        for workers in args.workers:
            start = time.perf_counter()
            translator = RayTranslator(spec, workers=workers, **options)
            loaded = time.perf_counter() - start
            try:
                run = best_run(indir, tmp, translator, args.repeat, chunk_sentences=translator.chunk_sentences)
            finally:
                translator.close()
            rows.append(("ray", str(workers), loaded, *run))
        ray.shutdown()

    print(f"model {model if args.model else f'random Marian d_model={args.width} layers={args.layers}'}; "
          f"identity {local.identity}")
    print(f"{rows[0][6]} articles, {rows[0][5]} sentences; beam {args.beam}, batch size {args.batch_size}; "
          f"best of {args.repeat}; Ray start (ray.init, local instance) {ray_start:.1f} s")
    print(f"{'engine':7} {'workers':>7} {'start-up s':>10} {'batch s':>8} {'sent/s':>8} {'x local':>8} "
          f"{'overhead s/article':>18} {'CPU s':>7} {'CPU overhead s/article':>22}")
    local_seconds, local_cpu = rows[0][3], rows[0][4]
    for engine, workers, loaded, seconds, cpu, sentences, articles in rows:
        overhead = f"{(seconds - local_seconds) / articles:+.4f}" if engine == "ray" else "-"
        cpu_overhead = f"{(cpu - local_cpu) / articles:+.4f}" if engine == "ray" else "-"
        print(f"{engine:7} {workers:>7} {loaded:10.1f} {seconds:8.2f} {sentences / seconds:8.1f} "
              f"{local_seconds / seconds:8.2f} {overhead:>18} {cpu:7.2f} {cpu_overhead:>22}")
    print(json.dumps({"rows": rows, "ray_start_s": ray_start}))


if __name__ == "__main__":
    main()
