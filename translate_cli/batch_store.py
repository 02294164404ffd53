"""The batch's store: the SQLite file in OUTDIR holding the sentence cache, the manifest of finished articles
and the job's totals, with its schema versions and what happens to a damaged file."""

from __future__ import annotations

import dataclasses
import itertools
import json
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from translate_cli.batch_articles import PlannedArticle
from translate_cli.errors import UserError
from translate_cli.records import Scores


@dataclass
class JobTotals:
    """Totals of one batch job over all its runs on the same OUTDIR (kept in the cache)."""

    runs: int = 0
    translated_sentences: int = 0
    seconds: float = 0.0


@dataclass
class ArticleRecord:
    """What the manifest keeps of a finished article, so a re-run can skip it and still report it."""

    sentences: int
    reference: str | None
    scores: Scores | None
    hyps: list[str]  # the reference-aligned segments, for the corpus scores
    refs: list[str]
    flagged: dict[str, int] = field(default_factory=dict)  # absent from records of older versions
    confidence: float | None = None  # the same
    repaired: int = 0  # the same


class BatchStore:
    """The SQLite file in OUTDIR holding the sentence cache, the manifest of finished articles and the job's
    totals. A file from an older version is migrated; a damaged or foreign one is set aside and rebuilt."""

    # 1: the unversioned layout of translate-cli 0.1 (user_version 0), without totals; 2: without confidence
    SCHEMA_VERSION = 3
    _TABLES = {  # name: (columns, definition)
        "sentences": (("identity", "source", "target", "confidence"), "identity TEXT NOT NULL, source TEXT NOT "
                      "NULL, target TEXT NOT NULL, confidence REAL, PRIMARY KEY (identity, source)"),
        "articles": (("relpath", "sha256", "identity", "ref_sha256", "record"),
                     "relpath TEXT PRIMARY KEY, sha256 TEXT, identity TEXT, ref_sha256 TEXT, record TEXT"),
        "totals": (("key", "value"), "key TEXT PRIMARY KEY, value REAL"),
        # the cached sentences whose translation is a repair; a file without this table gains it, and an older
        # version never looks at it (nor at the repaired translations: their identity is not its own)
        "repairs": (("identity", "source"), "identity TEXT NOT NULL, source TEXT NOT NULL, "
                    "PRIMARY KEY (identity, source)"),
    }

    _ADDED = {("sentences", "confidence"): "confidence REAL"}  # columns a table of an older version gains (NULL)
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
            added = []
            for name, (columns, _) in self._TABLES.items():
                found = tuple(row[1] for row in db.execute(f"PRAGMA table_info({name})"))
                missing = columns[len(found):]
                if found and (found != columns[:len(found)] or any((name, c) not in self._ADDED for c in missing)):
                    raise _Damaged(f"its table {name} has the columns {', '.join(found)}")
                added += [f"ALTER TABLE {name} ADD COLUMN {self._ADDED[name, c]}" for c in missing if found]
            with db:
                for name, (_, definition) in self._TABLES.items():
                    db.execute(f"CREATE TABLE IF NOT EXISTS {name} ({definition})")
                for statement in added:
                    db.execute(statement)
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

    def lookup(self, identity: str, sources: Sequence[str]) -> dict[str, tuple[str, float | None]]:
        """The cached translations of those ``sources`` that have one (never a NULL or non-text value), each
        with its confidence (None where the model gave none, or a cache of an older version kept none)."""
        found = {}
        for source in set(sources):
            row = self.db.execute(
                "SELECT target, CASE WHEN typeof(confidence) IN ('real', 'integer') THEN confidence END "
                "FROM sentences WHERE identity = ? AND source = ? AND typeof(target) = 'text'",
                (identity, source),
            ).fetchone()
            if row:
                found[source] = row[0], row[1]
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

    def store(self, identity: str, translated: Sequence[tuple[str, str, float | None]], seconds: float = 0.0,
              repaired: Collection[str] = ()) -> None:
        """Keep newly translated sentences (source, translation, confidence), marking those of ``repaired`` as
        repairs; they and the ``seconds`` spent since the last call are added to the job's totals in the same
        transaction, so a killed run's work is counted as surely as it is kept."""
        with self._writing():
            self.db.executemany(
                "INSERT OR REPLACE INTO sentences VALUES (?, ?, ?, ?)", [(identity, *row) for row in translated]
            )
            self.db.executemany("DELETE FROM repairs WHERE identity = ? AND source = ?",
                                [(identity, s) for s, _, _ in translated if s not in repaired])
            self.db.executemany("INSERT OR REPLACE INTO repairs VALUES (?, ?)",
                                [(identity, s) for s, _, _ in translated if s in repaired])
            self._add_totals(translated_sentences=len(translated), seconds=seconds)

    def finished(self, article: PlannedArticle, identity: str) -> ArticleRecord | None:
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
            return ArticleRecord(scores=Scores(**scores) if scores else None, **data)
        except (TypeError, ValueError, KeyError, AttributeError):
            return None

    def finish(self, article: PlannedArticle, identity: str, record: ArticleRecord) -> None:
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
