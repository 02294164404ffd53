"""Translate a folder tree of articles with one loaded model, resumably.

Wiring (CLI ``batch INDIR -o OUTDIR [--model M]... [--reference REFDIR] [--glob PATTERN]...
[--quiet] [--beam N] [--batch-size N] [--device D]``), as ``batch_runs.run_models`` does it::

    for name, sub in model_runs(models):     # engines.each_model: one model per run, closed after it
        target = outdir / sub if sub else outdir
        with BatchJob(indir, target, references=refdir, glob=globs or DEFAULT_GLOB) as job:  # checked, locked
            translator = open_translator(name, options)
            summary = job.run(translator, quiet=quiet)
        print_batch_summary(summary)      # batch_report: the CLI prints
    exit 0 when every summary.ok, else 1 (and one line on stderr saying how many failed)

Layout of OUTDIR:

* ``<relpath without suffix>/`` per article (``a/b.txt`` or ``a/b.id.txt`` -> ``a/b/``), holding
  ``formats.write_outputs`` (``a/b/b.en.txt``, ``b.tsv``, ... as ``translate`` writes them, and the
  translated document ``b.en.html``, ``.en.docx``, ``.en.srt`` or ``.en.md`` for such an article).
* ``summary.json``: every article's status (translated, skipped, failed with reason, or pending after an
  interrupt), per-article and corpus scores with references, and the totals of the whole job over all its
  runs. Only articles listed as translated or skipped have current outputs: a folder left by an earlier run
  of an article that failed this time is stale, and ``compare`` leaves it out.
* ``index.html``: the same as a page, linking every current article's page (``pages.render_index``) and the
  reports written beside it (``compare --html OUTDIR/compare.html``), which every article page links too.
* ``.cache.sqlite``: the sentence cache (keyed by ``translator.identity`` and source sentence, so a
  repeated sentence or a re-run is never translated twice; with the model's confidence in the translation,
  so a resumed job's rows carry the same as an uninterrupted one's, and with which translations are repairs),
  the manifest of finished articles
  (relpath, sha256 of the text and of its reference, identity) and the job's totals, under a schema
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

Finding and reading the articles is ``batch_articles``'s job, the cache file ``batch_store``'s, and the
terminal table ``batch_report``'s; this module plans and runs the job and sums it up.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import Progress

from translate_cli.batch_articles import (
    DEFAULT_GLOB,
    PlannedArticle,
    check_folders,
    find_articles,
    find_reference,
    plan_article,
)
from translate_cli.batch_store import ArticleRecord, BatchStore, JobTotals
from translate_cli.checks import CODES, count_findings
from translate_cli.documents import is_document
from translate_cli.errors import Interrupted, UserError
from translate_cli.formats import (
    atomic_write_text,
    ensure_folder,
    link_reports,
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
from translate_cli.pages import render_index, render_models_index, reports_beside
from translate_cli.pipeline import article_name, build_result, mean_confidence, model_confidences
from translate_cli.records import Scores, SentenceTranslator
from translate_cli.score import score_corpus, scoring_notes
from translate_cli.terminal import progress_bar

CHUNK_SENTENCES = 256  # sentences of several articles translated in one translator.translate call


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
    confidence: float | None = None  # the mean of its sentences' model confidences, where the model gave them
    repaired: int = 0  # rows whose translation is a repair (translate.Translator)


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


def _out_folder(outdir: Path, relpath: str) -> Path:
    """``OUTDIR/a/b/`` for ``a/b.txt`` or ``a/b.id.txt``."""
    return outdir / Path(relpath).parent / article_name(relpath)


def _chunks(articles: list[PlannedArticle], size: int) -> Iterator[list[PlannedArticle]]:
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
        # the index of the batch over several models whose run this is (write_models_index)
        self.up = root / INDEX_NAME if root != self.outdir and _holds_models_index(root) else None
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
            quiet: bool = False, console: Console | None = None,
            chunk_sentences: int = CHUNK_SENTENCES) -> BatchSummary:
        """Translate every article (see the module docstring) and write ``summary.json``.

        ``presegmented``: every file holds one segment per line, translated line for line (test sets).
        Bad articles (and, unless ``force``, articles that are not Indonesian) are recorded as failed and
        never stop the batch. On Ctrl-C the finished articles and translated sentences are kept, the
        summary says what is pending, and :class:`Interrupted` is raised with a one-line account.
        """
        assert self.store is not None, "run() is called inside the with block"
        started = time.monotonic()
        self.store.add_totals(runs=1)  # counted at the start, so that a killed run counts too
        run = _Run(self.outdir, translator, self.store, presegmented, self.publish, reports_beside(self.outdir))
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
        atomic_write_text(self.outdir / INDEX_NAME, render_index(summary, _out_folder, self.up))
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
              chunk_sentences: int = CHUNK_SENTENCES, force: bool = False, presegmented: bool = False) -> BatchSummary:
    """Translate every article under ``indir`` into ``outdir`` with a loaded translator (see :class:`BatchJob`)."""
    with BatchJob(indir, outdir, references=references, glob=glob) as job:
        return job.run(translator, force=force, presegmented=presegmented, quiet=quiet, console=console,
                       chunk_sentences=chunk_sentences)


def refresh_links(outdir: Path) -> str | None:
    """Render the index pages in ``outdir`` again, so that they link a report written there since (``compare --html
    OUTDIR/compare.html``): a run's ``index.html`` from its ``summary.json``, with its current articles' pages
    relinked (``formats.link_reports``), ``"run"`` then; or the index of a batch over several models
    (:func:`write_models_index`), ``"models"``; None when ``outdir`` holds neither index."""
    outdir = Path(outdir)
    if not (outdir / INDEX_NAME).is_file():
        return None
    summary = _read_summary(outdir)
    if summary is None:
        return "models" if write_models_index(outdir) else None
    atomic_write_text(outdir / INDEX_NAME, render_index(summary, _out_folder, _models_index(outdir)))
    reports = reports_beside(outdir)
    for article in summary.articles:
        folder = _out_folder(outdir, article.relpath)
        if article.status in CURRENT and (folder / f"{folder.name}.html").is_file():
            link_reports(folder / f"{folder.name}.html", reports)
    return "run"


def model_runs_in(outdir: Path) -> list[tuple[Path, BatchSummary]]:
    """The runs of a batch over several models in ``outdir`` (``batch -m A -m B``: a sub-folder each, holding a
    readable ``summary.json`` and its ``index.html``), by folder name; none when ``outdir`` is a run itself."""
    outdir = Path(outdir)
    if (outdir / SUMMARY_NAME).exists() or not outdir.is_dir():
        return []
    runs = []
    for sub in sorted(outdir.iterdir()):
        summary = _read_summary(sub) if sub.is_dir() and not sub.name.startswith(".") else None
        if summary is not None and (sub / INDEX_NAME).is_file():
            runs.append((sub, summary))
    return runs


def write_models_index(outdir: Path) -> bool:
    """Write ``outdir/index.html`` for a batch over several models (``pages.render_models_index``): every model's
    run in it, kept by a later batch however many models it runs, and the reports beside it. False (nothing
    written) when ``outdir`` holds no such run, or a run or folder takes the name ``index.html``."""
    runs = model_runs_in(outdir)
    if not runs or not _holds_models_index(Path(outdir)):
        return False
    atomic_write_text(Path(outdir) / INDEX_NAME, render_models_index(Path(outdir), runs))
    return True


def _holds_models_index(outdir: Path) -> bool:
    """Whether ``outdir`` can hold the index of a batch over several models: it is no run itself, and no folder
    takes the index's name."""
    index = outdir / INDEX_NAME
    return not (outdir / SUMMARY_NAME).exists() and (index.is_file() or not index.exists())


