"""``compare``'s terminal report: the tables of a ``compare.Comparison``, for the CLI to print.

Every column folds (wraps) instead of being cut, so on a terminal and in a file the tables keep their text at
a readable width (``compare_console``).
"""

from __future__ import annotations

import os
import sys

from rich.console import Console
from rich.table import Table

from translate_cli.checks import CODES
from translate_cli.compare import Comparison, MetricResult, better, metric_cell, significant
from translate_cli.pages import METRIC_DIRECTIONS
from translate_cli.terminal import shown

FILE_WIDTH = 120  # columns of the report in a pipe or file (COLUMNS overrides), where no terminal says
UNALIGNED = "(no text aligned here)"


def compare_console() -> Console:
    """A console for stdout whose width is the terminal's, else ``COLUMNS`` or ``FILE_WIDTH``: the long
    tables wrap there instead of running thousands of columns wide."""
    columns = os.environ.get("COLUMNS", "").strip()
    width = int(columns) if columns.isdigit() and int(columns) > 0 else FILE_WIDTH
    return Console(file=sys.stdout, highlight=False, width=None if sys.stdout.isatty() else width)


def _table(title: str, columns: list[str], left: int = 1, **options) -> Table:
    """A table whose first ``left`` columns are left-aligned, the rest right-aligned; every column folds."""
    table = Table(title=title, **options)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i < left else "right", overflow="fold")
    return table


def _styled_cell(result: MetricResult, baseline: MetricResult, metric: str) -> str:
    """The metric cell in rich markup: green when significantly better than the baseline, red when worse."""
    if not significant(result, baseline):
        return metric_cell(result, baseline)
    return f"[{'green' if better(result, baseline, metric) else 'red'}]{metric_cell(result, baseline)}[/]"


def _marked(runs: list[tuple[str, bool]], unaligned: bool) -> str:
    """Rich markup of a hypothesis with its differing words highlighted; an alignment-made empty one said so."""
    if unaligned:
        return f"[italic]{UNALIGNED}[/]"
    return " ".join(f"[black on yellow]{shown(text)}[/]" if changed else shown(text) for text, changed in runs)


def render_terminal(comparison: Comparison, console: Console) -> None:
    """Print the systems, corpus scores, per-article, length, sentence-score, word-accuracy, n-gram and
    example tables."""
    names = [shown(s.name) for s in comparison.systems]
    metrics = list(comparison.systems[0].metrics)
    baseline = comparison.systems[0].metrics
    console.print("; ".join(f"{metric}: {METRIC_DIRECTIONS[metric]}" for metric in metrics)
                  + ". * p < 0.05 against the first system, where the shown scores differ.")
    table = _table("Systems", ["system", "model", "path"], left=3)
    for system in comparison.systems:
        table.add_row(shown(system.name), shown(system.model or "-"), shown(system.path))
    console.print(table)

    table = _table("Corpus scores (95% CI; p-value against the first system)", ["system", *metrics])
    for system in comparison.systems:
        table.add_row(shown(system.name), *(_styled_cell(system.metrics[m], baseline[m], m) for m in metrics))
    console.print(table)

    table = _table("Sentences flagged by the translation checks (no reference; lower is better) and the model's "
                   "mean confidence (log-probability per token; '-': none recorded)",
                   ["system", *CODES, "mean confidence"])
    for system in comparison.systems:
        table.add_row(shown(system.name), *(str(system.flagged.get(code, 0)) for code in CODES),
                      "-" if system.confidence is None else f"{system.confidence:.3f}")
    console.print(table)

    table = _table("chrF per article", ["article", "segments", *names])
    for article in comparison.articles:
        table.add_row(shown(article.article), str(article.segments), *(f"{x:.1f}" for x in article.chrf))
    console.print(table)

    table = _table("chrF by reference length (words)", ["length", "segments", *names], left=0)
    for bucket in comparison.buckets:
        table.add_row(bucket.label, str(bucket.segments), *(f"{x:.1f}" for x in bucket.chrf))
    console.print(table)

    table = _table("Segments by sentence chrF", ["chrF", *names], left=0)
    for score_bucket in comparison.score_buckets:
        table.add_row(score_bucket.label, *(str(n) for n in score_bucket.segments))
    console.print(table)

    table = _table(f"Word F-measure by frequency (counted on {shown(comparison.frequency_source)}; higher is better)",
                   ["frequency", "ref words", *names], left=0)
    for word_bucket in comparison.word_accuracy:
        table.add_row(word_bucket.label, str(word_bucket.ref_words), *(f"{f:.3f}" for f in word_bucket.fmeasure))
    console.print(table)

    for pair in comparison.ngrams:
        first, second = shown(pair.first), shown(pair.second)
        table = _table(f"N-grams matched more often (reference matches {first} / {second})",
                       [f"{first} better", f"{second} better"], left=2)
        rows = max(len(pair.first_better), len(pair.second_better))
        cells = [[f"{shown(d.ngram)} ({d.matches[0]}/{d.matches[1]})" for d in side]
                 for side in (pair.first_better, pair.second_better)]
        for row in range(rows):
            table.add_row(*(side[row] if row < len(side) else "" for side in cells))
        console.print(table)

    if comparison.differences:
        table = _table("Largest differences (sentence chrF; words that differ from the first system marked; "
                       f"{UNALIGNED}: alignment gave the system no sentence for this reference)",
                       ["article", "source / reference", *names], left=2 + len(names), show_lines=True)
        for diff in comparison.differences:
            table.add_row(shown(diff.article), f"[dim]{shown(diff.source)}[/]\n{shown(diff.reference)}",
                          *(f"{_marked(runs, empty)}\n[dim]chrF {chrf:.1f}[/]"
                            for runs, chrf, empty in zip(diff.changes, diff.chrf, diff.unaligned)))
        console.print(table)
    for key, reason in comparison.skipped.items():
        console.print(f"[yellow]left out[/] {shown(key)}: {shown(reason)}")
