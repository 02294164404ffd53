"""Running ``translate-cli`` in-process in tests, and checking its one-line errors."""

from __future__ import annotations

import sys
from pathlib import Path

from translate_cli import cli


def run(args: list[str], monkeypatch, capsys) -> tuple[int, str, str]:
    """Run ``translate-cli ARGS`` in-process through the real entry point; return (code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["translate-cli", *map(str, args)])
    code = 0
    try:
        cli.main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, needle: str) -> None:
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and needle in lines[0], err
    assert "Traceback" not in err


def make_tree(tmp_path: Path) -> Path:
    """INDIR holding one short Indonesian article, ``a.txt``."""
    indir = tmp_path / "in"
    indir.mkdir()
    (indir / "a.txt").write_text("Banjir melanda kota itu pada hari Senin. Warga mengungsi ke masjid.",
                                 encoding="utf-8")
    return indir
