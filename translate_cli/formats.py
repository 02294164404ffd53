"""Output formats of one translated article: text, TSV, JSONL, TMX, Markdown, HTML and scores.

``write_outputs`` writes every format into a folder; each file is written atomically
(temporary file in the same folder, fsync, rename), so readers never see half a file, and the set is
renamed into place only once every file is written, with Ctrl-C held back meanwhile, so an interrupt
leaves the earlier set or the new one, never a mix. Formats are
produced as streams of chunks, row by row, so a long article never needs its whole file in memory;
the side-by-side views (Markdown, HTML) show the first ``MAX_VIEW_ROWS`` rows and say where the rest is.
An article read from a document also gets the translated document, ``<stem>.en.<suffix>``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import html
import json
import os
import re
import signal
import tempfile
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

from translate_cli.documents import Document, render_document
from translate_cli.errors import UserError
from translate_cli.layout import SCORES_NAME, SRC_LANG, TGT_LANG, output_names
from translate_cli.pages import page_link, render_page, report_links
from translate_cli.pipeline import join_target
from translate_cli.records import AlignedRow, Bead, Scores, Segment, TranslationResult
from translate_cli.terminal import escape_char
from translate_cli.version import VERSION

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 forbids even when escaped (C0 controls except tab/newline/CR, surrogates, U+FFFE/F).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_VIEW_ROWS = 5000  # rows shown in the side-by-side Markdown and HTML views; every row is in TSV/JSONL/TMX


def write_outputs(result: TranslationResult, outdir: Path, document: Document | None = None,
                  notice: Callable[[str], None] | None = None, index: Path | None = None,
                  reports: Sequence[Path] = ()) -> list[Path]:
    """Write every format of ``result`` into ``outdir`` (created if needed); return the paths written.
    The article page links the other files and, from ``batch``, the run's ``index`` page and ``reports``
    (``pages.reports_beside``; :func:`link_reports` updates them when a report is added).

    With the ``document`` the article was read from, the translated document comes first
    (``<stem>.en.html``, ``.en.docx``, ``.en.srt``, ``.en.md``). The files are one set: without scores, a
    ``scores.json`` that an earlier run left in ``outdir`` is removed, so no scores sit beside outputs
    they were not computed on. ``notice`` gets what the document's format says about the translation.
    """
    outdir = Path(outdir)
    ensure_folder(outdir)
    names = output_names(result.name, document.suffix if document else None)
    page = f"{Path(result.name).name}.html"
    links = [(name, quote(name)) for name in names if name != page and (name != SCORES_NAME or result.scores)]
    if index is not None:
        links.append(("batch index", page_link(index, outdir)))
    contents: list[Iterable[str | bytes] | None] = [
        [render_text(result)], tsv_chunks(result), jsonl_chunks(result), tmx_chunks(result), markdown_chunks(result),
        html_chunks(result, [block.label for block in document.blocks] if document else (), links,
                    report_links(list(reports), outdir)),
        [render_scores(result)] if result.scores is not None else None,
    ]
    if document is not None:
        contents.insert(0, [render_document(document, result.target, notice)])
    written = [(outdir / filename, chunks) for filename, chunks in zip(names, contents, strict=True)
               if chunks is not None]
    stale = [outdir / filename for filename, chunks in zip(names, contents) if chunks is None]
    with ExitStack() as stack:
        temporaries = [stack.enter_context(_temporary(path, chunks)) for path, chunks in written]
        with _interrupts_held():
            for tmp, (path, _) in zip(temporaries, written):
                _replace(tmp, path)
            for path in stale:  # e.g. the scores.json of an earlier run with a reference
                path.unlink(missing_ok=True)
    return [path for path, _ in written]


_REPORTS = re.compile("<!--reports-->.*?<!--/reports-->", re.S)  # where article.html.j2 links the run's reports


def link_reports(page: Path, reports: Sequence[Path]) -> bool:
    """Make the article ``page`` that :func:`write_outputs` wrote link ``reports`` (rendered again from
    ``_reports.html.j2``, the rest of the page kept); False when it links them already or has no place for them
    (written by an older version). Row texts cannot hold the markers: they are escaped."""
    text = Path(page).read_text(encoding="utf-8")
    nav = render_page("_reports.html.j2", reports=report_links(list(reports), Path(page).parent))
    linked = _REPORTS.sub(lambda _: f"<!--reports-->{nav}<!--/reports-->", text, count=1)
    if linked == text:
        return False
    atomic_write_text(page, linked)
    return True


class InterruptedAfterWriting(KeyboardInterrupt):
    """Ctrl-C came while :func:`write_outputs` renamed its files into place; every one was, then the
    interrupt is passed on."""


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT back during the block (in the main thread, where Python handles signals), then raise
    :class:`InterruptedAfterWriting` if one came."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda *args: caught.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    if caught:
        raise InterruptedAfterWriting


def refuse_replacing_inputs(outputs: Iterable[str | Path], inputs: Iterable[str | Path]) -> None:
    """Raise a one-line UserError when writing any of ``outputs`` would replace one of ``inputs``.

    Names are compared in their real folders (symlinks resolved): the input's name as given and that of
    the file it points to, ignoring case (``guide.MD`` is ``guide.md`` on macOS and Windows; refused on
    every file system alike); an output that exists already is compared as the file it is (a symlink or
    hard link to an input). Paths are handled as strings (os.path), fast enough for a batch of thousands.
    """
    cwd, folders = os.getcwd(), {}

    def key(path: str) -> tuple[str, str]:
        folder, name = os.path.split(os.path.join(cwd, path))
        if folder not in folders:
            folders[folder] = os.path.realpath(folder)
        return folders[folder], name.casefold()

    given: dict[tuple, str | Path] = {}
    for path in inputs:
        given[key(os.fspath(path))] = given[key(os.path.realpath(path))] = path
        with contextlib.suppress(OSError):
            info = os.stat(path)
            given[info.st_dev, info.st_ino] = path
    for output in outputs:
        same = given.get(key(os.fspath(output)))
        if same is None:
            with contextlib.suppress(OSError):
                info = os.stat(output)
                same = given.get((info.st_dev, info.st_ino))
        if same is not None:
            raise UserError(f"{output} would replace the input {same}; write the outputs to another folder")


def view_is_capped(result: TranslationResult) -> bool:
    """Whether the Markdown and HTML views leave rows out (see ``MAX_VIEW_ROWS``)."""
    return len(result.rows) > MAX_VIEW_ROWS


def ensure_folder(folder: Path) -> None:
    """Create an output folder (and parents) or raise a one-line UserError saying why not."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create output folder {folder}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK):
        raise UserError(f"output folder {folder} is not writable")


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` so that it is either fully replaced or untouched.

    Raises UserError (one line) when the folder is not writable.
    """
    atomic_write_chunks(path, [text])


def atomic_write_chunks(path: Path, chunks: Iterable[str | bytes]) -> None:
    """Write the ``chunks`` (text as UTF-8, bytes as they are) to ``path``, atomically (see
    :func:`atomic_write_text`)."""
    with _temporary(Path(path), chunks) as tmp:
        _replace(tmp, Path(path))


@contextmanager
def _temporary(path: Path, chunks: Iterable[str | bytes]) -> Iterator[str]:
    """A temporary file beside ``path`` holding the ``chunks``, synced to disk and locked until the block
    ends (remove_stale_temporaries leaves a live one alone); removed then unless the block renamed it."""
    tmp = fd = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        fcntl.flock(fd, fcntl.LOCK_EX)
        with open(fd, "wb", closefd=False) as fh:
            for chunk in chunks:
                fh.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8", "replace"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        yield tmp
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if fd is not None:
            os.close(fd)


def _replace(tmp: str, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


_TEMPORARY = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")  # what atomic_write_text names its temporary files


def remove_stale_temporaries(folder: Path) -> int:
    """Delete the temporary files that a killed writer left under ``folder``; return how many.

    A file still being written is locked by its writer (another process writing into ``folder``) and kept;
    the kernel releases a killed writer's lock.
    """
    removed = 0
    for path in Path(folder).rglob(".*.tmp"):
        if not _TEMPORARY.fullmatch(path.name) or not path.is_file():
            continue
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue
        finally:
            os.close(fd)
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def has_reference(result: TranslationResult) -> bool:
    """Whether the rows carry reference text (the article was scored against a reference)."""
    return result.scores is not None or any(row.ref_text is not None for row in result.rows)


def render_text(result: TranslationResult) -> str:
    """The translation: a paragraph's sentences joined by a space, a blank line between paragraphs
    (presegmented input: one line per input line)."""
    return join_target(result.target, result.lines)


def _ids(ids: Sequence[int]) -> str:
    return ",".join(str(i) for i in ids)


def _chrf(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


# Characters that would split a TSV record or field under str.splitlines() or csv, and other controls.
_TSV_SPECIAL = re.compile("[\\\\\x00-\x1f\x7f-\x9f\u2028\u2029]")
_TSV_NAMED = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _tsv_escape(text: str | None) -> str:
    """Backslash-escape so one field stays on one line: ``\\\\``, ``\\t``, ``\\n``, ``\\r``, and ``\\xHH`` or
    ``\\uHHHH`` for every other control or line-separator character (U+2028, U+0085, ...)."""
    if text is None:
        return ""
    return _TSV_SPECIAL.sub(lambda m: _TSV_NAMED.get(m.group()) or escape_char(m.group()), text)


def tsv_line(fields: list[str]) -> str:
    """One TSV record (no newline): each field escaped with :func:`_tsv_escape`."""
    return "\t".join(_tsv_escape(field) for field in fields)


# Every column of translate's TSV, in order; align's beads have the first five, rows without a reference lack
# ref_ids, ref_text and chrf. A column holds the row_to_dict field of its name (``src_ids``: ``src``).
TSV_HEADER = ("src_ids", "tgt_ids", "score", "src_text", "tgt_text", "ref_ids", "ref_text", "chrf",
              "confidence", "flags", "repaired")
_REFERENCE_COLUMNS = ("ref_ids", "ref_text", "chrf")
_FINDING_COLUMNS = ("confidence", "flags", "repaired")


def tsv_header(*, reference: bool, findings: bool) -> list[str]:
    """The columns of :data:`TSV_HEADER` for rows with (or without) a reference and the checks' findings."""
    return [column for column in TSV_HEADER if (reference or column not in _REFERENCE_COLUMNS)
            and (findings or column not in _FINDING_COLUMNS)]


def tsv_chunks(result: TranslationResult) -> Iterator[str]:
    """The TSV, a line at a time: header plus one line per aligned row; texts backslash-escaped, ids comma-joined."""
    ref = has_reference(result)
    yield tsv_line(tsv_header(reference=ref, findings=True)) + "\n"
    for row in result.rows:
        yield tsv_line(tsv_fields(row_to_dict(row, ref))) + "\n"


def tsv_fields(data: dict) -> list[str]:
    """The TSV fields of a row as :func:`row_to_dict` or :func:`bead_row` give it, under :func:`tsv_header`'s
    columns: ids comma-joined, the score and confidence to 4 decimals, chrF to 1, the checks' findings as
    ``code: reason; ...``, repaired as ``true`` or ``false``."""
    columns = tsv_header(reference="ref" in data, findings="flags" in data)
    return [_tsv_field(column, data[column.removesuffix("_ids")]) for column in columns]


def _tsv_field(column: str, value) -> str:
    if column.endswith("_ids"):
        return _ids(value)
    if column in ("score", "confidence"):
        return "" if value is None else f"{value:.4f}"
    if column == "chrf":
        return _chrf(value)
    if column == "flags":
        return "; ".join(f"{flag['code']}: {flag['reason']}" for flag in value)
    if column == "repaired":
        return "true" if value else "false"
    return value or ""


def row_to_dict(row: AlignedRow, reference: bool) -> dict:
    """The JSON object of one row; ``ref`` (ids), ``ref_text`` and ``chrf`` only when the article has a reference;
    ``confidence`` (the model's, or null), ``flags``, the checks' findings (``code``, ``reason``), and
    ``repaired`` (whether the translation is a repair's second try), always."""
    data = {"src": list(row.src), "tgt": list(row.tgt), "score": row.score,
            "src_text": row.src_text, "tgt_text": row.tgt_text}
    if reference:
        data["ref"] = list(row.ref)
        data["ref_text"] = row.ref_text
        data["chrf"] = row.chrf
    data["confidence"] = row.confidence
    data["flags"] = [dataclasses.asdict(flag) for flag in row.flags]
    data["repaired"] = row.repaired
    return data


def bead_row(bead: Bead, source: Sequence[str], target: Sequence[str]) -> dict:
    """The JSON object of one bead of ``align``: sentence ids, score and the texts of both sides."""
    return {"src": list(bead.src), "tgt": list(bead.tgt), "score": round(bead.score, 4),
            "src_text": " ".join(source[i] for i in bead.src), "tgt_text": " ".join(target[j] for j in bead.tgt)}


def json_line(data: dict) -> str:
    """One JSON Lines record: UTF-8 kept readable, but U+2028, U+2029 and U+0085 escaped, so splitting the
    file on any line break (``str.splitlines``) still gives one record per line."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085") + "\n"


def jsonl_chunks(result: TranslationResult) -> Iterator[str]:
    """The JSON Lines, a line at a time: one JSON object per aligned row (see ``row_to_dict``)."""
    ref = has_reference(result)
    return (json_line(row_to_dict(row, ref)) for row in result.rows)


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub("", text)


def tmx_chunks(result: TranslationResult) -> Iterator[str]:
    """TMX 1.4b, a translation unit at a time: one ``tu`` per row that has text on both sides (CAT tools reject
    empty segments)."""
    header = ET.Element("header", {
        "creationtool": "translate-cli",
        "creationtoolversion": VERSION,
        "datatype": "plaintext",
        "segtype": "sentence",
        "adminlang": "en",
        "srclang": SRC_LANG,
        "o-tmf": "translate-cli",
    })
    yield (f'<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
           f'  {ET.tostring(header, encoding="unicode")}\n  <body>\n')
    for number, row in enumerate(result.rows, start=1):
        if not row.src_text.strip() or not row.tgt_text.strip():
            continue
        tu = ET.Element("tu", tuid=str(number))
        ET.SubElement(tu, "prop", type="x-alignment-score").text = f"{row.score:.4f}"
        for lang, text in ((SRC_LANG, row.src_text), (TGT_LANG, row.tgt_text)):
            tuv = ET.SubElement(tu, "tuv", {_XML_LANG: lang})
            ET.SubElement(tuv, "seg").text = _xml_text(text)
        ET.indent(tu, space="  ", level=2)
        yield "    " + ET.tostring(tu, encoding="unicode") + "\n"
    yield "  </body>\n</tmx>\n"


_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_MD_SPECIAL = re.compile(r"[\\`*_\[\]|#]")  # Markdown punctuation that could start markup


