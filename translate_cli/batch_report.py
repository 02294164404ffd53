"""``batch``'s terminal report: the per-article table of a ``batch.BatchSummary``, its failures and totals, for
the CLI to print."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from translate_cli.batch import BatchSummary
from translate_cli.checks import describe_counts
from translate_cli.score import format_score
from translate_cli.terminal import console as make_console
from translate_cli.terminal import shown


def print_batch_summary(summary: BatchSummary, console: Console | None = None) -> None:
    """The per-article table, the failures with reasons and the corpus scores."""
    console = console or make_console()
    scored = any(a.scores for a in summary.articles)
    table = Table(title=shown(f"{summary.model} -> {summary.shown_as[1]}"))
    metrics = ["BLEU", "chrF", "chrF++", "TER"] if scored else []
    for column in ["article", "status", "sentences", *metrics, "flagged"]:
        table.add_column(column, justify="left" if column in ("article", "status") else "right",
                         overflow="fold" if column == "article" else "ellipsis")
    for a in summary.articles:
        status = {"failed": "[red]failed[/]", "skipped": "[dim]skipped[/]", "pending": "[yellow]pending[/]"}.get(
            a.status, "[green]ok[/]")
        cells = [shown(a.relpath), status, str(a.sentences)]
        if scored:
            s = a.scores
            cells += [format_score(x) for x in (s.bleu, s.chrf, s.chrfpp, s.ter)] if s else ["-"] * 4
        table.add_row(*cells, describe_counts(a.flagged))
    if summary.corpus:
        c = summary.corpus
        table.add_section()
        table.add_row("corpus", "", "", *(format_score(x) for x in (c.bleu, c.chrf, c.chrfpp, c.ter)),
                      describe_counts(summary.flagged()), style="bold")
    console.print(table)
    for a in summary.articles:
        if a.reason and a.status != "pending":
            label = "[red]failed[/]" if a.status == "failed" else "[yellow]notice[/]"
            reason = a.reason.removeprefix(str(summary.indir / a.relpath) + ": ")
            console.print(f"{label} {shown(a.relpath)}: {shown(reason)}")
    counts = summary.counts()
    job = (f"; whole job: {summary.job.translated_sentences} sentences in {summary.job.seconds:.1f}s over "
           f"{summary.job.runs} runs" if summary.job.runs > 1 else "")
    console.print(
        f"{counts['translated']} translated, {counts['skipped']} skipped, {counts['failed']} failed; "
        f"{summary.translated_sentences} sentences translated, {summary.cached_sentences} from cache "
        f"in {summary.seconds:.1f}s{job}; checks flagged: {describe_counts(summary.flagged())}; "
        f"repaired: {summary.repaired()}"
    )
