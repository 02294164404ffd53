"""``translate`` over its FILEs and every model it is given: each FILE read, checked and given its output
folders before any model loads, then each model (``engines.each_model``, the loop ``batch`` shares) translates
every FILE into its folder and/or onto stdout. What is shown goes to a :class:`TranslateShow` (the CLI's
``translate_report.TerminalShow`` prints it); this module translates and writes the outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol

from translate_cli.documents import Document
from translate_cli.engines import each_model, model_runs
from translate_cli.errors import EachFile, Interrupted, UserError
from translate_cli.formats import (
    MAX_VIEW_ROWS,
    InterruptedAfterWriting,
    ensure_folder,
    refuse_replacing_inputs,
    view_is_capped,
    write_outputs,
)
from translate_cli.layout import output_names
from translate_cli.pipeline import (
    article_name,
    check_indonesian,
    read_input,
    source_segments,
    stream_text,
    translate_segments,
)
from translate_cli.records import Segment, SentenceTranslator, TranslationResult
from translate_cli.terminal import progress_bar


@dataclass(frozen=True)
class Article:
    """One FILE of ``translate``, read and checked: its sentences and where its outputs go (``folder``,
    and ``targets``, one per model: None for stdout alone)."""

    file: Path
    stem: str
    document: Document | None
    source: list[Segment]
    to_stdout: bool
    folder: Path | None
    targets: list[Path | None]


class TranslateShow(Protocol):
    """What :func:`translate_files` shows of each translation, as it ends (or, streamed, as it comes)."""

    def stream(self, pieces: Iterable[str]) -> None:
        """A translation for stdout alone, in pieces as its sentences are translated."""

    def finished(self, article: Article, target: Path | None, result: TranslationResult,
                 written: list[Path]) -> None:
        """One article translated by one model, its outputs (``written``) in ``target`` (None: none)."""


def translate_files(files: Sequence[Path], output: Path | None, models: Sequence[str] | None,
                    open_model: Callable[[str | None], SentenceTranslator], show: TranslateShow, *,
                    reference: Path | None = None, suffix: str | None = None, force: bool = False,
                    presegmented: bool = False, quiet: bool = False, stdout_is_terminal: bool = False,
                    notice: Callable[[str], None] | None = None,
                    on_error: Callable[[UserError], None] | None = None) -> int:
    """Translate each of ``files`` (``-``: stdin) with each of ``models`` into ``output`` (None: out/STEM;
    ``-``: stdout), ``suffix`` naming the format of a FILE whose name does not; ``open_model(name)`` gives a
    model's translator. With several FILEs one FILE's UserError goes to ``on_error`` and the others go on
    (``errors.EachFile``); the number of FILEs that failed."""
    if reference is not None and len(files) > 1:
        raise UserError("--reference is one article's: give one FILE with it")
    each = EachFile(files, on_error or (lambda error: None))
    runs = model_runs(models)
    if len(runs) > 1 and (str(output) == "-" or (output is None and "-" in map(str, files))):
        raise UserError("several models cannot share stdout: give an output folder with -o DIR")
    reference_text = read_input(reference, notice)[0] if reference else None
    articles: list[Article] = []
    for file in files:
        with each.reported():
            articles.append(prepare_article(file, output, files, reference, runs, suffix, force, presegmented,
                                            [a.folder for a in articles], stdout_is_terminal, notice))

    def run(number: int, sub: str | None, translator: Callable[[], SentenceTranslator]) -> None:
        opened = translator() if articles else None  # a model that fails to load ends the command
        for article in articles:
            with each.reported():
                translate_article(article, number, opened, reference_text, presegmented, quiet, show, notice)

    each_model(models, open_model, run)
    return each.failed


def prepare_article(file: Path, output: Path | None, files: Sequence[Path], reference: Path | None,
                    runs: list[tuple[str | None, str | None]], suffix: str | None, force: bool,
                    presegmented: bool, taken: list[Path | None], stdout_is_terminal: bool,
                    notice: Callable[[str], None] | None) -> Article:
    """Read, check and segment one FILE and make its output folders (before any model loads); UserError
    for a bad file or outputs that would replace an input or another FILE's."""
    stdin = str(file) == "-"
    to_stdout = str(output) == "-" or (stdin and output is None)
    text, document = read_input(file, notice, suffix)
    if to_stdout and document is not None and document.suffix == ".docx":
        if stdout_is_terminal:
            raise UserError("a .docx document cannot be shown on a terminal: redirect stdout (> out.docx) "
                            "or give an output folder with -o DIR")
        if len(files) > 1:
            raise UserError(f"{file}: a .docx document cannot share stdout with other files: give -o DIR")
    if not force:
        check_indonesian(text, "<stdin>" if stdin else str(file))
    stem = article_name("stdin" if stdin else file.name)
    if output is None:
        folder = None if to_stdout else Path("out") / stem
    else:
        folder = None if str(output) == "-" else output / stem if len(files) > 1 else output
    if folder is not None and folder in taken:
        raise UserError(f"{file}: its outputs would go to {folder}, as another FILE's do: translate it separately")
    targets = [folder / sub if folder and sub else folder for _, sub in runs]
    names = output_names(stem, document.suffix if document else None)
    refuse_replacing_inputs([target / name for target in filter(None, targets) for name in names],
                            [path for path in (*files, reference) if path is not None and str(path) != "-"])
    for target in filter(None, targets):
        ensure_folder(target)
    return Article(file, stem, document, source_segments(text, presegmented, document), to_stdout, folder, targets)


