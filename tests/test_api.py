"""The documented Python API: the README's example runs as written, on a tiny model."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_run import run

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
    assert (tmp_path / "out" / "almaty.en.txt").read_text(encoding="utf-8").count("\n\n") >= 5  # paragraphs


def test_the_public_names_are_documented_and_import_lazily():
    import translate_cli as tc

    for name in tc.__all__:
        if name != "__version__":
            assert getattr(tc, name).__doc__, name
    code = "import sys, translate_cli; print('torch' in sys.modules or 'transformers' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_translate_text_and_translate_document_give_what_the_cli_gives(tmp_path, marian_dir, monkeypatch, capsys):
    import translate_cli as tc

    article = tmp_path / "banjir.id.txt"
    article.write_text("Banjir melanda Jakarta\n\nBanjir merendam rumah warga. Warga mengungsi ke masjid.\n",
                       encoding="utf-8")
    guide = tmp_path / "panduan.md"
    guide.write_text("# Banjir di Jakarta\n\nWarga *mengungsi* ke [masjid](https://contoh.id). Jalan ditutup.\n",
                     encoding="utf-8")
    translator = tc.load_translator(str(marian_dir), beam=1, backend="transformers")
    args = ["-o", "-", "-m", marian_dir, "--beam", 1, "--backend", "transformers", "--force"]
    code, printed, err = run(["translate", article, *args], monkeypatch, capsys)
    assert code == 0, err
    assert tc.translate_text(article.read_text(encoding="utf-8"), translator) == printed
    code, printed, err = run(["translate", guide, *args], monkeypatch, capsys)
    assert code == 0, err
    assert tc.translate_document(guide, translator=translator) == tmp_path / "panduan.en.md"  # beside it
    assert (tmp_path / "panduan.en.md").read_text(encoding="utf-8") == printed
    assert tc.translate_document(article, tmp_path / "x" / "a.txt", translator).read_text(encoding="utf-8") == \
        tc.translate_text(article.read_text(encoding="utf-8"), translator)
    assert tc.read_article(guide) == "Banjir di Jakarta\n\nWarga mengungsi ke masjid. Jalan ditutup."  # no marks
    with pytest.raises(tc.UserError, match="panduan.md"):
        tc.translate_document(guide, guide, translator)
