"""Translate a folder tree of articles with one loaded model, resumably.

Wiring (CLI ``batch INDIR -o OUTDIR [--model M]... [--references REFDIR] [--glob PATTERN]...
[--quiet] [--beam N] [--batch-size N] [--device D]``)::

    for name in models:                      # one loaded model per run
        translator = load_translator(resolve_model(name), device=device, beam=beam, batch_size=batch_size)
        target = outdir / model_slug(name) if len(models) > 1 else outdir
        summary = run_batch(indir, target, translator, references=refdir, glob=globs or DEFAULT_GLOB, quiet=quiet)
        print_summary(summary)
    exit 0 when every summary.ok, else 1

Layout of OUTDIR:

* ``<relpath without suffix>/`` per article (``a/b.txt`` or ``a/b.id.txt`` -> ``a/b/``), holding
  ``formats.write_outputs`` (``a/b/b.en.txt``, ``b.tsv``, ... as ``translate`` writes them).
* ``summary.json``: every article's status (translated, skipped, failed with reason), per-article
  and corpus scores with references.
* ``.cache.sqlite``: the sentence cache (keyed by ``translator.identity`` and source sentence, so a
  repeated sentence or a re-run is never translated twice) and the manifest of finished articles
  (relpath, sha256 of the text and of its reference, identity). The cache lives in OUTDIR on purpose:
  it is deleted with the outputs and no global state is shared between projects. Delete it to
  force a full re-translation.
* ``.lock``: held (``flock``) while a batch runs; a second batch on the same OUTDIR is refused.

Articles are handled in chunks: the chunk's sentences missing from the cache are translated in one
``translator.translate`` call (many articles fill the model's batches), then each article is built by
``pipeline.build_result`` (alignment to its reference, scores) and written. Every file is written
atomically and an article is recorded as finished only after its outputs exist, so an interrupt loses
at most the chunk in flight.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from translate_cli.document import Scores, Segment, TranslationResult
from translate_cli.errors import UserError
from translate_cli.formats import ensure_folder, atomic_write_text, write_outputs
from translate_cli.pipeline import article_name, build_result, check_indonesian, read_article
from translate_cli.score import score_corpus
from translate_cli.segment import segment

DEFAULT_GLOB = ("*.txt", "*.md")
CACHE_NAME = ".cache.sqlite"
LOCK_NAME = ".lock"
SUMMARY_NAME = "summary.json"


def model_slug(name: str) -> str:
    """A folder name for a model name or path: ``Helsinki-NLP/opus-mt-id-en`` -> ``Helsinki-NLP--opus-mt-id-en``."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip("/").replace("/", "--")).strip("-.")
    return slug or "model"


@dataclass
class ArticleOutcome:
    """What happened to one article: ``translated``, ``skipped`` (finished by an earlier run) or ``failed``."""

    relpath: str
    status: str
    reason: str = ""  # why it failed, or a notice about a finished article (e.g. its encoding)
    sentences: int = 0
    reference: str | None = None
    scores: Scores | None = None


@dataclass
class BatchSummary:
    """The result of one batch run over one model."""

    indir: Path
    outdir: Path
    model: str
    articles: list[ArticleOutcome]
    translated_sentences: int
    cached_sentences: int
    seconds: float
    corpus: Scores | None = None

    @property
    def failed(self) -> list[ArticleOutcome]:
        return [a for a in self.articles if a.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when no article failed (the CLI exits 0, else 1)."""
        return not self.failed

    def to_json(self) -> dict:
        return {
            "indir": str(self.indir),
            "outdir": str(self.outdir),
            "model": self.model,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "translated_sentences": self.translated_sentences,
            "cached_sentences": self.cached_sentences,
            "counts": {s: sum(a.status == s for a in self.articles) for s in ("translated", "skipped", "failed")},
            "corpus": dataclasses.asdict(self.corpus) if self.corpus else None,
            "articles": [dataclasses.asdict(a) for a in self.articles],
        }


@dataclass
class _Article:
    """An article planned for translation."""

    relpath: str
    sha256: str
    source: list[Segment]
    reference: str | None = None
    ref_text: str | None = None
    ref_sha256: str = ""
    note: str = ""


@dataclass
class _Record:
    """What the manifest keeps of a finished article, so a re-run can skip it and still report it."""

    sentences: int
    reference: str | None
    scores: Scores | None
    hyps: list[str]  # the reference-aligned segments, for the corpus scores
    refs: list[str]


class BatchStore:
    """The SQLite file in OUTDIR holding the sentence cache and the manifest of finished articles."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path)
        try:
            self.db.executescript(
                "CREATE TABLE IF NOT EXISTS sentences (identity TEXT, source TEXT, target TEXT,"
                " PRIMARY KEY (identity, source));"
                "CREATE TABLE IF NOT EXISTS articles (relpath TEXT PRIMARY KEY, sha256 TEXT,"
                " identity TEXT, ref_sha256 TEXT, record TEXT);"
            )
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise UserError(f"{path}: unusable cache ({exc}); delete it to start over") from None

    def close(self) -> None:
        self.db.close()

    def lookup(self, identity: str, sources: Sequence[str]) -> dict[str, str]:
        """The cached translations of those ``sources`` that have one."""
        found = {}
        for source in set(sources):
            row = self.db.execute(
                "SELECT target FROM sentences WHERE identity = ? AND source = ?", (identity, source)
            ).fetchone()
            if row:
                found[source] = row[0]
        return found

    def store(self, identity: str, pairs: Sequence[tuple[str, str]]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO sentences VALUES (?, ?, ?)", [(identity, s, t) for s, t in pairs]
            )

    def finished(self, article: _Article, identity: str) -> _Record | None:
        """The manifest record of ``article`` if this text, reference and identity were finished before."""
        row = self.db.execute(
            "SELECT record FROM articles WHERE relpath = ? AND sha256 = ? AND identity = ? AND ref_sha256 = ?",
            (article.relpath, article.sha256, identity, article.ref_sha256),
        ).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        scores = data.pop("scores")
        return _Record(scores=Scores(**scores) if scores else None, **data)

    def finish(self, article: _Article, identity: str, record: _Record) -> None:
        data = dataclasses.asdict(record)
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?)",
                (article.relpath, article.sha256, identity, article.ref_sha256, json.dumps(data, ensure_ascii=False)),
            )


