"""The one exception type the CLI turns into a one-line message and exit code 1, Ctrl-C's, and how a command
of several files keeps going past one file's error."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager


class UserError(Exception):
    """A problem the user can fix (bad input, unknown model, unwritable folder).

    The CLI prints ``error: <message>`` on stderr and exits with status 1, never a traceback.
    """


class Interrupted(Exception):
    """Ctrl-C during a long command, after what was finished was saved.

    The CLI prints the message (which says what was kept) and exits with status 130.
    """


class EachFile:
    """Several input files taken as Unix tools take them: one file's user error goes to ``on_error`` (which
    prints its one line) and the others still run, ``failed`` counting them for an exit status of 1 at the
    end; with one file, its error ends the command as always."""

    def __init__(self, files: Sequence[object], on_error: Callable[[UserError], None]):
        if [str(file) for file in files].count("-") > 1:
            raise UserError("standard input can be read only once: give - at most once")
        self.several, self.failed, self.on_error = len(files) > 1, 0, on_error

    @contextmanager
    def reported(self) -> Iterator[None]:
        """Run the block for one file; a UserError in it goes to ``on_error`` (several files) or is raised (one)."""
        try:
            yield
        except UserError as error:
            if not self.several:
                raise
            self.on_error(error)
            self.failed += 1
