"""The command line and the data that the model benchmarks on FLORES-200 devtest (Indonesian -> English) share:
``--data``, ``--model``, ``--set``, ``--limit`` and ``--backend``, and the set's sources and references."""

from __future__ import annotations

import argparse
from pathlib import Path


def devtest_args(doc: str, model_help: str) -> tuple[argparse.Namespace, list[str], list[str]]:
    """The parsed options (described by ``doc``'s first paragraph; ``model_help`` says what no --model runs)
    and the sources and references of ``--set`` (FLORES-200 devtest unless named) under ``--data``, the first
    ``--limit`` of them."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/test"))
    parser.add_argument("--model", help=f"a model as --model takes it; default: {model_help}")
    parser.add_argument("--set", default="flores200.devtest", help="the pair SET.id / SET.en in --data")
    parser.add_argument("--limit", type=int, default=0, help="the first N sentences only (0: all)")
    parser.add_argument("--backend", default="auto")
    args = parser.parse_args()
    sources = (args.data / f"{args.set}.id").read_text(encoding="utf-8").splitlines()
    references = (args.data / f"{args.set}.en").read_text(encoding="utf-8").splitlines()
    if args.limit:
        sources, references = sources[:args.limit], references[:args.limit]
    return args, sources, references
