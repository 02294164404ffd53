"""Does repair help? A sentence whose translation the checks call degenerate or untranslated, or that filled its
output budget, is translated once more (``translate.Translator``, ``REPAIR_SETTINGS``; a long one also in two
clauses, ``translate.clause_split``); this measures it on FLORES-200 devtest (Indonesian -> English), with repair
off, on without the clause candidate (repair as it was before it) and on.

Usage: python benchmarks/bench_repair.py [--data ../shared/data/test] [--set flores200.devtest] [--model MODEL]
                                         [--limit N] [--backend B]

``--set`` names another line-aligned pair in ``--data`` (``--data ../shared/data/dev --set general.valid``: the
dev set that repair's settings are chosen on; FLORES-200 devtest is held out for reporting).

Without --model it builds the tiny random-weight Marian whose outputs loop (translate_cli/devkit/tiny_models.py,
``build_looping_marian``) and reports, per engine, how many sentences repair changed and how many of those
pass the checks afterwards (the checks repair is for, and all of them). With --model (``embedded``: the shipped
model) it reports corpus chrF and BLEU with and without repair and how many sentences were repaired.
The three runs of a configuration follow each other in one process, so their timings compare.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import sacrebleu
from flores import devtest_args

import translate_cli.translate as translate_module
from translate_cli.checks import check_pair
from translate_cli.translate import REPAIR_CODES, load_translator

MODES = {"off": (False, True), "on without clauses": (True, False), "on": (True, True)}  # repair, clause candidate


def run(model: str, backend: str, mode: str, sources: list[str]) -> tuple[list[str], list[bool], float, str]:
    """The translations in ``mode`` (of MODES), which of them are repairs, the seconds taken and the model's label."""
    repair, clauses = MODES[mode]
    split = translate_module.clause_split
    if not clauses:  # repair as before the clause candidate: no piece has a clause boundary
        translate_module.clause_split = lambda text: None
    try:
        translator = load_translator(model, backend=backend, repair=repair)
        started = time.perf_counter()
        hyps = translator.translate(sources)
        return hyps, [translator.repaired(s) for s in sources], time.perf_counter() - started, translator.label
    finally:
        translate_module.clause_split = split


def failing(source: str, translation: str, codes: tuple[str, ...] | None = REPAIR_CODES) -> bool:
    return any(codes is None or f.code in codes for f in check_pair(source, translation))


def looping(sources: list[str], tmp: str) -> None:
    from translate_cli.devkit.tiny_models import build_looping_marian

    model = str(build_looping_marian(Path(tmp) / "looping-marian"))
    for backend in ("ctranslate2", "transformers"):
        before, _, seconds_off, label = run(model, backend, "off", sources)
        print(f"{label}: {len(sources)} sentences; without repair {sum(map(failing, sources, before))} fail "
              f"{'/'.join(REPAIR_CODES)} ({seconds_off:.1f} s)")
        for mode in ("on without clauses", "on"):
            after, repaired, seconds_on, _ = run(model, backend, mode, sources)
            fixed = [(s, t) for s, t, r in zip(sources, after, repaired) if r]
            print(f"  repair {mode}: {len(fixed)} repaired ({seconds_on:.1f} s), of which "
                  f"{sum(not failing(s, t) for s, t in fixed)} pass those checks and "
                  f"{sum(not failing(s, t, None) for s, t in fixed)} pass every check; "
                  f"{sum(map(failing, sources, after))} still fail them")


def real(model: str, backend: str, sources: list[str], references: list[str]) -> None:
    runs = {mode: run(model, backend, mode, sources) for mode in MODES}
    changed = [i for i, r in enumerate(runs["on"][1]) if r]
    for mode, (hyps, repaired, seconds, label) in runs.items():
        chrf = sacrebleu.corpus_chrf(hyps, [references]).score
        bleu = sacrebleu.corpus_bleu(hyps, [references]).score
        sub = (f"chrF {sacrebleu.corpus_chrf([hyps[i] for i in changed], [[references[i] for i in changed]]).score:.2f}"
               if changed else "none to score")  # sacrebleu cannot score an empty corpus
        print(f"{label}, repair {mode}: {len(sources)} sentences in {seconds:.0f} s; {sum(repaired)} repaired; "
              f"chrF {chrf:.2f}, BLEU {bleu:.2f}; {sum(map(failing, sources, hyps))} fail "
              f"{'/'.join(REPAIR_CODES)}; the {len(changed)} sentences repair (on) changes: {sub}")
    for i in changed:
        print(f"  {sources[i]!r}\n    {runs['off'][0][i]!r}\n -> {runs['on without clauses'][0][i]!r}"
              f"\n -> {runs['on'][0][i]!r}")


def main() -> None:
    args, sources, references = devtest_args(__doc__, "a tiny looping random-weight Marian")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("TRANSLATE_CLI_CACHE", tmp)  # CTranslate2 conversions go with it
        if args.model is None:
            looping(sources, tmp)
        else:
            real(args.model, args.backend, sources, references)


if __name__ == "__main__":
    main()
