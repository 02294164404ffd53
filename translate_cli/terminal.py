"""What the CLI prints: user text made safe for a terminal, consoles that never cut lines when piped.

File names, references and translations may hold escape sequences (``\\x1b[2J`` clears a screen, OSC
sequences set a window title) or line and bidi controls that reorder what a reader sees. Everything
printed from user data goes through :func:`visible`, which writes each such character as an escape
(``\\x1b``, ``\\u202e``), and :func:`shown` when it becomes rich markup; a command's text output
(``segment``'s sentences, a translation on stdout) goes through it on a terminal only (:func:`write_text`).
"""

from __future__ import annotations

import re
import sys

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

# C0 and C1 controls (tab and newline included: one item, one line), DEL, line/paragraph separators,
# bidi embeddings, overrides and isolates, and the zero-width and BOM characters.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_WIDE = 10_000  # columns of a console that is not a terminal: tables are never cut


def visible(text: object) -> str:
    """``text`` with every control, separator and bidi character written as a Python-style escape."""
    return _UNSAFE.sub(lambda match: escape_char(match.group()), str(text))


def escape_char(char: str) -> str:
    """A character as a Python-style escape: ``\\x1b``, ``\\u2028``."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def write_text(text: str) -> None:
    """Write lines of user text to stdout: as they are into a pipe or a file (they are data there), each
    line through :func:`visible` on a terminal."""
    if sys.stdout.isatty():
        text = "\n".join(visible(line) for line in text.split("\n"))
    sys.stdout.write(text)


def shown(text: object) -> str:
    """:func:`visible`, then escaped for rich markup: for user text inside tables and styled lines."""
    return escape(visible(text))


def console(stderr: bool = False) -> Console:
    """A rich console for stdout (or stderr); when it is not a terminal, lines are never cut or wrapped."""
    stream = sys.stderr if stderr else sys.stdout
    interactive = stream.isatty()
    return Console(file=stream, highlight=False, width=None if interactive else _WIDE, soft_wrap=not interactive)


class _RateColumn(ProgressColumn):
    """Items per second."""

    def render(self, task) -> Text:
        return Text(f"{task.speed:.1f}/s" if task.speed else "-/s", style="progress.data.speed")


def progress_bar(target: Console | None = None, quiet: bool = False) -> Progress:
    """Bars with count, rate and ETA on ``target`` (default stderr); off when quiet or not a terminal."""
    target = target or console(stderr=True)
    return Progress(
        TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(), _RateColumn(), TimeRemainingColumn(),
        console=target, disable=quiet or not target.is_terminal,
    )
