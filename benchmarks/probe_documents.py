"""Probe real documents (issue 21): what the readers take as blocks and what the writers change.

Usage: .venv/bin/python benchmarks/probe_documents.py FILE...  (e.g. mozilla/readability's
test/test-pages/{bbc-1,guardian-1,wikipedia}/source.html, Apache-2.0, saved under any name ending .html;
python-docx's test files; a README.md with in-document links such as ai/nanoid's README.id-ID.md; none of
them is kept in this repository). Every block is "translated" to a marker text, and the probe prints, per
file: blocks by kind, blocks that look like page furniture (share buttons, "Advertisement", related
stories), HTML attributes changed that are not translated ones, links kept as written and links whose text
was translated, for Word the language tags saying Indonesian, for Markdown the in-document links that point
at no heading. With PYTHONPATH set to an older checkout it measures that version.
"""

from __future__ import annotations

import collections
import io
import re
import sys
from pathlib import Path

from translate_cli.documents import read_document, render_document
from translate_cli.errors import UserError
from translate_cli.pipeline import segment_blocks, target_segments

FURNITURE = re.compile(r"^(share|advertisement|related|more on this story|top stories|features|most read|"
                       r"close share panel|skip to|sign in|comments?)\b", re.I)
TRANSLATED_ATTRIBUTES = {("img", "alt"), ("meta", "content"), ("html", "lang"), ("html", "xml:lang"),
                         ("meta", "charset")}


def marker(text: str) -> str:
    return f"EN {text.upper()}"


def html_attributes(data: bytes) -> list:
    import lxml.html

    root = lxml.html.document_fromstring(data)
    return [(el.tag, k, v) for el in root.iter() if isinstance(el.tag, str) for k, v in el.attrib.items()
            if (el.tag, k) not in TRANSLATED_ATTRIBUTES]


def html_links_retexted(data: bytes, out: bytes) -> int:
    """Links whose text the translation changed (the same <a> elements, in document order)."""
    import lxml.html

    before, after = (lxml.html.document_fromstring(page).iter("a") for page in (data, out))
    return sum(a.text_content() != b.text_content() for a, b in zip(before, after))


def markdown_broken_anchors(text: str) -> int:
    from translate_cli.documents import markdown_format

    if not hasattr(markdown_format, "heading_slugs"):  # before issue 21
        return -1
    slugs = set(markdown_format.heading_slugs(text))
    return sum(target not in slugs for target in re.findall(r"\]\(#([^)\s]+)\)", text))


def docx_indonesian(data: bytes) -> int:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return sum(len(re.findall(rb'w:lang [^>]*w:val="(?:id|in)\b', package.read(name)))
                   for name in package.namelist() if name.endswith(".xml"))


def probe(path: Path) -> None:
    data = path.read_bytes()
    try:
        document = read_document(path, data)
    except UserError as error:
        print(f"{path.name}: {error}")
        return
    source = segment_blocks(document.blocks)
    out = render_document(document, target_segments(source, [marker(s.text) for s in source]))
    kinds = collections.Counter(block.kind for block in document.blocks)
    furniture = [block.text for block in document.blocks if FURNITURE.match(block.text)]
    print(f"{path.name}: {len(document.blocks)} blocks {dict(kinds)}; furniture-like {len(furniture)} "
          f"{furniture[:6]}")
    if document.suffix in (".html", ".htm"):
        before, after = collections.Counter(html_attributes(data)), collections.Counter(html_attributes(out))
        links = collections.Counter(a for a in before.elements() if a[1] == "href")
        print(f"  attributes changed {sum((before - after).values())}; links {sum(links.values())}, kept as "
              f"written {sum((links & after).values())}, their text translated {html_links_retexted(data, out)}")
        examples = sorted((before - after).elements())[:3]
        if examples:
            print(f"  e.g. {examples}")
    if document.suffix == ".docx":
        print(f"  language tags saying Indonesian: before {docx_indonesian(data)}, after {docx_indonesian(out)}")
    if document.suffix == ".md":
        print(f"  in-document links pointing at no heading: in the source {markdown_broken_anchors(data.decode())}, "
              f"in the translation {markdown_broken_anchors(out.decode())}")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        probe(Path(name))
