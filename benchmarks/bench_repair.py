"""Does repair help? A sentence whose translation the checks call degenerate or untranslated, or that filled its
output budget, is translated once more (``translate.Translator``, ``REPAIR_SETTINGS``); this measures it on
FLORES-200 devtest (Indonesian -> English), with repair off and on.

Usage: python benchmarks/bench_repair.py [--data ../shared/data/test] [--model MODEL] [--limit N] [--backend B]

Without --model it builds the tiny random-weight Marian whose outputs loop (translate_cli/devkit/tiny_models.py,
``build_looping_marian``) and reports, per engine, how many sentences repair changed and how many of those
pass the checks afterwards (the checks repair is for, and all of them). With --model (``embedded``: the shipped
model) it reports corpus chrF and BLEU with and without repair and how many sentences were repaired.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import sacrebleu
from flores import devtest_args

from translate_cli.checks import check_pair
from translate_cli.translate import REPAIR_CODES, load_translator


def run(model: str, backend: str, repair: bool, sources: list[str]) -> tuple[list[str], list[bool], float, str]:
    """The translations, which of them are repairs, the seconds taken and the model's label."""
    translator = load_translator(model, backend=backend, repair=repair)
    started = time.perf_counter()
    hyps = translator.translate(sources)
    return hyps, [translator.repaired(s) for s in sources], time.perf_counter() - started, translator.label


def failing(source: str, translation: str, codes: tuple[str, ...] | None = REPAIR_CODES) -> bool:
    return any(codes is None or f.code in codes for f in check_pair(source, translation))


def looping(sources: list[str], tmp: str) -> None:
    from translate_cli.devkit.tiny_models import build_looping_marian

    model = str(build_looping_marian(Path(tmp) / "looping-marian"))
    for backend in ("ctranslate2", "transformers"):
        before, _, seconds_off, label = run(model, backend, False, sources)
        after, repaired, seconds_on, _ = run(model, backend, True, sources)
        fixed = [(s, t) for s, t, r in zip(sources, after, repaired) if r]
        print(f"{label}: {len(sources)} sentences; without repair {sum(map(failing, sources, before))} fail "
              f"{'/'.join(REPAIR_CODES)} ({seconds_off:.1f} s); with repair {len(fixed)} repaired "
              f"({seconds_on:.1f} s), of which {sum(not failing(s, t) for s, t in fixed)} pass those checks "
              f"and {sum(not failing(s, t, None) for s, t in fixed)} pass every check; "
              f"{sum(map(failing, sources, after))} still fail them")


def real(model: str, backend: str, sources: list[str], references: list[str]) -> None:
    runs = {repair: run(model, backend, repair, sources) for repair in (False, True)}
    changed = [i for i, r in enumerate(runs[True][1]) if r]
    for repair, (hyps, _, seconds, label) in runs.items():
        chrf = sacrebleu.corpus_chrf(hyps, [references]).score
        bleu = sacrebleu.corpus_bleu(hyps, [references]).score
        sub = sacrebleu.corpus_chrf([hyps[i] for i in changed], [[references[i] for i in changed]]).score
        print(f"{label}, repair {'on' if repair else 'off'}: {len(sources)} sentences in {seconds:.0f} s; "
              f"chrF {chrf:.2f}, BLEU {bleu:.2f}; {sum(map(failing, sources, hyps))} fail "
              f"{'/'.join(REPAIR_CODES)}; the {len(changed)} sentences repair changes: chrF {sub:.2f}")
    for i in changed:
        print(f"  {sources[i]!r}\n    {runs[False][0][i]!r}\n -> {runs[True][0][i]!r}")


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
