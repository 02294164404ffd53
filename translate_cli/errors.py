"""The one exception type the CLI turns into a one-line message and exit code 1."""


class UserError(Exception):
    """A problem the user can fix (bad input, unknown model, unwritable folder).

    The CLI prints ``error: <message>`` on stderr and exits with status 1, never a traceback.
    """


class Interrupted(Exception):
    """Ctrl-C during a long command, after what was finished was saved.

    The CLI prints the message (which says what was kept) and exits with status 130.
    """