def find_articles(indir: Path, glob: str | Sequence[str], exclude: Path | None = None) -> list[Path]:
    """Files under ``indir`` matching any pattern, sorted; hidden paths and ``exclude`` (OUTDIR) left out."""
    patterns = [glob] if isinstance(glob, str) else list(glob)
    found = set()
    for pattern in patterns:
        for path in indir.rglob(pattern):
            rel = path.relative_to(indir)
            if not path.is_file() or any(part.startswith(".") for part in rel.parts):
                continue
            if exclude is not None and path.resolve().is_relative_to(exclude):
                continue
            found.add(path)
    return sorted(found)


def find_reference(refdir: Path, relpath: Path) -> Path | None:
    """The reference of ``a/b.txt``: ``REFDIR/a/b.txt`` or ``REFDIR/a/b.en.txt``, first found.

    ``b.id.txt`` also matches ``b.txt``/``b.en.txt``, and ``b.md`` also ``b.txt``/``b.en.txt``.
    """
    bases = dict.fromkeys([relpath.stem, relpath.stem.removesuffix(".id")])
    suffixes = dict.fromkeys([relpath.suffix, ".txt"])
    for name in (f"{base}{tag}{suffix}" for base in bases for tag in ("", ".en") for suffix in suffixes):
        candidate = refdir / relpath.parent / name
        if candidate.is_file():
            return candidate
    return None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plan(indir: Path, path: Path, references: Path | None, force: bool = False) -> _Article:
    """Read and segment one article (and read its reference); raises UserError for a bad file."""
    relpath = path.relative_to(indir)
    notes: list[str] = []
    text = read_article(path, notes.append)
    if not force:
        check_indonesian(text, str(path))
    source = segment(text, "id")
    if not source:
        raise UserError(f"{path}: no text to translate")
    article = _Article(relpath.as_posix(), _sha256(text), source, note="; ".join(notes))
    ref_path = find_reference(references, relpath) if references else None
    if ref_path is not None:
        try:
            article.ref_text = read_article(ref_path, notes.append)
        except UserError as exc:
            raise UserError(f"reference {exc}") from None
        article.reference = ref_path.relative_to(references).as_posix()
        article.ref_sha256 = _sha256(article.ref_text)
        article.note = "; ".join(notes)
    return article


def _out_folder(outdir: Path, relpath: str) -> Path:
    """``OUTDIR/a/b/`` for ``a/b.txt`` or ``a/b.id.txt``."""
    return outdir / Path(relpath).parent / article_name(relpath)


def reference_pairs(result: TranslationResult) -> tuple[list[str], list[str]]:
    """The article's hypothesis and reference segments as ``score.regroup`` pairs them: rows with reference ids."""
    rows = [row for row in result.rows if row.ref]
    return [row.tgt_text for row in rows], [row.ref_text for row in rows]


def _chunks(articles: list[_Article], size: int) -> Iterator[list[_Article]]:
    """Consecutive groups of articles holding about ``size`` sentences each (at least one article)."""
    chunk, count = [], 0
    for article in articles:
        chunk.append(article)
        count += len(article.source)
        if count >= size:
            yield chunk
            chunk, count = [], 0
    if chunk:
        yield chunk


