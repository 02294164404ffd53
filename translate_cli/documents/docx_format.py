"""Word documents (python-docx): body paragraphs, headings, list items, the paragraphs of table cells, and
page headers and footers.

A block is one paragraph with text: each section's own headers first (default, first-page and even-page;
one linked to the previous section's is not repeated), then the body in document order (tables, nested
ones included, where they stand; a merged cell once), then the sections' own footers. Its text is that of
its text runs, those inside hyperlinks included; the writer spreads the paragraph's translation over the
same runs in proportion to their length
(``documents.fill``), so every run keeps its formatting (bold, italic, font, ...) and the paragraph its
style. Runs holding anything besides text (pictures, fields, page breaks) are left as they are and their
text is not translated. Footnotes, comments and text boxes are not translated. A paragraph without a letter
(a table's numbers) is not translated. Every language tag (``w:lang``) that says Indonesian, in the text, the
styles and the headers and footers, is set to English, so that Word's spelling check reads the text as English.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

from translate_cli.documents import Block, collapse_space, fill, has_words
from translate_cli.errors import UserError

# Run children that setting ``run.text`` can rebuild (text, tabs, line breaks); anything else keeps a run as is.
_TEXT_PARTS = {"rPr", "t", "tab", "br", "cr", "noBreakHyphen", "softHyphen", "lastRenderedPageBreak"}
# Word's tags for Indonesian: "id-ID", and "in-ID" from the older ISO 639 code that Word still writes.
_INDONESIAN = ("id", "in")
_ENGLISH = "en-US"


def read_blocks(data: bytes, name: str, notice: Callable[[str], None] | None) -> list[Block]:
    """One block per paragraph that has text; UserError when the file is not a Word document."""
    document = _open(data, name)
    return [Block(collapse_space("".join(run.text for run in runs)), kind) for kind, runs in _paragraphs(document)]


def render(data: bytes, translations: list[str]) -> bytes:
    """The original document with each paragraph's runs holding its translation; language set to English."""
    document = _open(data, "")
    found = list(_paragraphs(document))
    if len(found) != len(translations):
        raise RuntimeError(f"the document has {len(found)} paragraphs, {len(translations)} translations given")
    for (_, runs), translation in zip(found, translations):
        for run, text in zip(runs, fill([run.text for run in runs], translation)):
            if text != run.text:
                run.text = text
    document.core_properties.language = "en"
    _set_english(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _set_english(document) -> None:
    """Make each ``w:lang`` (its Latin-script ``w:val``) that declares Indonesian say English, in every
    XML part of the package (body, styles, headers, footers, footnotes)."""
    from docx.oxml.ns import qn

    for part in document.part.package.iter_parts():
        element = getattr(part, "element", None)
        for lang in element.iter(qn("w:lang")) if element is not None else ():
            if (lang.get(qn("w:val")) or "").lower().split("-")[0] in _INDONESIAN:
                lang.set(qn("w:val"), _ENGLISH)


def _open(data: bytes, name: str):
    import docx

    try:
        _check_unpacked_size(data, name)
        return docx.Document(io.BytesIO(data))
    except UserError:
        raise
    except Exception as error:  # python-docx raises zipfile, KeyError, ValueError, lxml errors for bad files
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UserError(f"{name}: not a readable Word .docx file ({reason})") from None


def _check_unpacked_size(data: bytes, name: str) -> None:
    """Refuse a file whose parts unpack to more than MAX_BYTES, the limit of any input (a zip bomb: 1 MB of
    zip can hold gigabytes), before python-docx unpacks and parses them: by the sizes the zip directory
    declares, then by the bytes actually inflated, since a directory can lie."""
    import zipfile

    from translate_cli.textfile import MAX_BYTES

    refused = UserError(f"{name}: unpacks to more than {MAX_BYTES // 2**20} MB (a zip bomb?); not read")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if sum(member.file_size for member in members) > MAX_BYTES:
            raise refused
        unpacked = 0
        for member in members:
            with archive.open(member) as stream:
                while chunk := stream.read(2**20):
                    unpacked += len(chunk)
                    if unpacked > MAX_BYTES:
                        raise refused


def _paragraphs(document) -> Iterator[tuple[str, list]]:
    """(kind, text runs) of every paragraph with text: headers, body, footers."""
    yield from _page_parts(document, ("header", "first_page_header", "even_page_header"), "page header")
    yield from _container(document, None)
    yield from _page_parts(document, ("footer", "first_page_footer", "even_page_footer"), "page footer")


def _page_parts(document, names: tuple[str, ...], kind: str) -> Iterator[tuple[str, list]]:
    """The paragraphs of each section's headers or footers that are its own (not linked to the previous)."""
    for section in document.sections:
        for name in names:
            part = getattr(section, name)
            if not part.is_linked_to_previous:
                yield from _container(part, kind)


def _container(container, cell_kind: str | None) -> Iterator[tuple[str, list]]:
    from docx.table import Table

    for item in container.iter_inner_content():
        if isinstance(item, Table):
            seen = set()
            for row in item.rows:
                for cell in row.cells:
                    if cell._tc not in seen:  # a merged cell is listed once per grid column it spans
                        seen.add(cell._tc)
                        yield from _container(cell, "table cell")
            continue
        runs = _text_runs(item)
        if has_words("".join(run.text for run in runs)):
            yield cell_kind or _kind(item), runs


def _text_runs(paragraph) -> list:
    """The paragraph's text runs, its own and those inside hyperlinks, in order. Read from its children
    directly: python-docx's ``iter_inner_content`` runs an XPath query per paragraph whose cost grows with
    the whole document (100k empty paragraphs took 41 s)."""
    from docx.oxml.ns import qn
    from docx.text.run import Run

    run, hyperlink = qn("w:r"), qn("w:hyperlink")
    runs = []
    for child in paragraph._p:
        for r in [child] if child.tag == run else child.iterchildren(run) if child.tag == hyperlink else []:
            if all(_is_text_part(part) for part in r):
                runs.append(Run(r, paragraph))
    return runs


def _is_text_part(element) -> bool:
    from docx.oxml.ns import qn

    tag = element.tag.rsplit("}", 1)[-1]
    if tag == "br":  # a line break is text; a page or column break is not
        return element.get(qn("w:type")) in (None, "textWrapping")
    return tag in _TEXT_PARTS


def _kind(paragraph) -> str:
    style = paragraph.style.name if paragraph.style is not None else ""
    if style == "Title":
        return "title"
    if style.startswith("Heading"):
        return "heading"
    if style.startswith("List") or paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None:
        return "list item"
    return "paragraph"
