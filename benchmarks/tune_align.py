"""Calibrate the aligner's weights on real train/dev documents (never on test data).

Coordinate search: each weight in turn is scaled up and down and the change kept when it raises the
objective, the mean over the tuning sets of bench_align.py (a sample of each) and the whole New
Testament as one long document, of strict F1 on whole documents and on the targets cut to their first,
middle or last third. Each method has its own length
variance and gap costs; ``tokens`` and ``translation`` (with the oracle-noisy stand-in) also their
similarity reward, and ``tokens``, the default without a model, the shared weights: bead priors, the
spread of the length scale for partial references, the weight of its expected value, the feature weights,
and its own variance and gaps for partial references (``partial.tokens.*``).
The best values are printed, to be copied into translate_cli/align.py.

    python benchmarks/tune_align.py --method tokens [--data ../shared/data] [--text-berg DIR] [--rounds 2]
        [--knobs tokens.gap_open,tokens.gap_extend]
"""

from __future__ import annotations

import argparse
import functools
import random
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import bench_align
import gold

from translate_cli import align as aligner

PAIRS = ((1, 2), (2, 2), (1, 3), (2, 3), (1, 4))
STEPS = (0.6, 1.6)
SCALARS = {"spread": "scale_spread", "prior_weight": "prior_weight", "idf_scale": "idf_scale",
           "max_weight": "max_weight"}  # knob name: AlignParams field


def knobs(method: str) -> list[str]:
    """Names of the weights tuned for a method."""
    own = [f"{method}.{field}" for field in ("variance", "gap_open", "gap_extend", "end_open", "end_extend")]
    if method == "length":
        return own
    reward = [f"{method}.shared"] + ([f"{method}.unmatched"] if method == "tokens" else [])
    common = (["spread", "prior_weight", "idf_scale", "max_weight", *(f"prior.{a}-{b}" for a, b in PAIRS),
               *(f"partial.tokens.{field}" for field in ("variance", "gap_open", "gap_extend"))]
              if method == "tokens" else [])
    return [*reward, *own, *common]


def get(params: aligner.AlignParams, name: str) -> float:
    """The value of a named weight in ``params``."""
    if name in SCALARS:
        return getattr(params, SCALARS[name])
    if name.startswith("prior."):
        a, b = map(int, name[6:].split("-"))
        return params.prior[(a, b)]
    table, (method, field) = _table(params, name), name.split(".")[-2:]
    return getattr(table[method], field)


def put(params: aligner.AlignParams, name: str, value: float) -> aligner.AlignParams:
    """``params`` with a named weight set to ``value`` (bead priors symmetric: a-b and b-a alike)."""
    if name == "max_weight":
        return replace(params, max_weight=max(1, round(value)))
    if name in SCALARS:
        return replace(params, **{SCALARS[name]: value})
    if name.startswith("prior."):
        a, b = map(int, name[6:].split("-"))
        return replace(params, prior={**params.prior, (a, b): value, (b, a): value})
    field_name = "partial_weights" if name.startswith("partial.") else "weights"
    table, (method, field) = _table(params, name), name.split(".")[-2:]
    return replace(params, **{field_name: {**table, method: replace(table[method], **{field: value})}})


def _table(params: aligner.AlignParams, name: str) -> Mapping[str, aligner.Weights]:
    """The weights a ``method.field`` name refers to: those of partial references when it starts with ``partial.``."""
    return params.partial_weights if name.startswith("partial.") else params.weights


def objective(method: str, sets: dict[str, list[gold.Gold]], translations: dict[str, list[list[str]]],
              params: aligner.AlignParams) -> float:
    """Mean over sets of (F1 on whole documents + F1 on partial cuts) / 2; document k is also cut to
    its first, middle or last third in turn."""
    scores = []
    for name, docs in sets.items():
        whole, partial = gold.Counts(), gold.Counts()
        for k, doc in enumerate(docs):
            translation = translations[name][k] if method == "translation" else None
            whole.add(doc, bench_align.as_pairs(aligner.align(doc.src, doc.tgt, src_translation=translation,
                                                              method=method, params=params)))
            cut = gold.partial(doc, bench_align.PARTS[k % 3])
            partial.add(cut, bench_align.as_pairs(aligner.align(cut.src, cut.tgt, src_translation=translation,
                                                                method=method, params=params)))
        scores.append((whole.f1() + partial.f1()) / 2)
    return sum(scores) / len(scores)


def _cached(function):
    """``function`` of a sentence list, remembering its results."""
    cached = functools.lru_cache(maxsize=None)(lambda sentences: function(list(sentences)))
    return lambda sentences: cached(tuple(sentences))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--method", choices=("length", "tokens", "translation"), required=True)
    parser.add_argument("--data", type=Path, default=gold.DATA)
    parser.add_argument("--text-berg", type=Path, help="Vecalign's bleualign_data folder (its dev document)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--docs", type=int, default=24, help="at most this many documents per set (a fixed sample)")
    parser.add_argument("--knobs", help="comma-separated weights to tune (default: all of the method's)")
    args = parser.parse_args()

    rng = random.Random(0)
    sets = {name: sorted(rng.sample(docs, min(len(docs), args.docs)), key=lambda d: d.name)
            for name, docs in bench_align.tune_sets(args.data, args.text_berg).items()}
    sets["bible-nt whole"] = [gold.whole(args.data / "train", "bible-nt")]  # a long document: no drift
    translations = {}
    for name, docs in sets.items():
        vocabulary = sorted({w for doc in docs for s in doc.tgt for w in s.split()})
        translations[name] = [bench_align.oracle_noisy(doc, vocabulary, random.Random(1)) for doc in docs]
    for name in ("_tokens", "_char_ngrams"):  # features do not depend on the weights: compute them once
        setattr(aligner, name, _cached(getattr(aligner, name)))
    params = aligner.DEFAULT_PARAMS
    best = objective(args.method, sets, translations, params)
    print(f"start {best:.4f}", flush=True)
    for round_ in range(args.rounds):
        for name in args.knobs.split(",") if args.knobs else knobs(args.method):
            start = get(params, name)
            for step in STEPS:
                trial = put(params, name, start * step)
                score = objective(args.method, sets, translations, trial)
                if score > best + 1e-4:
                    best, params, start = score, trial, get(trial, name)
                    print(f"round {round_ + 1}: {name} = {start:.4g} -> {best:.4f}", flush=True)
    print("\nbest values:")
    for name in knobs(args.method):
        print(f"  {name} = {get(params, name):.4g}")
    print(f"objective {best:.4f}")


if __name__ == "__main__":
    main()