def _md_cell(text: str | None) -> str:
    """Escape HTML, Markdown, pipes, line breaks (every kind, as <br>) and controls (as escapes) so the
    text stays inside one table cell."""
    if text is None:
        return ""
    text = _MD_SPECIAL.sub(r"\\\g<0>", html.escape(text, quote=False))
    text = _CONTROLS.sub(lambda m: escape_char(m.group()), text.replace("\t", " "))
    return _LINE_BREAKS.sub("<br>", text)


def _score_line(result: TranslationResult) -> str:
    s = result.scores
    if s is None:
        return ""
    from translate_cli.score import format_score

    return " · ".join(f"{label} {format_score(value)}" for label, value in
                      (("BLEU", s.bleu), ("chrF", s.chrf), ("chrF++", s.chrfpp), ("TER", s.ter)))


def render_markdown(result: TranslationResult) -> str:
    """Side-by-side table: source and translation, plus reference and chrF with a reference."""
    return "".join(markdown_chunks(result))


def markdown_chunks(result: TranslationResult) -> Iterator[str]:
    """:func:`render_markdown`, a row at a time (at most ``MAX_VIEW_ROWS`` rows)."""
    ref = has_reference(result)
    header = ["#", "Source (id)", "Translation (en)"] + (["Reference", "chrF"] if ref else [])
    yield f"# {_md_cell(result.name)}\n\nModel: {_md_cell(result.model)}\n\n"
    if result.scores is not None:
        yield _score_line(result) + "\n\n"
    yield "| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n"
    for number, row in enumerate(result.rows[:MAX_VIEW_ROWS], start=1):
        cells = [str(number), _md_cell(row.src_text), _md_cell(row.tgt_text)]
        if ref:
            cells += [_md_cell(row.ref_text), _chrf(row.chrf)]
        yield "| " + " | ".join(cells) + " |\n"
    if view_is_capped(result):
        yield f"\n{_capped_note(result)}\n"