@contextmanager
def _lock(outdir: Path) -> Iterator[None]:
    """Hold ``OUTDIR/.lock`` exclusively; refuse when another batch holds it."""
    try:
        handle = open(outdir / LOCK_NAME, "a")
    except OSError as exc:
        raise UserError(f"cannot write to {outdir}: {exc.strerror or exc}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"another batch is already running on {outdir} (it holds {outdir / LOCK_NAME})") from None
        yield


class _RateColumn(ProgressColumn):
    """Items per second."""

    def render(self, task) -> Text:
        return Text(f"{task.speed:.1f}/s" if task.speed else "-/s", style="progress.data.speed")


def _progress(console: Console | None, quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(), _RateColumn(), TimeRemainingColumn(),
        console=console or Console(stderr=True), disable=quiet,
    )


def check_folders(indir: Path, outdir: Path, references: Path | None) -> None:
    """Input and reference folders exist; the output folder differs from the input and can be created."""
    if not indir.is_dir():
        raise UserError(f"input folder not found: {indir}")
    if references is not None and not references.is_dir():
        raise UserError(f"references folder not found: {references}")
    if outdir.resolve() == indir.resolve():
        raise UserError("the output folder must differ from the input folder")
    ensure_folder(outdir)


def run_batch(
    indir: Path,
    outdir: Path,
    translator,
    *,
    references: Path | None = None,
    glob: str | Sequence[str] = DEFAULT_GLOB,
    quiet: bool = False,
    console: Console | None = None,
    chunk_sentences: int = 256,
    force: bool = False,
) -> BatchSummary:
    """Translate every article under ``indir`` into ``outdir`` (see the module docstring).

    Bad articles (and, unless ``force``, articles that are not Indonesian) are recorded as failed and
    never stop the batch; UserError only for problems of the
    whole run (missing folders, nothing to translate, unwritable or locked OUTDIR).
    """
    indir, outdir = Path(indir), Path(outdir)
    references = Path(references) if references is not None else None
    started = time.monotonic()
    check_folders(indir, outdir, references)
    paths = find_articles(indir, glob, exclude=outdir.resolve())
    if not paths:
        patterns = glob if isinstance(glob, str) else ", ".join(glob)
        raise UserError(f"no files matching {patterns} under {indir}")

    with _lock(outdir):
        run = _Run(outdir, translator, BatchStore(outdir / CACHE_NAME))
        try:
            pending = [a for a in (run.plan(indir, path, references, force) for path in paths) if a is not None]
            run.translate(pending, chunk_sentences, _progress(console, quiet))
        finally:
            run.store.close()
        articles = [run.outcomes[p.relative_to(indir).as_posix()] for p in paths]
        summary = BatchSummary(indir, outdir, translator.identity, articles, run.translated, run.from_cache,
                               time.monotonic() - started, _corpus_scores(run.records.values()))
        atomic_write_text(outdir / SUMMARY_NAME, json.dumps(summary.to_json(), indent=2, ensure_ascii=False) + "\n")
    return summary


class _Run:
    """The state of one batch run: outcomes and manifest records by relpath, sentence counts."""

    def __init__(self, outdir: Path, translator, store: BatchStore):
        self.outdir = outdir
        self.translator = translator
        self.identity = translator.identity
        self.store = store
        self.outcomes: dict[str, ArticleOutcome] = {}
        self.records: dict[str, _Record] = {}
        self.folders: dict[Path, str] = {}
        self.translated = 0
        self.from_cache = 0

    def plan(self, indir: Path, path: Path, references: Path | None, force: bool) -> _Article | None:
        """The article to translate, or None when it failed or an earlier run finished it."""
        rel = path.relative_to(indir).as_posix()
        folder = _out_folder(self.outdir, rel)
        if folder in self.folders:
            self.outcomes[rel] = ArticleOutcome(rel, "failed", f"same output folder as {self.folders[folder]}")
            return None
        self.folders[folder] = rel
        try:
            article = _plan(indir, path, references, force)
        except UserError as exc:
            self.outcomes[rel] = ArticleOutcome(rel, "failed", str(exc).removeprefix(f"{path}: "))
            return None
        record = self.store.finished(article, self.identity)
        if record is None or not (folder / f"{folder.name}.en.txt").exists():
            return article
        self.outcomes[rel] = ArticleOutcome(rel, "skipped", "", record.sentences, record.reference, record.scores)
        self.records[rel] = record
        return None

    def translate(self, pending: list[_Article], chunk_sentences: int, progress: Progress) -> None:
        """Translate the pending articles chunk by chunk, writing outputs and the manifest as they finish."""
        unique = list({s.text: None for a in pending for s in a.source})
        self.from_cache = len(self.store.lookup(self.identity, unique))
        with progress:
            article_task = progress.add_task("articles", total=len(pending))
            sentence_task = progress.add_task("sentences", total=len(unique) - self.from_cache)
            for chunk in _chunks(pending, chunk_sentences):
                started = time.monotonic()
                try:
                    translations = self._translate_chunk(chunk, lambda n: progress.advance(sentence_task, n))
                except Exception as exc:  # a model failure fails this chunk's articles, not the batch
                    for article in chunk:
                        self.outcomes[article.relpath] = ArticleOutcome(
                            article.relpath, "failed", f"translation failed: {exc}")
                    progress.advance(article_task, len(chunk))
                    continue
                progress.update(sentence_task, completed=self.translated)
                seconds_per_sentence = (time.monotonic() - started) / sum(len(a.source) for a in chunk)
                for article in chunk:
                    self.outcomes[article.relpath] = self._finish(article, translations, seconds_per_sentence)
                    progress.advance(article_task)

    def _translate_chunk(self, chunk: list[_Article], progress) -> dict[str, str]:
        """Translations of every sentence of ``chunk``: from the cache, the rest in one model call."""
        sentences = list({s.text: None for a in chunk for s in a.source})
        found = self.store.lookup(self.identity, sentences)
        missing = [s for s in sentences if s not in found]
        if missing:
            outputs = self.translator.translate(missing, progress=progress)
            self.store.store(self.identity, list(zip(missing, outputs)))
            found.update(zip(missing, outputs))
            self.translated += len(missing)
        return found

    def _finish(self, article: _Article, translations: dict[str, str], seconds_per_sentence: float) -> ArticleOutcome:
        """Build, write and record one article."""
        rel = article.relpath
        try:
            result = build_result(article_name(rel), article.source, [translations[s.text] for s in article.source],
                                  self.identity, seconds_per_sentence * len(article.source), article.ref_text)
            write_outputs(result, _out_folder(self.outdir, rel))
        except Exception as exc:  # one bad article never stops the batch
            reason = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
            return ArticleOutcome(rel, "failed", reason)
        hyps, refs = reference_pairs(result)
        record = _Record(len(result.source), article.reference, result.scores, hyps, refs)
        self.store.finish(article, self.identity, record)
        self.records[rel] = record
        return ArticleOutcome(rel, "translated", article.note, record.sentences, record.reference, record.scores)


def _corpus_scores(records) -> Scores | None:
    """Score all articles' reference-aligned segments together, once."""
    hyps = [h for r in records for h in r.hyps]
    refs = [x for r in records for x in r.refs]
    return score_corpus(hyps, refs) if refs else None


def print_summary(summary: BatchSummary, console: Console | None = None) -> None:
    """The per-article table, the failures with reasons and the corpus scores."""
    console = console or Console(highlight=False)
    scored = any(a.scores for a in summary.articles)
    table = Table(title=escape(f"{summary.model} -> {summary.outdir}"))
    for column in ["article", "status", "sentences"] + (["BLEU", "chrF", "chrF++", "TER"] if scored else []):
        table.add_column(column, justify="left" if column in ("article", "status") else "right",
                         overflow="fold" if column == "article" else "ellipsis")
    for a in summary.articles:
        status = {"failed": "[red]failed[/]", "skipped": "[dim]skipped[/]"}.get(a.status, "[green]ok[/]")
        cells = [escape(a.relpath), status, str(a.sentences)]
        if scored:
            s = a.scores
            cells += [f"{s.bleu:.1f}", f"{s.chrf:.1f}", f"{s.chrfpp:.1f}", f"{s.ter:.1f}"] if s else ["-"] * 4
        table.add_row(*cells)
    if summary.corpus:
        c = summary.corpus
        table.add_section()
        table.add_row("corpus", "", "", *(f"{x:.1f}" for x in (c.bleu, c.chrf, c.chrfpp, c.ter)), style="bold")
    console.print(table)
    for a in summary.articles:
        if a.reason:
            label = "[red]failed[/]" if a.status == "failed" else "[yellow]notice[/]"
            console.print(f"{label} {escape(a.relpath)}: {escape(a.reason.removeprefix(str(summary.indir / a.relpath) + ': '))}")
    counts = summary.to_json()["counts"]
    console.print(
        f"{counts['translated']} translated, {counts['skipped']} skipped, {counts['failed']} failed; "
        f"{summary.translated_sentences} sentences translated, {summary.cached_sentences} from cache "
        f"in {summary.seconds:.1f}s"
    )