def _models_index(outdir: Path) -> Path | None:
    """The index of the batch over several models that holds run ``outdir``, where there is one."""
    index = outdir.parent / INDEX_NAME
    return index if index.is_file() and _holds_models_index(outdir.parent) else None


def _read_summary(outdir: Path) -> BatchSummary | None:
    """The summary a run left in ``outdir``, None when there is none or it is another tool's or version's."""
    try:
        data = json.loads((outdir / SUMMARY_NAME).read_text(encoding="utf-8"))
        articles = [ArticleOutcome(**{**a, "scores": _scores(a["scores"])}) for a in data["articles"]]
        last = data["last_run"]
        return BatchSummary(Path(data["indir"]), outdir, data["model"], articles, last["translated_sentences"],
                            last["cached_sentences"], last["seconds"], _scores(data["corpus"]),
                            JobTotals(**data["job"]), data["interrupted"], (data["indir"], data["outdir"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _scores(data: dict | None) -> Scores | None:
    return Scores(**data) if data else None


class _Run:
    """The state of one batch run: outcomes and manifest records by relpath, sentence counts."""

    def __init__(self, outdir: Path, translator, store: BatchStore, presegmented: bool = False,
                 publish: Callable[[list[Path]], None] = lambda paths: None, reports: Sequence[Path] = ()):
        self.outdir = outdir
        self.reports = reports  # the run's reports, linked from each article page (pages.reports_beside)
        self.presegmented = presegmented
        self.publish = publish
        self.translator = translator
        self.identity = translator.identity
        self.store = store
        self.outcomes: dict[str, ArticleOutcome] = {}
        self.records: dict[str, ArticleRecord] = {}
        self.folders: dict[Path, str] = {}
        self.translated = 0
        self.from_cache = 0
        self.cached: dict[str, str] = {}  # the cache's translations of this run's sentences, looked up once
        self.confidences: dict[str, float | None] = {}  # and their confidences (kept with them in the cache)
        self.repaired: set[str] = set()  # those of them that are repairs
        self.accounted = time.monotonic()  # up to when this run's time is in the job's totals

    def fail(self, relpath: str, reason: str) -> None:
        """Record a failed article; outputs an earlier run left for it are no longer current."""
        self.outcomes[relpath] = ArticleOutcome(relpath, "failed", reason)
        self.store.forget(relpath)

    def plan(self, indir: Path, path: Path, references: Path | None, force: bool) -> PlannedArticle | None:
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
            article = plan_article(indir, path, references, force, self.presegmented)
        except UserError as exc:
            self.fail(rel, str(exc).removeprefix(f"{path}: "))
            return None
        record = self.store.finished(article, self.identity)
        suffixes = [".txt"] + ([article.document.suffix] if article.document else [])
        if record is None or not all((folder / f"{folder.name}.en{suffix}").exists() for suffix in suffixes):
            return article
        self.outcomes[rel] = ArticleOutcome(rel, "skipped", "", record.sentences, record.reference, record.scores,
                                            record.flagged, record.confidence, record.repaired)
        self.records[rel] = record
        return None

    def translate(self, pending: list[PlannedArticle], chunk_sentences: int, progress: Progress) -> None:
        """Translate the pending articles chunk by chunk, writing outputs and the manifest as they finish."""
        if not pending:
            return
        unique = list({s.text: None for a in pending for s in a.source})
        found = self.store.lookup(self.identity, unique)
        self.cached = {source: target for source, (target, _) in found.items()}
        self.confidences = {source: confidence for source, (_, confidence) in found.items()}
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

    def _translate_chunk(self, chunk: list[PlannedArticle], progress) -> dict[str, str]:
        """Translations of every sentence of ``chunk``: from the cache, the rest in one model call whose
        finished sentences are stored (in the cache and ``self.cached``) as each model batch completes."""
        sentences = list({s.text: None for a in chunk for s in a.source})
        found = {s: self.cached[s] for s in sentences if s in self.cached}
        missing = [s for s in sentences if s not in found]

        is_repair = getattr(self.translator, "repaired", None)  # see pipeline.model_repairs

        def keep(done: list[tuple[int, str]]) -> None:
            pairs = [(missing[i], text) for i, text in done]
            rounded = self._confidences([source for source, _ in pairs])
            repaired = {source for source, _ in pairs if callable(is_repair) and is_repair(source)}
            now = time.monotonic()
            self.store.store(self.identity, [(s, t, c) for (s, t), c in zip(pairs, rounded)], now - self.accounted,
                             repaired)
            self.accounted = now
            self.repaired |= repaired
            self.cached.update(pairs)
            self.translated += len(done)

        if missing:
            outputs = self.translator.translate(missing, progress=progress, on_translated=keep)
            found.update(zip(missing, outputs))
            self._confidences([source for source in missing if source not in self.confidences])
        return found

    def _confidences(self, sentences: list[str]) -> list[float | None]:
        """The translator's confidences in its translations of ``sentences``, kept in ``self.confidences``:
        to 4 decimals, as the TSV shows them, because the last digits vary with the engine's batch padding and
        a resumed job or one on Ray must write the rows an uninterrupted local one writes."""
        rounded = [None if c is None else round(c, 4) for c in model_confidences(self.translator, sentences)]
        rounded = rounded or [None] * len(sentences)
        self.confidences.update(zip(sentences, rounded))
        return rounded

    def _finish(self, article: PlannedArticle, translations: dict[str, str],
                seconds_per_sentence: float) -> ArticleOutcome:
        """Build, write and record one article."""
        rel = article.relpath
        notes: list[str] = []  # what the document's format says about its translation (subtitles too long)
        try:
            result = build_result(article_name(rel), article.source, [translations[s.text] for s in article.source],
                                  self.translator.label, seconds_per_sentence * len(article.source), article.ref_text,
                                  self.presegmented, [self.confidences.get(s.text) for s in article.source],
                                  [s.text in self.repaired for s in article.source])
            self.publish(write_outputs(result, _out_folder(self.outdir, rel), article.document,
                                       notes.append, self.outdir / INDEX_NAME, self.reports))
            record = ArticleRecord(len(result.source), article.reference, result.scores,
                             [hyp for hyp, _ in result.scored], [ref for _, ref in result.scored],
                             count_findings([row.flags for row in result.rows]),
                             mean_confidence([row.confidence for row in result.rows]),
                             sum(row.repaired for row in result.rows))
            self.store.finish(article, self.identity, record)
        except Exception as exc:  # one bad article (or one that cannot be written or recorded) never stops the batch
            self.fail(rel, _reason(exc))
            return self.outcomes[rel]
        self.records[rel] = record
        note = "; ".join(filter(None, (article.note, *notes, *scoring_notes(result.scores, self.presegmented))))
        return ArticleOutcome(rel, "translated", note, record.sentences, record.reference, record.scores,
                              record.flagged, record.confidence, record.repaired)


def _reason(exc: Exception) -> str:
    """Why an article failed: a UserError's own line, else the exception's type and message."""
    return str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"


def _corpus_scores(records) -> Scores | None:
    """Score all articles' reference-aligned segments together, once."""
    hyps = [h for r in records for h in r.hyps]
    refs = [x for r in records for x in r.refs]
    return score_corpus(hyps, refs) if refs else None
