"""Translate a folder tree of articles with one loaded model, resumably.

Wiring (CLI ``batch INDIR -o OUTDIR [--model M]... [--reference REFDIR] [--glob PATTERN]...
[--quiet] [--beam N] [--batch-size N] [--device D]``)::

    for name in models:                      # one loaded model per run
        target = outdir / model_slug(name) if len(models) > 1 else outdir
        with BatchJob(indir, target, references=refdir, glob=globs or DEFAULT_GLOB) as job:  # checked, locked
            translator = load_translator(resolve_model(name), device=device, beam=beam, batch_size=batch_size)
            summary = job.run(translator, quiet=quiet)
        print_summary(summary)
    exit 0 when every summary.ok, else 1 (and one line on stderr saying how many failed)

Layout of OUTDIR:

* ``<relpath without suffix>/`` per article (``a/b.txt`` or ``a/b.id.txt`` -> ``a/b/``), holding
  ``formats.write_outputs`` (``a/b/b.en.txt``, ``b.tsv``, ... as ``translate`` writes them, and the
  translated document ``b.en.html``, ``.en.docx``, ``.en.srt`` or ``.en.md`` for such an article).
* ``summary.json``: every article's status (translated, skipped, failed with reason, or pending after an
  interrupt), per-article and corpus scores with references, and the totals of the whole job over all its
  runs. Only articles listed as translated or skipped have current outputs: a folder left by an earlier run
  of an article that failed this time is stale, and ``compare`` leaves it out.
* ``index.html``: the same as a page, linking every current article's page (``pages.render_index``).
* ``.cache.sqlite``: the sentence cache (keyed by ``translator.identity`` and source sentence, so a
  repeated sentence or a re-run is never translated twice; with which translations are repairs), the manifest
  of finished articles (relpath, sha256 of the text and of its reference, identity) and the job's totals, under a schema
  version. The cache lives in OUTDIR on purpose: it is deleted with the outputs and no global state is
  shared between projects. Delete it to force a full re-translation; a damaged one is set aside and
  rebuilt, never trusted.
* ``.lock``: held (``flock``) while a batch runs; a second batch on the same OUTDIR is refused.

Folders, patterns, the lock and that no output would replace an article or reference
(``formats.refuse_replacing_inputs``) are checked by :class:`BatchJob` before any model loads. Articles are
then handled in chunks: the chunk's sentences missing from the cache are translated in one
``translator.translate`` call (many articles fill the model's batches) and stored in the cache as each
model batch finishes, then each article is built by ``pipeline.build_result`` (alignment to its reference,
scores) and written. Every file is written atomically (temporary files of a killed run are removed by the
next one) and an article is recorded as finished only after its outputs exist, so an interrupt loses
nothing but the model batch in flight.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import itertools
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from translate_cli.checks import CODES, count_findings, describe_counts
from translate_cli.document import Scores, Segment, SentenceTranslator
from translate_cli.documents import Document, is_document
from translate_cli.errors import Interrupted, UserError
from translate_cli.formats import (
    atomic_write_text,
    ensure_folder,
    refuse_replacing_inputs,
    remove_stale_temporaries,
    write_outputs,
)
from translate_cli.layout import (
    CACHE_NAME,
    CURRENT,
    INDEX_NAME,
    LOCK_NAME,
    RUN_FILES,
    STATUSES,
    SUMMARY_NAME,
    output_names,
)
from translate_cli.pages import render_index
from translate_cli.pipeline import article_name, build_result, check_indonesian, read_input, source_segments
from translate_cli.score import format_score, score_corpus, scoring_notes
from translate_cli.terminal import console as make_console
from translate_cli.terminal import progress_bar, shown

DEFAULT_GLOB = ("*.txt", "*.md", "*.html", "*.htm", "*.docx", "*.srt")


@dataclass
class ArticleOutcome:
    """What happened to one article: ``translated``, ``skipped`` (finished by an earlier run), ``failed``,
    or ``pending`` (not reached before an interrupt)."""

    relpath: str
    status: str
    reason: str = ""  # why it failed, or a notice about a finished article (e.g. its encoding)
    sentences: int = 0
    reference: str | None = None
    scores: Scores | None = None
    flagged: dict[str, int] = field(default_factory=dict)  # sentences each translation check flagged
    repaired: int = 0  # rows whose translation is a repair (translate.Translator)


@dataclass
class JobTotals:
    """Totals of one batch job over all its runs on the same OUTDIR (kept in the cache)."""

    runs: int = 0
    translated_sentences: int = 0
    seconds: float = 0.0


@dataclass
class BatchSummary:
    """The result of one batch run over one model; ``job`` adds up every run on the same OUTDIR.

    ``indir``/``outdir`` are the local folders the run worked in; ``shown_as`` the INDIR and OUTDIR the
    user gave (URLs for object storage), which reports show.
    """

    indir: Path
    outdir: Path
    model: str  # the translator's label
    articles: list[ArticleOutcome]
    translated_sentences: int
    cached_sentences: int
    seconds: float
    corpus: Scores | None = None
    job: JobTotals = field(default_factory=JobTotals)
    interrupted: bool = False
    shown_as: tuple[str, str] = ("", "")

    def __post_init__(self) -> None:
        self.shown_as = (self.shown_as[0] or str(self.indir), self.shown_as[1] or str(self.outdir))

    @property
    def failed(self) -> list[ArticleOutcome]:
        return [a for a in self.articles if a.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when every article is finished (the CLI exits 0, else 1)."""
        return not self.failed and not self.interrupted

    def counts(self) -> dict[str, int]:
        return {s: sum(a.status == s for a in self.articles) for s in STATUSES}

    def flagged(self) -> dict[str, int]:
        """Sentences each translation check flagged, over the current articles."""
        return {code: sum(a.flagged.get(code, 0) for a in self.articles if a.status in CURRENT) for code in CODES}

    def repaired(self) -> int:
        """Rows whose translation is a repair, over the current articles."""
        return sum(a.repaired for a in self.articles if a.status in CURRENT)

    def to_json(self) -> dict:
        return {
            "indir": self.shown_as[0],
            "outdir": self.shown_as[1],
            "model": self.model,
            "ok": self.ok,
            "interrupted": self.interrupted,
            "counts": self.counts(),
            "last_run": {"seconds": round(self.seconds, 3), "translated_sentences": self.translated_sentences,
                         "cached_sentences": self.cached_sentences},
            "job": {"runs": self.job.runs, "seconds": round(self.job.seconds, 3),
                    "translated_sentences": self.job.translated_sentences},
            "corpus": dataclasses.asdict(self.corpus) if self.corpus else None,
            "flagged": self.flagged(),
            "repaired": self.repaired(),
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
    document: Document | None = None  # what a .html/.docx/.srt/.md article was read into, to write it back


@dataclass
class _Record:
    """What the manifest keeps of a finished article, so a re-run can skip it and still report it."""

    sentences: int
    reference: str | None
    scores: Scores | None
    hyps: list[str]  # the reference-aligned segments, for the corpus scores
    refs: list[str]
    flagged: dict[str, int] = field(default_factory=dict)  # absent from records of older versions
    repaired: int = 0  # the same


class BatchStore:
    """The SQLite file in OUTDIR holding the sentence cache, the manifest of finished articles and the job's
    totals. A file from an older version is migrated; a damaged or foreign one is set aside and rebuilt."""

    SCHEMA_VERSION = 2  # 1: the unversioned layout of translate-cli 0.1 (user_version 0), without totals
    _TABLES = {  # name: (columns, definition)
        "sentences": (("identity", "source", "target"), "identity TEXT NOT NULL, source TEXT NOT NULL, "
                      "target TEXT NOT NULL, PRIMARY KEY (identity, source)"),
        "articles": (("relpath", "sha256", "identity", "ref_sha256", "record"),
                     "relpath TEXT PRIMARY KEY, sha256 TEXT, identity TEXT, ref_sha256 TEXT, record TEXT"),
        "totals": (("key", "value"), "key TEXT PRIMARY KEY, value REAL"),
        # the cached sentences whose translation is a repair; a file without this table gains it, and an older
        # version never looks at it (nor at the repaired translations: their identity is not its own)
        "repairs": (("identity", "source"), "identity TEXT NOT NULL, source TEXT NOT NULL, "
                    "PRIMARY KEY (identity, source)"),
    }

    BUSY_SECONDS = 5.0  # how long to wait for another process's lock on the file (sqlite3's default)

    def __init__(self, path: Path, notice: Callable[[str], None] | None = None):
        if path.is_dir():
            raise UserError(f"{path}: is a folder, not the batch cache; remove it to start over")
        self.path = path
        try:
            self.db = self._open(path)
        except _Damaged as damage:
            aside = path.with_name(path.name + ".damaged")
            for number in itertools.count(2):  # never over an earlier damaged copy
                if not aside.exists():
                    break
                aside = path.with_name(f"{path.name}.damaged.{number}")
            path.replace(aside)
            if notice:
                notice(f"{path} was unusable ({damage}); set aside as {aside.name} and rebuilt: "
                       "finished articles will be translated again")
            self.db = self._open(path)

    def _open(self, path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=self.BUSY_SECONDS)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > self.SCHEMA_VERSION:
                raise UserError(f"{path}: made by a newer translate-cli (schema {version}); delete it to start over")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise _Damaged(check)
            for name, (columns, _) in self._TABLES.items():
                found = tuple(row[1] for row in db.execute(f"PRAGMA table_info({name})"))
                if found and found != columns:
                    raise _Damaged(f"its table {name} has the columns {', '.join(found)}")
            with db:
                for name, (_, definition) in self._TABLES.items():
                    db.execute(f"CREATE TABLE IF NOT EXISTS {name} ({definition})")
                db.execute(f"PRAGMA user_version = {self.SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            db.close()
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise UserError(f"{path}: in use by another process ({exc}); run again when it has finished") from None
            raise _Damaged(str(exc)) from None
        except (UserError, _Damaged):
            db.close()
            raise
        return db

    def close(self) -> None:
        self.db.close()

    def lookup(self, identity: str, sources: Sequence[str]) -> dict[str, str]:
        """The cached translations of those ``sources`` that have one (never a NULL or non-text value)."""
        found = {}
        for source in set(sources):
            row = self.db.execute(
                "SELECT target FROM sentences WHERE identity = ? AND source = ? AND typeof(target) = 'text'",
                (identity, source),
            ).fetchone()
            if row:
                found[source] = row[0]
        return found

    def repairs(self, identity: str, sources: Sequence[str]) -> set[str]:
        """Those of the cached ``sources`` whose translation is a repair."""
        return {source for source in set(sources) if self.db.execute(
            "SELECT 1 FROM repairs WHERE identity = ? AND source = ?", (identity, source)).fetchone()}

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction; a write SQLite refuses (the disk is full) is a UserError naming the file."""
        try:
            with self.db:
                yield
        except sqlite3.Error as exc:
            raise UserError(f"cannot write {self.path}: {exc}") from None

    def store(self, identity: str, pairs: Sequence[tuple[str, str]], seconds: float = 0.0,
              repaired: Collection[str] = ()) -> None:
        """Keep newly translated sentences, marking those of ``repaired`` as repairs; they and the ``seconds``
        spent since the last call are added to the job's totals in the same transaction, so a killed run's work
        is counted as surely as it is kept."""
        with self._writing():
            self.db.executemany(
                "INSERT OR REPLACE INTO sentences VALUES (?, ?, ?)", [(identity, s, t) for s, t in pairs]
            )
            self.db.executemany("DELETE FROM repairs WHERE identity = ? AND source = ?",
                                [(identity, s) for s, _ in pairs if s not in repaired])
            self.db.executemany("INSERT OR REPLACE INTO repairs VALUES (?, ?)",
                                [(identity, s) for s, _ in pairs if s in repaired])
            self._add_totals(translated_sentences=len(pairs), seconds=seconds)

    def finished(self, article: _Article, identity: str) -> _Record | None:
        """The manifest record of ``article`` if this text, reference and identity were finished before
        (a record that does not read back is ignored: the article is translated again)."""
        row = self.db.execute(
            "SELECT record FROM articles WHERE relpath = ? AND sha256 = ? AND identity = ? AND ref_sha256 = ?",
            (article.relpath, article.sha256, identity, article.ref_sha256),
        ).fetchone()
        if row is None:
            return None
        try:
            data = json.loads(row[0])
            scores = data.pop("scores")
            return _Record(scores=Scores(**scores) if scores else None, **data)
        except (TypeError, ValueError, KeyError, AttributeError):
            return None

    def finish(self, article: _Article, identity: str, record: _Record) -> None:
        data = dataclasses.asdict(record)
        with self._writing():
            self.db.execute(
                "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?)",
                (article.relpath, article.sha256, identity, article.ref_sha256, json.dumps(data, ensure_ascii=False)),
            )

    def forget(self, relpath: str) -> None:
        """The article's outputs are no longer current (it failed this time)."""
        with self._writing():
            self.db.execute("DELETE FROM articles WHERE relpath = ?", (relpath,))

    def totals(self, seconds: float = 0.0) -> JobTotals:
        """The job's totals, with ``seconds`` not yet stored added (see :meth:`add_totals`)."""
        totals = dict(self.db.execute("SELECT key, value FROM totals"))
        return JobTotals(int(totals.get("runs", 0)), int(totals.get("translated_sentences", 0)),
                         float(totals.get("seconds", 0.0)) + seconds)

    def add_totals(self, **values: float) -> None:
        """Add to the job's totals (``runs``, ``seconds``; :meth:`store` adds the sentences)."""
        with self._writing():
            self._add_totals(**values)

    def _add_totals(self, **values: float) -> None:
        for key, value in values.items():
            self.db.execute("INSERT INTO totals VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = value + ?",
                            (key, value, value))


class _Damaged(Exception):
    """The cache file cannot be trusted."""


def find_articles(indir: Path, glob: str | Sequence[str], exclude: Path | None = None) -> list[Path]:
    """Files under ``indir`` matching any pattern (relative to ``indir``, or absolute inside it; its file
    name in any case: ``*.txt`` finds ``notes.TXT``), sorted; hidden paths and ``exclude`` (OUTDIR) left out."""
    patterns = [glob] if isinstance(glob, str) else list(glob)
    found = set()
    for pattern in patterns:
        try:
            matches = list(indir.rglob(_any_case(_relative_pattern(indir, pattern))))
        except ValueError as exc:  # pathlib's own rule: '**' only as a whole path component
            raise UserError(f"--glob {pattern}: {exc}") from None
        for path in matches:
            rel = path.relative_to(indir)
            if not path.is_file() or any(part.startswith(".") for part in rel.parts):
                continue
            if exclude is not None and path.resolve().is_relative_to(exclude):
                continue
            found.add(path)
    return sorted(found)


def _any_case(pattern: str) -> str:
    """``pattern`` with each letter of its last part matching either case (``*.[tT][xX][tT]``), as Python
    3.11's glob has no case_sensitive flag; a ``[...]`` set is left as written."""
    folder, slash, name = pattern.rpartition("/")
    parts = re.split(r"(\[[^]]*\])", name)  # sets at odd indices
    return folder + slash + "".join(part if k % 2 else re.sub(r"[^\W\d_]", _either_case, part)
                                    for k, part in enumerate(parts))


def _either_case(letter: re.Match) -> str:
    lower, upper = letter[0].lower(), letter[0].upper()
    return letter[0] if lower == upper or len(lower) > 1 or len(upper) > 1 else f"[{lower}{upper}]"


def _relative_pattern(indir: Path, pattern: str) -> str:
    """``pattern`` relative to ``indir``; an absolute one must point inside it."""
    if not pattern.strip():
        raise UserError("an empty --glob pattern: give one such as '*.txt'")
    outside = f"--glob {pattern}: points outside {indir}; patterns are relative to INDIR (e.g. '*.txt')"
    if ".." in Path(pattern).parts:
        raise UserError(outside)
    if not Path(pattern).is_absolute():
        return pattern
    for root in (indir.absolute(), indir.resolve()):
        if Path(pattern).is_relative_to(root) and Path(pattern) != root:
            return Path(pattern).relative_to(root).as_posix()
    raise UserError(outside)


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
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _plan(indir: Path, path: Path, references: Path | None, force: bool = False,
          presegmented: bool = False) -> _Article:
    """Read and segment one article (and read its reference); raises UserError for a bad file."""
    relpath = path.relative_to(indir)
    _check_inside(path, indir, "input")
    notes: list[str] = []
    text, document = read_input(path, notes.append)
    if not force:
        check_indonesian(text, str(path))
    source = source_segments(text, presegmented, document)
    if not source and document is None:
        raise UserError(f"{path}: no text to translate")
    # the manifest key: the content, and how it was cut (a presegmented run lays out its outputs otherwise)
    sha256 = (hashlib.sha256(document.data).hexdigest() if document
              else _sha256(text + ("\0lines" if presegmented else "")))
    article = _Article(relpath.as_posix(), sha256, source, note="; ".join(notes), document=document)
    ref_path = find_reference(references, relpath) if references else None
    if references and ref_path is not None:
        _check_inside(ref_path, references, "references")
        try:
            article.ref_text = read_input(ref_path, notes.append)[0]
        except UserError as exc:
            raise UserError(f"reference {exc}") from None
        article.reference = ref_path.relative_to(references).as_posix()
        article.ref_sha256 = _sha256(article.ref_text)
        article.note = "; ".join(notes)
    return article


def _check_inside(path: Path, folder: Path, role: str) -> None:
    """Files are read only from inside their folder: a link that leads out of it (to /etc/passwd, say) is
    refused, as a --glob outside INDIR is; links inside it are followed (linked folders are never walked)."""
    if not path.resolve().is_relative_to(folder.resolve()):
        raise UserError(f"{path}: a link to {path.resolve()}, outside the {role} folder; not read")


def _out_folder(outdir: Path, relpath: str) -> Path:
    """``OUTDIR/a/b/`` for ``a/b.txt`` or ``a/b.id.txt``."""
    return outdir / Path(relpath).parent / article_name(relpath)


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


def check_folders(indir: Path, outdir: Path, references: Path | None) -> None:
    """Input and reference folders exist; the output folder differs from the input (nothing is created)."""
    if not indir.is_dir():
        raise UserError(f"input folder not found: {indir}")
    if references is not None and not references.is_dir():
        raise UserError(f"references folder not found: {references}")
    if outdir.resolve() == indir.resolve():
        raise UserError("the output folder must differ from the input folder")


class BatchJob:
    """One batch over one OUTDIR, checked before any model loads.

    Creating it checks the folders and finds the articles (UserError when none match, before OUTDIR is
    created); entering it creates OUTDIR, takes its lock (refusing a second batch), removes temporary
    files a killed run left and opens the cache. :meth:`run` then translates with a loaded translator.
    ``publish`` receives the files written (each article's outputs as it finishes, then the summary, the
    index and, on leaving, the cache): ``storage.OutputFolder.publish`` uploads them to object storage.
    ``shown_as`` names INDIR and OUTDIR in reports when they are not the local folders themselves.
    ``output_root``: the OUTDIR given when ``outdir`` is one model's folder in it; nothing under it is an
    article (the other models' outputs), and it may not be INDIR.
    """

    def __init__(self, indir: Path, outdir: Path, *, references: Path | None = None,
                 glob: str | Sequence[str] = DEFAULT_GLOB, notice: Callable[[str], None] | None = None,
                 publish: Callable[[list[Path]], None] | None = None, shown_as: tuple[str, str] = ("", ""),
                 output_root: Path | None = None):
        self.indir, self.outdir = Path(indir), Path(outdir)
        self.references = Path(references) if references is not None else None
        self.notice = notice
        self.publish = publish or (lambda paths: None)
        self.shown_as = shown_as
        root = Path(output_root) if output_root is not None else self.outdir
        check_folders(self.indir, root, self.references)
        self.paths = find_articles(self.indir, glob, exclude=root.resolve())
        if not self.paths:
            patterns = glob if isinstance(glob, str) else ", ".join(glob)
            raise UserError(f"no files matching {patterns} under {self.indir}")
        refuse_replacing_inputs(self._outputs(), self._inputs())
        self._lock: TextIO | None = None
        self.store: BatchStore | None = None

    def _inputs(self) -> list[Path]:
        """The articles and the references found for them."""
        if self.references is None:
            return list(self.paths)
        found = (find_reference(self.references, path.relative_to(self.indir)) for path in self.paths)
        return self.paths + [ref for ref in found if ref is not None]

    def _outputs(self) -> Iterator[str]:
        """Every file the run may write: OUTDIR's own and each article's ``write_outputs``."""
        yield from (os.path.join(self.outdir, name) for name in RUN_FILES)
        for path in self.paths:
            rel = path.relative_to(self.indir).as_posix()
            folder = str(_out_folder(self.outdir, rel))
            suffix = path.suffix.lower() if is_document(path) else None
            yield from (os.path.join(folder, name) for name in output_names(article_name(rel), suffix))

    def __enter__(self) -> BatchJob:
        ensure_folder(self.outdir)
        try:
            self._lock = open(self.outdir / LOCK_NAME, "a")
        except OSError as exc:
            raise UserError(f"cannot write to {self.outdir}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            remove_stale_temporaries(self.outdir)
            self.store = BatchStore(self.outdir / CACHE_NAME, self.notice)
        except BaseException as exc:
            self._lock.close()
            if isinstance(exc, BlockingIOError):
                raise UserError(f"another batch is already running on {self.outdir} "
                                f"(it holds {self.outdir / LOCK_NAME})") from None
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        if self.store is not None:
            self.store.close()
            self.publish([self.outdir / CACHE_NAME])
        if self._lock is not None:
            self._lock.close()

    def run(self, translator: SentenceTranslator, *, force: bool = False, presegmented: bool = False,
            quiet: bool = False, console: Console | None = None, chunk_sentences: int = 256) -> BatchSummary:
        """Translate every article (see the module docstring) and write ``summary.json``.

        ``presegmented``: every file holds one segment per line, translated line for line (test sets).
        Bad articles (and, unless ``force``, articles that are not Indonesian) are recorded as failed and
        never stop the batch. On Ctrl-C the finished articles and translated sentences are kept, the
        summary says what is pending, and :class:`Interrupted` is raised with a one-line account.
        """
        assert self.store is not None, "run() is called inside the with block"
        started = time.monotonic()
        self.store.add_totals(runs=1)  # counted at the start, so that a killed run counts too
        run = _Run(self.outdir, translator, self.store, presegmented, self.publish)
        pending = [a for a in (run.plan(self.indir, p, self.references, force) for p in self.paths) if a is not None]
        interrupted = False
        try:
            run.translate(pending, chunk_sentences, progress_bar(console, quiet))
        except KeyboardInterrupt:
            interrupted = True
        for path in self.paths:
            run.outcomes.setdefault(path.relative_to(self.indir).as_posix(), ArticleOutcome(
                path.relative_to(self.indir).as_posix(), "pending", "interrupted before it was translated"))
        now = time.monotonic()
        seconds = now - started
        articles = [run.outcomes[p.relative_to(self.indir).as_posix()] for p in self.paths]
        summary = BatchSummary(self.indir, self.outdir, translator.label, articles, run.translated,
                               run.from_cache, seconds, _corpus_scores(run.records.values()),
                               self.store.totals(seconds=now - run.accounted), interrupted, self.shown_as)
        atomic_write_text(self.outdir / SUMMARY_NAME,
                          json.dumps(summary.to_json(), indent=2, ensure_ascii=False) + "\n")
        atomic_write_text(self.outdir / INDEX_NAME, render_index(summary, _out_folder))
        self.publish([self.outdir / SUMMARY_NAME, self.outdir / INDEX_NAME])
        self.store.add_totals(seconds=now - run.accounted)  # after the summary: a full disk here still leaves it
        if interrupted:
            counts = summary.counts()
            raise Interrupted(
                f"interrupted: {counts['translated'] + counts['skipped']} of {len(articles)} articles finished and "
                f"{run.translated} newly translated sentences kept in {self.outdir / CACHE_NAME}; "
                "run the same command again to resume")
        return summary


def run_batch(indir: Path, outdir: Path, translator: SentenceTranslator, *, references: Path | None = None,
              glob: str | Sequence[str] = DEFAULT_GLOB, quiet: bool = False, console: Console | None = None,
              chunk_sentences: int = 256, force: bool = False, presegmented: bool = False) -> BatchSummary:
    """Translate every article under ``indir`` into ``outdir`` with a loaded translator (see :class:`BatchJob`)."""
    with BatchJob(indir, outdir, references=references, glob=glob) as job:
        return job.run(translator, force=force, presegmented=presegmented, quiet=quiet, console=console,
                       chunk_sentences=chunk_sentences)


class _Run:
    """The state of one batch run: outcomes and manifest records by relpath, sentence counts."""

    def __init__(self, outdir: Path, translator, store: BatchStore, presegmented: bool = False,
                 publish: Callable[[list[Path]], None] = lambda paths: None):
        self.outdir = outdir
        self.presegmented = presegmented
        self.publish = publish
        self.translator = translator
        self.identity = translator.identity
        self.store = store
        self.outcomes: dict[str, ArticleOutcome] = {}
        self.records: dict[str, _Record] = {}
        self.folders: dict[Path, str] = {}
        self.translated = 0
        self.from_cache = 0
        self.cached: dict[str, str] = {}  # the cache's translations of this run's sentences, looked up once
        self.repaired: set[str] = set()  # those of them that are repairs
        self.accounted = time.monotonic()  # up to when this run's time is in the job's totals

    def fail(self, relpath: str, reason: str) -> None:
        """Record a failed article; outputs an earlier run left for it are no longer current."""
        self.outcomes[relpath] = ArticleOutcome(relpath, "failed", reason)
        self.store.forget(relpath)

    def plan(self, indir: Path, path: Path, references: Path | None, force: bool) -> _Article | None:
        """The article to translate, or None when it failed or an earlier run finished it."""
        rel = path.relative_to(indir).as_posix()
        folder = _out_folder(self.outdir, rel)
        if folder in self.folders:
            self.fail(rel, f"same output folder as {self.folders[folder]}")
            return None
        self.folders[folder] = rel
        top = folder.relative_to(self.outdir).parts[0]
        if top in RUN_FILES:
            self.fail(rel, f"its outputs would go to {top}/, a name the batch writes for itself; rename it")
            return None
        try:
            article = _plan(indir, path, references, force, self.presegmented)
        except UserError as exc:
            self.fail(rel, str(exc).removeprefix(f"{path}: "))
            return None
        record = self.store.finished(article, self.identity)
        suffixes = [".txt"] + ([article.document.suffix] if article.document else [])
        if record is None or not all((folder / f"{folder.name}.en{suffix}").exists() for suffix in suffixes):
            return article
        self.outcomes[rel] = ArticleOutcome(rel, "skipped", "", record.sentences, record.reference, record.scores,
                                            record.flagged, record.repaired)
        self.records[rel] = record
        return None

    def translate(self, pending: list[_Article], chunk_sentences: int, progress: Progress) -> None:
        """Translate the pending articles chunk by chunk, writing outputs and the manifest as they finish."""
        if not pending:
            return
        unique = list({s.text: None for a in pending for s in a.source})
        self.cached = self.store.lookup(self.identity, unique)
        self.repaired = self.store.repairs(self.identity, list(self.cached))
        self.from_cache = len(self.cached)
        with progress:
            article_task = progress.add_task("articles", total=len(pending))
            sentence_task = progress.add_task("sentences", total=len(unique) - self.from_cache)
            for chunk in _chunks(pending, chunk_sentences):
                started = time.monotonic()
                try:
                    translations = self._translate_chunk(chunk, lambda n: progress.advance(sentence_task, n))
                except Exception as exc:  # a model failure fails this chunk's articles, not the batch
                    for article in chunk:
                        self.fail(article.relpath, f"translation failed: {_reason(exc)}")
                    progress.advance(article_task, len(chunk))
                    continue
                progress.update(sentence_task, completed=self.translated)
                sentences = sum(len(a.source) for a in chunk)  # 0 for a chunk of text-less documents
                seconds_per_sentence = (time.monotonic() - started) / max(1, sentences)
                for article in chunk:
                    self.outcomes[article.relpath] = self._finish(article, translations, seconds_per_sentence)
                    progress.advance(article_task)

    def _translate_chunk(self, chunk: list[_Article], progress) -> dict[str, str]:
        """Translations of every sentence of ``chunk``: from the cache, the rest in one model call whose
        finished sentences are stored (in the cache and ``self.cached``) as each model batch completes."""
        sentences = list({s.text: None for a in chunk for s in a.source})
        found = {s: self.cached[s] for s in sentences if s in self.cached}
        missing = [s for s in sentences if s not in found]

        is_repair = getattr(self.translator, "repaired", None)  # see pipeline.model_repairs

        def keep(done: list[tuple[int, str]]) -> None:
            pairs = [(missing[i], text) for i, text in done]
            repaired = {source for source, _ in pairs if callable(is_repair) and is_repair(source)}
            now = time.monotonic()
            self.store.store(self.identity, pairs, now - self.accounted, repaired)
            self.repaired |= repaired
            self.accounted = now
            self.cached.update(pairs)
            self.translated += len(done)

        if missing:
            outputs = self.translator.translate(missing, progress=progress, on_translated=keep)
            found.update(zip(missing, outputs))
        return found

    def _finish(self, article: _Article, translations: dict[str, str], seconds_per_sentence: float) -> ArticleOutcome:
        """Build, write and record one article."""
        rel = article.relpath
        notes: list[str] = []  # what the document's format says about its translation (subtitles too long)
        try:
            result = build_result(article_name(rel), article.source, [translations[s.text] for s in article.source],
                                  self.translator.label, seconds_per_sentence * len(article.source), article.ref_text,
                                  self.presegmented, repaired=[s.text in self.repaired for s in article.source])
            self.publish(write_outputs(result, _out_folder(self.outdir, rel), article.document,
                                       notes.append, self.outdir / INDEX_NAME))
            record = _Record(len(result.source), article.reference, result.scores,
                             [hyp for hyp, _ in result.scored], [ref for _, ref in result.scored],
                             count_findings([row.flags for row in result.rows]),
                             sum(row.repaired for row in result.rows))
            self.store.finish(article, self.identity, record)
        except Exception as exc:  # one bad article (or one that cannot be written or recorded) never stops the batch
            self.fail(rel, _reason(exc))
            return self.outcomes[rel]
        self.records[rel] = record
        note = "; ".join(filter(None, (article.note, *notes, *scoring_notes(result.scores, self.presegmented))))
        return ArticleOutcome(rel, "translated", note, record.sentences, record.reference, record.scores,
                              record.flagged, record.repaired)


def _reason(exc: Exception) -> str:
    """Why an article failed: a UserError's own line, else the exception's type and message."""
    return str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"


def _corpus_scores(records) -> Scores | None:
    """Score all articles' reference-aligned segments together, once."""
    hyps = [h for r in records for h in r.hyps]
    refs = [x for r in records for x in r.refs]
    return score_corpus(hyps, refs) if refs else None


def print_summary(summary: BatchSummary, console: Console | None = None) -> None:
    """The per-article table, the failures with reasons and the corpus scores."""
    console = console or make_console()
    scored = any(a.scores for a in summary.articles)
    table = Table(title=shown(f"{summary.model} -> {summary.shown_as[1]}"))
    metrics = ["BLEU", "chrF", "chrF++", "TER"] if scored else []
    for column in ["article", "status", "sentences", *metrics, "flagged"]:
        table.add_column(column, justify="left" if column in ("article", "status") else "right",
                         overflow="fold" if column == "article" else "ellipsis")
    for a in summary.articles:
        status = {"failed": "[red]failed[/]", "skipped": "[dim]skipped[/]", "pending": "[yellow]pending[/]"}.get(
            a.status, "[green]ok[/]")
        cells = [shown(a.relpath), status, str(a.sentences)]
        if scored:
            s = a.scores
            cells += [format_score(x) for x in (s.bleu, s.chrf, s.chrfpp, s.ter)] if s else ["-"] * 4
        table.add_row(*cells, describe_counts(a.flagged))
    if summary.corpus:
        c = summary.corpus
        table.add_section()
        table.add_row("corpus", "", "", *(format_score(x) for x in (c.bleu, c.chrf, c.chrfpp, c.ter)),
                      describe_counts(summary.flagged()), style="bold")
    console.print(table)
    for a in summary.articles:
        if a.reason and a.status != "pending":
            label = "[red]failed[/]" if a.status == "failed" else "[yellow]notice[/]"
            reason = a.reason.removeprefix(str(summary.indir / a.relpath) + ": ")
            console.print(f"{label} {shown(a.relpath)}: {shown(reason)}")
    counts = summary.counts()
    job = (f"; whole job: {summary.job.translated_sentences} sentences in {summary.job.seconds:.1f}s over "
           f"{summary.job.runs} runs" if summary.job.runs > 1 else "")
    console.print(
        f"{counts['translated']} translated, {counts['skipped']} skipped, {counts['failed']} failed; "
        f"{summary.translated_sentences} sentences translated, {summary.cached_sentences} from cache "
        f"in {summary.seconds:.1f}s{job}; checks flagged: {describe_counts(summary.flagged())}; "
        f"repaired: {summary.repaired()}"
    )