def translate_article(article: Article, number: int, translator: SentenceTranslator | None,
                      reference_text: str | None, presegmented: bool, quiet: bool, show: TranslateShow,
                      notice: Callable[[str], None] | None) -> None:
    """Translate one article with the ``number``-th model, write its outputs and show it."""
    assert translator is not None  # loaded whenever there is an article
    source, document, target = article.source, article.document, article.targets[number]
    if article.to_stdout and target is None and document is None and reference_text is None:
        try:  # nothing else to make: shown as it comes
            show.stream(_streamed(source, translator, presegmented, quiet))
        except KeyboardInterrupt:
            raise Interrupted("interrupted: stdout holds the translation up to the last chunk finished") from None
        return
    try:
        with progress_bar(quiet=quiet) as progress:
            task = progress.add_task("sentences", total=len(source))
            result = translate_segments(article.stem, source, translator, reference_text,
                                        progress=partial(progress.advance, task), lines=presegmented)
        written = write_outputs(result, target, document, notice) if target else []
    except InterruptedAfterWriting:
        raise Interrupted(f"interrupted: the outputs of {number + 1} model(s) are complete, "
                          f"the last in {target}") from None
    except KeyboardInterrupt:  # while translating, or writing before any file was put in place
        kept = f"; the outputs of {number} model(s) before it are complete" if number else ""
        earlier = f" ({target} keeps what it held)" if target else ""
        raise Interrupted(f"interrupted: nothing of this translation was written{earlier}{kept}") from None
    if notice:
        from translate_cli.score import scoring_notes  # here: sacrebleu stays out of a plain translation's start-up

        for note in scoring_notes(result.scores, presegmented):
            notice(note)
        if target and view_is_capped(result):
            notice(f"the Markdown and HTML views show the first {MAX_VIEW_ROWS:,} of {len(result.rows):,} rows; "
                   "every row is in the TSV, JSONL and TMX files")
    show.finished(article, target, result, written)


def _streamed(source: list[Segment], translator: SentenceTranslator, presegmented: bool,
              quiet: bool) -> Iterator[str]:
    """The translation's pieces (``pipeline.stream_text``) under a progress bar that starts with the first."""
    with progress_bar(quiet=quiet) as progress:
        task = progress.add_task("sentences", total=len(source))
        yield from stream_text(source, translator, presegmented, partial(progress.advance, task))
