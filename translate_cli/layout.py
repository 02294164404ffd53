"""The layout of an output folder: which file is called what, and the statuses an article can have.

``translate`` writes one article's files into a folder (:func:`output_names`); ``batch`` mirrors INDIR with
one such folder per article and keeps its own files (:data:`RUN_FILES`) at the top of OUTDIR.
"""

from __future__ import annotations

from pathlib import Path

SRC_LANG, TGT_LANG = "id", "en"
SCORES_NAME = "scores.json"
SUMMARY_NAME = "summary.json"
INDEX_NAME = "index.html"
CACHE_NAME = ".cache.sqlite"
LOCK_NAME = ".lock"
RUN_FILES = (SUMMARY_NAME, INDEX_NAME, CACHE_NAME, LOCK_NAME)  # a batch's own files, at the top of OUTDIR

STATUSES = ("translated", "skipped", "failed", "pending")  # what a batch run did with an article
CURRENT = ("translated", "skipped")  # statuses whose outputs are current


def output_names(name: str, suffix: str | None = None) -> list[str]:
    """The files written for article ``name`` (read from a ``suffix`` document, e.g. ``.md``), in order: the
    translated document, ``.en.txt``, ``.tsv``, ``.jsonl``, ``.tmx``, ``.md``, ``.html`` and ``scores.json``
    (written with a reference, else removed)."""
    stem = Path(name).name
    document = [f"{stem}.{TGT_LANG}{suffix}"] if suffix else []
    return document + [f"{stem}.{TGT_LANG}.txt", f"{stem}.tsv", f"{stem}.jsonl", f"{stem}.tmx", f"{stem}.md",
                       f"{stem}.html", SCORES_NAME]
