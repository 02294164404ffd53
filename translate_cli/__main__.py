"""The ``translate-cli`` script and ``python -m translate_cli``.

The command line itself (``cli``) imports typer and rich, which takes a good part of the start; a Ctrl-C
then must end as typer ends one outside the long commands, with status 130 and no traceback, so the
script's entry point lives here, where importing it costs nothing.
"""

import sys


def main() -> None:
    """Run the command line; a Ctrl-C while it loads (or that it lets through) exits with status 130."""
    try:
        from translate_cli.cli import main as run

        run()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
