"""HTML pages rendered from the Jinja2 templates in ``translate_cli/templates/``.

The code that owns the data (``formats.render_bitext_html``, ``compare.render_comparison_html``,
``render_index`` below for ``batch``) gathers plain values; layout, CSS and the SVG charts live in the
templates, so a page's look changes without touching the logic. Every page is self-contained (inline CSS
and SVG, no external assets) and autoescaped; characters that HTML forbids in text (C0/C1 controls, lone
surrogates) are dropped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from translate_cli.layout import CURRENT, INDEX_NAME, TGT_LANG

# Controls other than tab, newline, form feed and carriage return, C1 controls, surrogates, U+FFFE/F.
_HTML_INVALID = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
LOWER_IS_BETTER = frozenset({"TER"})
METRIC_DIRECTIONS = {"BLEU": "higher is better", "chrF": "higher is better", "chrF++": "higher is better",
                     "TER": "lower is better (edits per reference word)"}


@cache
def _environment():
    import jinja2  # imported on first use, so ``translate-cli --help`` stays fast

    return jinja2.Environment(
        loader=jinja2.PackageLoader("translate_cli", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_drop_invalid,
    )


def _drop_invalid(value):
    """Applied to every ``{{ value }}`` before escaping: remove characters HTML does not allow in text.

    Only plain strings: markup made by the templates themselves (a ``Markup`` subclass) passes untouched.
    """
    return _HTML_INVALID.sub("", value) if type(value) is str else value


def render_page(template: str, **context) -> str:
    """Render ``templates/<template>`` with ``context`` (autoescaped)."""
    return _environment().get_template(template).render(**context)


def page_chunks(template: str, **context) -> Iterator[str]:
    """:func:`render_page` as a stream of chunks, for pages written row by row."""
    return _environment().get_template(template).generate(**context)


def page_link(target: Path, base: Path) -> str:
    """A relative, percent-encoded URL from folder ``base`` to file ``target``
    (``a b/c#1.html`` -> ``a%20b/c%231.html``).

    Percent-encoding also keeps a folder named like ``javascript:x`` from becoming a URL scheme.
    """
    return quote(Path(os.path.relpath(Path(target).resolve(), Path(base).resolve())).as_posix())


def reports_beside(outdir: Path) -> list[Path]:
    """The reports of a batch run: the pages other than its index written in its OUTDIR (``compare --html``)."""
    return [path for path in sorted(Path(outdir).glob("*.html")) if path.name != INDEX_NAME]


def report_links(reports: list[Path], base: Path) -> list[tuple[str, str]]:
    """Each report's name and URL relative to folder ``base``, as ``_reports.html.j2`` shows them."""
    return [(path.name, page_link(path, base)) for path in reports]


def article_files(page: Path) -> list[tuple[str, Path]]:
    """The files a run wrote beside an article's page ``a/b.html`` that reports link, where they exist: the
    translated document (labelled by its format: ``md``, ``docx``, ...), text, TSV and TMX."""
    from translate_cli.documents import FORMATS

    stem = page.name.removesuffix(".html")
    named = [(suffix.lstrip("."), f"{stem}.{TGT_LANG}{suffix}") for suffix in FORMATS]
    named += [("text", f"{stem}.{TGT_LANG}.txt"), ("TSV", f"{stem}.tsv"), ("TMX", f"{stem}.tmx")]
    return [(label, page.with_name(name)) for label, name in named if page.with_name(name).is_file()]


def render_index(summary, out_folder: Callable[[Path, str], Path], up: Path | None = None) -> str:
    """The batch run's ``index.html``: every article with status, sentences, scores, findings, repairs and links to
    its page, translated document, text, TSV and TMX; and the reports (``compare --html``) written beside it.

    ``summary`` is a ``batch.BatchSummary``; ``out_folder(outdir, relpath)`` gives an article's output folder,
    whose page is ``<folder>/<folder name>.html`` (as ``formats.write_outputs`` names it); ``up``: the index of
    the batch over several models that holds this run (:func:`render_models_index`), linked at the top.
    """
    from translate_cli.checks import describe_counts
    from translate_cli.score import METRIC_LABELS

    articles = []
    for article in summary.articles:
        folder = out_folder(summary.outdir, article.relpath)
        page = folder / f"{folder.name}.html"
        current = article.status in CURRENT and page.is_file()  # a failed article's old page is stale
        articles.append({"outcome": article, "link": page_link(page, summary.outdir) if current else None,
                         "files": [(text, page_link(path, summary.outdir)) for text, path in article_files(page)
                                   if current]})
    reports = report_links(reports_beside(summary.outdir), summary.outdir)
    return render_page("index.html.j2", summary=summary, articles=articles, counts=summary.counts(), reports=reports,
                       labels=METRIC_LABELS, scored=any(a.scores for a in summary.articles),
                       directions=METRIC_DIRECTIONS, flagged=summary.flagged(), repaired=summary.repaired(),
                       describe=describe_counts, up=page_link(up, summary.outdir) if up else None)


def render_models_index(outdir: Path, runs: list[tuple[Path, Any]]) -> str:
    """The ``index.html`` of a batch over several models: each run (its folder in ``outdir`` and its
    ``batch.BatchSummary``) with its index, article counts, failures and corpus scores; and the reports
    (``compare --html``) written beside it."""
    rows = [{"summary": summary, "folder": folder.name, "link": page_link(folder / INDEX_NAME, outdir)}
            for folder, summary in runs]
    return render_page("models.html.j2", outdir=outdir, runs=rows, directions=METRIC_DIRECTIONS,
                       scored=any(summary.corpus for _, summary in runs),
                       reports=report_links(reports_beside(outdir), outdir))

