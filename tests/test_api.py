"""The documented Python API: the README's example runs as written, on a tiny model."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_example_runs(tmp_path, marian_dir, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"## Python API\n.*?```python\n(.*?)```", readme, re.S).group(1)
    assert 8 <= len(example.strip().splitlines()) <= 14
    (tmp_path / "samples").symlink_to(ROOT / "samples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRANSLATE_CLI_MODEL", str(marian_dir))  # the default model, here a tiny one
    done = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "->" in done.stdout and "chrF" in done.stdout
    assert (tmp_path / "out" / "almaty" / "almaty.tsv").is_file()


def test_the_public_names_are_documented_and_import_lazily():
    import translate_cli as tc

    for name in tc.__all__:
        if name != "__version__":
            assert getattr(tc, name).__doc__, name
    code = "import sys, translate_cli; print('torch' in sys.modules or 'transformers' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