def _capped_note(result: TranslationResult) -> str:
    return (f"Only the first {MAX_VIEW_ROWS:,} of {len(result.rows):,} rows are shown here; "
            "every row is in the TSV, JSONL and TMX files.")


def worst_rows(result: TranslationResult, share: float = 0.1) -> set[int]:
    """Indices of the rows with the lowest chrF (the worst ``share``, at least one) when scored."""
    scored = sorted((row.chrf, i) for i, row in enumerate(result.rows) if row.chrf is not None)
    count = max(1, round(len(scored) * share)) if scored else 0
    return {i for _, i in scored[:count]}


# Final punctuation, maybe followed by closing quotes or brackets: what a headline or byline lacks.
_FINAL_PUNCTUATION = re.compile(r"[.!?…]['\"’”»)\]]*$")


def paragraph_marks(source: list[Segment]) -> tuple[dict[int, int], set[int]]:
    """Sentence ids that start a paragraph (-> 1-based paragraph number), and the headlines/bylines among them.

    A headline or byline is a paragraph of one sentence that has no final punctuation.
    """
    sizes = Counter(seg.paragraph for seg in source)
    starts: dict[int, int] = {}
    headlines = set()
    for i, seg in enumerate(source):
        if i == 0 or source[i - 1].paragraph != seg.paragraph:
            starts[i] = seg.paragraph + 1
            if sizes[seg.paragraph] == 1 and not _FINAL_PUNCTUATION.search(seg.text):
                headlines.add(i)
    return starts, headlines


