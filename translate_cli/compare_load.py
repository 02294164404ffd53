"""``compare``'s inputs: the systems (run folders that ``translate`` or ``batch`` wrote, or plain hypothesis
files), their translation files and rows, the references, and the articles they share, by match key."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from translate_cli.batch_articles import DEFAULT_GLOB
from translate_cli.errors import UserError
from translate_cli.layout import CURRENT, SUMMARY_NAME
from translate_cli.pipeline import read_article

# the formats batch reads (its articles, and references beside them in the same format or as text)
_ARTICLE_SUFFIX = re.compile(r"(\.(id|en))*(" + "|".join(re.escape(p.removeprefix("*")) for p in DEFAULT_GLOB) + ")$")


def article_key(relpath: Path, run: bool) -> str:
    """Match key of an article file, without suffix (one that batch reads: ``DEFAULT_GLOB``) and language
    tags (``b.id.txt``, ``b.en.txt``, ``b.en.html`` -> ``b``).

    In a run folder the batch layout ``a/b/b.en.txt`` is keyed ``a/b`` (``translate``'s ``b.en.txt`` is ``b``).
    """
    parts = list(relpath.parts)
    name = _ARTICLE_SUFFIX.sub("", parts.pop())
    if run and parts and re.sub(r"(\.(id|en))*$", "", parts[-1]) == name:
        parts.pop()
    return "/".join(parts + [name])


def _files(folder: Path, patterns: tuple[str, ...], run: bool) -> dict[str, Path]:
    """Article files under ``folder`` by match key; hidden paths left out."""
    found: dict[str, Path] = {}
    for pattern in patterns:
        for path in sorted(folder.rglob(pattern)):
            rel = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                found.setdefault(article_key(rel, run), path)
    return found


def _beside(path: Path, suffix: str) -> Path:
    """The run's file of another format beside the translation ``a/b.en.txt``: ``a/b<suffix>``."""
    return path.with_name(path.name.removesuffix(".en.txt") + suffix)


def translated_rows(path: Path) -> list[tuple[list[int], str, str, float | None]] | None:
    """The ``.jsonl`` rows beside ``path`` that hold translated text as (tgt ids, tgt_text, src_text,
    confidence), in translation order; None without a ``.jsonl``.

    JSON Lines are split on ``\\n`` only (a translation may hold U+2028); a truncated or malformed file is a
    UserError naming the line.
    """
    jsonl = _beside(path, ".jsonl")
    if not jsonl.is_file():
        return None
    rows = []
    for number, line in enumerate(read_article(jsonl).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            tgt, tgt_text, src_text = row["tgt"], row["tgt_text"], row["src_text"]
            confidence = row.get("confidence")  # absent from rows written before confidences
            if not (isinstance(tgt, list) and all(type(i) is int and i >= 0 for i in tgt)
                    and isinstance(tgt_text, str) and isinstance(src_text, str)
                    and (confidence is None or type(confidence) in (int, float))):
                raise ValueError("valid JSON, but not the fields of a row")
            rows.append((tgt, tgt_text, src_text, confidence))
        except (ValueError, KeyError, TypeError):
            raise UserError(f"{jsonl}: line {number} is not a translate-cli row (truncated or edited?)") from None
    return [row for row in sorted(rows, key=lambda row: row[:3]) if row[0]]



def article_page(path: Path) -> str | None:
    """The run's HTML page of the article whose translation is ``path``, if it exists."""
    page = _beside(path, ".html")
    return str(page) if page.is_file() else None


def _references(references: Path, runs: list[dict[str, Path]]) -> dict[str, Path]:
    """Reference files by match key, in the formats batch reads (a text reference first); a single
    reference file goes with runs of one article each."""
    if references.is_dir():
        return _files(references, DEFAULT_GLOB, run=False)
    if any(len(run) != 1 for run in runs):
        raise UserError("a reference file fits runs of one article each; pass a folder of references")
    key = article_key(Path(references.name), run=False)
    for run in runs:
        run[key] = run.pop(next(iter(run)))
    return {key: references}


def _run_names(paths: list[Path]) -> list[str]:
    """A distinct label per run: its name, with as many parent folders as it takes to tell runs apart
    (``a/out``, ``b/out``); the same path twice is numbered (``out``, ``out (2)``)."""
    parts = [path.resolve().parts for path in paths]
    names: list[str] = []
    for own in parts:
        depth = 1
        while depth < len(own) and any(other[-depth:] == own[-depth:] and other != own for other in parts):
            depth += 1
        name = "/".join(own[-depth:]) or str(own)
        label, number = name, 1
        while label in names:
            number += 1
            label = f"{name} ({number})"
        names.append(label)
    return names


def _model_runs(folder: Path) -> list[Path]:
    """The runs of a folder that ``translate -m A -m B -o DIR`` or ``batch -m A -m B`` wrote (one sub-folder
    per model, each a run of the same articles), or ``[folder]`` when it is one run itself."""
    if (folder / SUMMARY_NAME).is_file() or any(folder.glob("*.en.txt")):
        return [folder]
    subs = [sub for sub in sorted(folder.iterdir()) if sub.is_dir() and not sub.name.startswith(".")
            and ((sub / SUMMARY_NAME).is_file() or any(sub.glob("*.en.txt")))]
    keys = {frozenset(_files(sub, ("*.en.txt",), run=True)) for sub in subs}
    return subs if len(subs) > 1 and len(keys) == 1 else [folder]


def _run_model(folder: Path, run: dict[str, Path]) -> str | None:
    """The model label a run recorded: its ``summary.json`` (batch), else an article's ``scores.json`` or the
    ``Model:`` line of its Markdown view (translate)."""
    records = [folder / SUMMARY_NAME] + [path.parent / "scores.json" for path in run.values()]
    for record in records:
        try:
            model = json.loads(record.read_text(encoding="utf-8")).get("model")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(model, str):
            return model
    for path in run.values():
        view = _beside(path, ".md")
        if view.is_file():
            found = re.search(r"^Model: (.+)$", view.read_text(encoding="utf-8", errors="replace")[:4000], re.M)
            if found:
                return html.unescape(re.sub(r"\\(.)", r"\1", found.group(1)))  # as formats._md_cell escaped it
    return None


def _stale(folder: Path, run: dict[str, Path]) -> dict[str, str]:
    """Articles of a batch run whose outputs are not current, with the reason (from its ``summary.json``)."""
    summary_path = folder / SUMMARY_NAME
    if not summary_path.is_file():
        return {}
    try:
        articles = json.loads(summary_path.read_text(encoding="utf-8"))["articles"]
        if not all(isinstance(a["relpath"], str) and Path(a["relpath"]).name for a in articles):
            raise ValueError("an article without a file name")
        status = {article_key(Path(a["relpath"]), run=False): (a["status"], a.get("reason", "")) for a in articles}
    except (ValueError, KeyError, TypeError):
        raise UserError(f"{summary_path}: is not a translate-cli batch summary (damaged?)") from None
    stale = {}
    for key in run:
        state, reason = status.get(key, ("absent", ""))
        if state not in CURRENT:
            stale[key] = (f"stale output in {folder}: the last batch run marked it {state}"
                          + (f" ({reason})" if reason else "") if state != "absent"
                          else f"stale output in {folder}: not part of the last batch run")
    return stale


@dataclass
class LoadedRuns:
    """The systems to compare and the articles they share: each run's translation files by article key
    (``runs``, following ``run_dirs`` and ``names``), the reference files by key, the model each run
    recorded, the keys every run and the references share (``common``) and those left out, with why."""

    run_dirs: list[Path]
    runs: list[dict[str, Path]]
    refs: dict[str, Path]
    names: list[str]
    models: list[str | None]
    common: list[str]
    skipped: dict[str, str]


def load_runs(run_dirs: list[Path], references: Path, frequency_corpus: Path | None = None,
              names: Sequence[str] | None = None) -> LoadedRuns:
    """Find the systems (a folder written with several models counts as one run per model; a plain file is
    one), their translations and references, and the articles they share (see ``compare.compare_runs``)."""
    references = Path(references)
    for given in map(Path, run_dirs):
        if not given.exists():
            raise UserError(f"run folder not found: {given}")
    run_dirs = [run for given in map(Path, run_dirs) for run in (_model_runs(given) if given.is_dir() else [given])]
    if names is not None and len(names) != len(run_dirs):
        raise UserError(f"{len(names)} names for {len(run_dirs)} systems ({', '.join(map(str, run_dirs))})")
    if not references.exists():
        raise UserError(f"references not found: {references}")
    if frequency_corpus is not None and not Path(frequency_corpus).is_file():
        raise UserError(f"frequency corpus not found: {frequency_corpus}")
    runs = [_files(run, ("*.en.txt",), run=True) if run.is_dir() else {article_key(Path(run.name), run=False): run}
            for run in run_dirs]
    for folder, run in zip(run_dirs, runs):
        if not run:
            raise UserError(f"{folder}: not a translate or batch output folder (it holds no *.en.txt translation)")
    models = [_run_model(folder, run) if folder.is_dir() else None for folder, run in zip(run_dirs, runs)]
    skipped: dict[str, str] = {}
    for folder, run in zip(run_dirs, runs):
        for key, reason in (_stale(folder, run) if folder.is_dir() else {}).items():
            skipped.setdefault(key, reason)
            del run[key]
    refs = _references(references, runs)
    names = list(names) if names is not None else _run_names(run_dirs)
    if len(set(names)) != len(names):
        raise UserError(f"two systems share a name: {', '.join(names)}")

    for key in sorted(set().union(*runs)):
        missing = [name for name, run in zip(names, runs) if key not in run]
        if missing:
            skipped.setdefault(key, f"missing in {', '.join(missing)}")
        elif key not in refs:
            skipped[key] = "no reference"
    common = sorted(set.intersection(*(set(run) for run in runs)) & set(refs))
    if not common:
        left_out = "; ".join(f"{key}: {reason}" for key, reason in list(skipped.items())[:3])
        raise UserError("the runs share no article that has a reference"
                        + (f" (left out: {left_out})" if left_out else ""))
    return LoadedRuns(run_dirs, runs, refs, names, models, common, skipped)
