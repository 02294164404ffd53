"""A batch's articles: finding them under INDIR (``--glob``), their references under REFDIR, and reading and
segmenting each one into a :class:`PlannedArticle`, keyed by the hash of its content."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from translate_cli.documents import Document
from translate_cli.errors import UserError
from translate_cli.pipeline import check_indonesian, read_input, source_segments
from translate_cli.records import Segment

DEFAULT_GLOB = ("*.txt", "*.md", "*.html", "*.htm", "*.docx", "*.srt")


@dataclass
class PlannedArticle:
    """An article planned for translation."""

    relpath: str
    sha256: str
    source: list[Segment]
    reference: str | None = None
    ref_text: str | None = None
    ref_sha256: str = ""
    note: str = ""
    document: Document | None = None  # what a .html/.docx/.srt/.md article was read into, to write it back


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


def plan_article(indir: Path, path: Path, references: Path | None, force: bool = False,
          presegmented: bool = False) -> PlannedArticle:
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
    article = PlannedArticle(relpath.as_posix(), sha256, source, note="; ".join(notes), document=document)
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


def check_folders(indir: Path, outdir: Path, references: Path | None) -> None:
    """Input and reference folders exist; the output folder differs from the input (nothing is created)."""
    if not indir.is_dir():
        raise UserError(f"input folder not found: {indir}")
    if references is not None and not references.is_dir():
        raise UserError(f"references folder not found: {references}")
    if outdir.resolve() == indir.resolve():
        raise UserError("the output folder must differ from the input folder")
