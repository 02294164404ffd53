"""What the terminal shows of a ``translate`` run (``translate_runs``): each translation on stdout, or a
short table of what it produced; the CLI prints through it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from rich.table import Table

from translate_cli.checks import count_findings, describe_counts
from translate_cli.documents import render_document
from translate_cli.formats import render_text
from translate_cli.records import Scores, TranslationResult
from translate_cli.terminal import console, shown, write_text
from translate_cli.translate_runs import Article


class TerminalShow:
    """A :class:`~translate_cli.translate_runs.TranslateShow` for the terminal: translations on stdout one
    after the other, a blank line apart (so that the last paragraph, or subtitle cue, of one and the first of
    the next stay apart), and the other notes through ``notice``."""

    def __init__(self, notice: Callable[[str], None]):
        self.notice, self.started = notice, False

    def next(self) -> None:
        """Before a translation on stdout: the blank line that parts it from the one before."""
        if self.started:
            write_text("\n")
        self.started = True

    def stream(self, pieces: Iterable[str]) -> None:
        """Print the translation's text on stdout paragraph by paragraph as its sentences are translated."""
        self.next()
        for piece in pieces:
            write_text(piece)
            sys.stdout.flush()

    def finished(self, article: Article, target: Path | None, result: TranslationResult,
                 written: list[Path]) -> None:
        """The translation on stdout (a document in its own format), or the table of what it produced."""
        if article.to_stdout:
            self.next()
        if article.to_stdout and article.document is not None:
            sys.stdout.flush()
            sys.stdout.buffer.write(render_document(article.document, result.target, None if target else self.notice))
            sys.stdout.flush()
        elif article.to_stdout:
            write_text(render_text(result))
            if target:
                self.notice(f"outputs written to {target}")
        else:
            print_translation_summary(result, written)
        if article.to_stdout and not target and result.scores:  # no scores.json to hold them: stderr does
            self.notice(score_line(result.scores))


def score_values(scores: Scores) -> str:
    """The four corpus scores as the terminal shows them: ``12.3 / 45.6 / 44.1 / 78.9``."""
    from translate_cli.score import format_score  # here: sacrebleu stays out of a plain translation's start-up

    return " / ".join(format_score(x) for x in (scores.bleu, scores.chrf, scores.chrfpp, scores.ter))


def score_line(scores: Scores) -> str:
    """The corpus scores and BLEU's signature on one line."""
    return f"BLEU / chrF / chrF++ / TER {score_values(scores)} ({scores.signatures.get('bleu', '')})"


def print_translation_summary(result: TranslationResult, written: list[Path]) -> None:
    """A short table of what one translation produced."""
    table = Table(title=shown(result.name), show_header=False, box=None)
    n = len(result.source)
    table.add_row("model", shown(result.model))
    table.add_row("sentences", str(n))
    table.add_row("time", f"{result.seconds:.1f} s ({n / max(result.seconds, 1e-9):.1f} sentences/s)")
    if result.scores:
        s = result.scores
        table.add_row("BLEU / chrF / chrF++ / TER", score_values(s))
        table.add_row("reference", f"{s.matched}/{s.ref_segments} segments matched, coverage {s.coverage:.0%}")
    table.add_row("checks flagged", describe_counts(count_findings([row.flags for row in result.rows])))
    table.add_row("repaired", f"{sum(row.repaired for row in result.rows)} rows translated again")
    table.add_row("outputs", shown(written[0].parent) if written else "-")
    console().print(table)
