"""``batch`` over every model it is given: each model's run in its own output folder, INDIR and REFDIR staged
from object storage where they are URLs, OUTDIR mirrored to one (``storage``), a Ray translator fed its own
chunk size and closed after its run. The CLI parses the options and prints; this module does the runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from translate_cli.batch import CHUNK_SENTENCES, BatchJob, BatchSummary, write_models_index
from translate_cli.batch_articles import DEFAULT_GLOB
from translate_cli.engines import each_model, ray_chunk
from translate_cli.layout import SUMMARY_NAME
from translate_cli.records import SentenceTranslator
from translate_cli.storage import OutputFolder, check_apart, is_url, join, local_input


@dataclass(frozen=True)
class ModelRun:
    """One model's batch run: the folder (or URL) its outputs went to and its summary."""

    target: str | Path
    summary: BatchSummary


def run_models(indir: str, output: str, models: Sequence[str] | None,
               open_model: Callable[[str | None], SentenceTranslator], *, references: str | None = None,
               glob: Sequence[str] | None = None, quiet: bool = False, force: bool = False,
               presegmented: bool = False, notice: Callable[[str], None] | None = None,
               on_summary: Callable[[BatchSummary], None] | None = None) -> list[ModelRun]:
    """Translate every article under ``indir`` (a folder or URL) into ``output`` with each of ``models``
    (``engines.each_model``: None, the default model), one :class:`~translate_cli.batch.BatchJob` a model.

    ``open_model(name)`` gives a model's translator, called once the job's folders, patterns and lock are
    checked, so that a bad folder fails before a model loads; ``on_summary`` hears each run's summary as it
    ends, before the next model loads. With several models and a local ``output``, its ``index.html`` links
    every model's run (``batch.write_models_index``), written again as each run ends or is interrupted.
    """
    check_apart(indir, output)
    with local_input(indir, "input") as local_in, local_input(references, "references") as local_refs:
        assert local_in is not None  # indir is a location, never None

        def run(number: int, sub: str | None, translator: Callable[[], SentenceTranslator]) -> ModelRun:
            target = join(output, sub) if sub else output
            out = OutputFolder(target)
            try:
                with BatchJob(local_in, out.local, references=local_refs, notice=notice, publish=out.publish,
                              glob=tuple(glob) if glob else DEFAULT_GLOB, shown_as=(indir, str(target)),
                              output_root=None if is_url(output) else Path(output)) as job:
                    opened = translator()  # once the job's folders, patterns and lock are checked
                    summary = job.run(opened, quiet=quiet, force=force, presegmented=presegmented,
                                      chunk_sentences=ray_chunk(opened) or CHUNK_SENTENCES)
            finally:  # an interrupted run's index links it too
                if sub and not is_url(output):
                    write_models_index(Path(output))
            if on_summary:
                on_summary(summary)
            return ModelRun(target, summary)

        return each_model(models, open_model, run)


def failures(runs: Sequence[ModelRun]) -> str | None:
    """One line on the runs in which articles failed, each with its summary file; None when none did."""
    failed = [f"{len(run.summary.failed)} of {len(run.summary.articles)} articles failed; "
              f"see {join(run.target, SUMMARY_NAME)}" for run in runs if run.summary.failed]
    return "; ".join(failed) or None