def score_table(scores: Scores) -> list[dict]:
    """Each metric of ``scores``: label, value, which direction is better and its sacrebleu signature."""
    from translate_cli.pages import METRIC_DIRECTIONS
    from translate_cli.score import METRIC_LABELS, metric_values

    values = metric_values(scores)
    return [{"metric": label, "value": values[key], "direction": METRIC_DIRECTIONS[label],
             "signature": scores.signatures.get(key, "")} for key, label in METRIC_LABELS.items()]


@dataclasses.dataclass
class _PageRow:
    """One row of the article page; ``paragraph`` is the 1-based number of the paragraph it starts, if any."""

    number: int
    src_text: str
    tgt_text: str
    ref_text: str
    chrf: str
    worst: bool
    paragraph: int | None
    headline: bool
    label: str = ""  # where the paragraph is in its document (a subtitle's times)
    flags: tuple = ()
    confidence: str = ""
    repaired: bool = False


def render_bitext_html(result: TranslationResult) -> str:
    """A self-contained side-by-side page (template ``article.html.j2``).

    Paragraph starts and headlines are marked (not for presegmented input); with a reference, the worst-chrF
    rows are highlighted and the scores shown with their sacrebleu signatures.
    """
    return "".join(html_chunks(result))


def html_chunks(result: TranslationResult, labels: Sequence[str] = (), links: Sequence[tuple[str, str]] = (),
                reports: Sequence[tuple[str, str]] = ()) -> Iterator[str]:
    """:func:`render_bitext_html` as the template streams it, a row at a time (at most ``MAX_VIEW_ROWS`` rows);
    ``labels`` are the document's block labels, shown with the paragraphs they start; ``links`` the (text,
    URL) of the files written beside the page, ``reports`` those of the run's reports."""
    from translate_cli.analysis import score_buckets
    from translate_cli.checks import count_findings
    from translate_cli.pages import page_chunks

    worst = worst_rows(result)
    # presegmented input has a "paragraph" per line: nothing to mark
    starts, headlines = paragraph_marks(result.source) if not result.lines else ({}, set())

    def rows() -> Iterator[_PageRow]:
        for i, row in enumerate(result.rows[:MAX_VIEW_ROWS]):
            first = row.src[0] if row.src else None
            paragraph = starts.get(first) if first is not None else None
            yield _PageRow(i + 1, row.src_text, row.tgt_text, row.ref_text or "", _chrf(row.chrf), i in worst,
                           paragraph, first in headlines and len(row.src) == 1,
                           labels[paragraph - 1] if paragraph and paragraph <= len(labels) else "", row.flags,
                           "" if row.confidence is None else f"{row.confidence:.2f}", row.repaired)

    scores = score_table(result.scores) if result.scores is not None else []
    checks = count_findings([row.flags for row in result.rows])
    # compare-mt's sentence-score buckets for one system: a histogram of the rows' sentence chrF
    histogram = [(b.label, b.segments) for b in score_buckets([[row.chrf] for row in result.rows
                                                                if row.chrf is not None])]
    return page_chunks("article.html.j2", result=result, rows=rows(), row_count=len(result.rows),
                       capped=_capped_note(result) if view_is_capped(result) else "",
                       reference=has_reference(result), worst_count=len(worst), scores=scores, checks=checks,
                       links=links, reports=reports, histogram=histogram,
                       repaired=sum(row.repaired for row in result.rows))


def render_scores(result: TranslationResult) -> str:
    """``scores.json``: the article, model and every field of its Scores."""
    assert result.scores is not None  # written only for a scored result
    data = {"article": result.name, "model": result.model, **dataclasses.asdict(result.scores)}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
