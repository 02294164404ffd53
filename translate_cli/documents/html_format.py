"""HTML pages (lxml): the article's title, description, headings, paragraphs, list items, table cells,
captions and image descriptions (``alt``).

Boilerplate is left out with the rules of Mozilla's Readability.js: scripts, styles, navigation, asides,
forms and footers, a page header outside the article, hidden elements, and elements whose class or id
names them as boilerplate (menu, sidebar, comment, related, ...) unless it also names content, or names
share buttons, ads or recommendation widgets; a block reading only "Advertisement" is left out too.
When the page has ``<main>``/``<article>`` elements the blocks come from them (and from any ``<h1>``),
else from the whole ``<body>``. Code (``<code>``, ``<pre>``, ...) is never translated; inline code is
shown to the translator as an anchor (``documents.Anchor``).

A block is an element such as ``<p>``, ``<h2>``, ``<li>`` or ``<td>`` with text of its own; its text nodes,
those inside inline elements (links, emphasis) included, receive the block's translation in proportion
to their length (``documents.fill``), so links and emphasis keep their place in the sentence as far as
lengths and anchors tell. The ``<meta name="description">`` and the ``alt`` text of the article's images
are blocks of their own; so are social-media titles and descriptions (``og:title``, ``twitter:description``,
...) unless they repeat the title or description word for word, when they receive the same translation. The
writer puts the text back into the same nodes and attributes of the original page and sets ``lang="en"`` on
``<html>``; the page is written as UTF-8, every attribute it did not translate as the page had it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from translate_cli.documents import Anchor, Block, block_text, collapse_space, fill, has_words
from translate_cli.errors import UserError
from translate_cli.textfile import decode

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# <meta property/name> values that copy the title or the description for social media.
SOCIAL_META = {"og:title", "og:description", "twitter:title", "twitter:description"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Elements that start a block of their own; anything else inside a block is inline (its text belongs to it).
BLOCK_LEVEL = HEADINGS | {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr", "li", "main",
    "menu", "nav", "ol", "p", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
# Elements whose content is never translated (their tail, the text after them, still is); the text of the
# inline code ones is shown to the translator as an anchor. <title> is a block of its own wherever it is.
UNTRANSLATED = {
    "audio", "button", "canvas", "code", "embed", "iframe", "img", "input", "kbd", "math", "noscript", "object",
    "pre", "samp", "script", "select", "style", "svg", "template", "textarea", "title", "var", "video",
}
CODE = {"code", "kbd", "samp", "var"}
BOILERPLATE = {"aside", "dialog", "footer", "form", "menu", "nav"}
BOILERPLATE_ROLES = {"alertdialog", "complementary", "dialog", "menu", "menubar", "navigation"}
# Readability.js: REGEXPS.unlikelyCandidates and REGEXPS.okMaybeItsACandidate
UNLIKELY = re.compile(
    r"-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|header|legends|"
    r"menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|ad-break|agegate|"
    r"pagination|pager|popup|yom-remote", re.I)
MAYBE_CONTENT = re.compile(r"and|article|body|column|content|main|shadow", re.I)
# Page furniture whatever else the names say: Readability.js's REGEXPS.shareElements, and from its
# REGEXPS.negative the ads and recommendation widgets (BBC's "bbccom_advert", "more-on-this-story").
FURNITURE = re.compile(r"(?:\b|_)(?:share|sharedaddy|ads?|advert\w*|outbrain|taboola|promo|more-(?:on|from)\b[-\w]*)"
                       r"(?:\b|_)", re.I)
# Blocks that only label an ad (English and Indonesian news sites).
AD_LABELS = {"advertisement", "advertising", "iklan", "scroll to continue with content"}
# Attributes that libxml2 writes URL-escaped (a space as %20, a leading space dropped): written back as read.
URI_ATTRIBUTES = ("href", "src", "action", "name")
_DOCTYPE = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<!doctype", re.I | re.S)
# Elements nested deeper are refused: the blocks are found recursively, one Python frame a level (the
# interpreter's limit is 1,000), and real pages nest some tens deep.
MAX_DEPTH = 500
KIND_OF_TAG = {**{h: "heading" for h in HEADINGS}, "li": "list item", "dt": "list item", "dd": "list item",
               "td": "table cell", "th": "table cell", "caption": "table cell"}

# A place text lives in lxml: an element and "text" (before its first child), "tail" (after it) or
# "@name" (its attribute ``name``).
Slot = tuple["HtmlElement", str]


def read_blocks(data: bytes, name: str, notice: Callable[[str], None] | None) -> list[Block]:
    """The page's title and article blocks; UserError when it holds no article text."""
    root = _parse(decode(data, name, notice), name)
    found = _find_blocks(root)
    if not any(kind not in ("title", "description") for kind, _ in found):
        raise UserError(f"{name}: no article text found in this HTML page")
    return [Block(block_text(_pieces(slots)), kind) for kind, slots in found]


def render(data: bytes, translations: list[str]) -> bytes:
    """The original page with each block's text nodes holding its translation; ``lang="en"``, UTF-8."""
    import lxml.html

    page = decode(data, "", None)
    root = _parse(page, "")
    found = _find_blocks(root)
    if len(found) != len(translations):
        raise RuntimeError(f"the page has {len(found)} blocks, {len(translations)} translations given")
    translated_head = {}  # the title's and description's source text -> translation
    for (kind, slots), translation in zip(found, translations):
        if kind in ("title", "description"):
            translated_head[block_text(_pieces(slots))] = translation
        for slot, new_text in zip(slots, fill(_pieces(slots), translation)):
            if isinstance(slot, tuple) and isinstance(new_text, str):  # fill returns text for text
                _set(slot, new_text)
    for meta in _head_elements(root, "meta"):
        copied = translated_head.get(collapse_space(meta.get("content") or ""))
        if _meta_name(meta) in SOCIAL_META and copied is not None:
            meta.set("content", copied)
    root.set("lang", "en")
    if root.get("xml:lang") is not None:
        root.set("xml:lang", "en")
    _declare_utf8(root)
    doctype = root.getroottree().docinfo.doctype if _DOCTYPE.match(page) else None  # as the page had it
    return _write_keeping_uris(root, page, lambda: lxml.html.tostring(root, encoding="utf-8", doctype=doctype))


def _write_keeping_uris(root, page: str, write: Callable[[], bytes]) -> bytes:
    """``write()``'s page with every URI_ATTRIBUTES value as read (``src="a b.png"`` stays so, not
    ``a%20b.png``): each is swapped for a placeholder that libxml2 leaves alone, and put back after."""
    prefix = "translate-cli-uri-"
    while prefix in page:
        prefix += "x"
    values = []
    for element in root.iter():
        for name in URI_ATTRIBUTES if isinstance(element.tag, str) else ():
            if element.get(name) is not None:
                values.append(element.get(name))
                element.set(name, f"{prefix}{len(values) - 1}")
    placeholder = re.compile(rf'"{re.escape(prefix)}(\d+)"'.encode())
    return placeholder.sub(lambda m: b'"%s"' % _quoted(values[int(m[1])]).encode("utf-8"), write())


def _quoted(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;")


def _declare_utf8(root) -> None:
    """Make the page say it is UTF-8: ``<meta charset="utf-8">``, in place of the page's own declaration
    (libxml2 would not write a ``<meta http-equiv="Content-Type">`` back) or first in ``<head>``."""
    import lxml.html

    declared = False
    for meta in root.iter("meta"):
        if meta.get("charset") is not None or (meta.get("http-equiv") or "").lower() == "content-type":
            meta.attrib.clear()
            meta.set("charset", "utf-8")
            declared = True
    if not declared:
        head = root.find("head")
        if head is None:
            head = lxml.html.Element("head")
            root.insert(0, head)
        head.insert(0, lxml.html.Element("meta", charset="utf-8"))


def _parse(text: str, name: str):
    """The page's tree; UserError for a page libxml2 could only read in part, or nested deeper than MAX_DEPTH."""
    import lxml.etree
    import lxml.html

    # huge_tree lifts libxml2's default limits (10 MB a text node, 256 levels), past which it silently
    # drops the rest of the page; the file itself is at most textfile.MAX_BYTES.
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (lxml.etree.ParserError, ValueError) as error:
        raise UserError(f"{name}: not a readable HTML page ({error})") from None
    depth = 0
    for event, _ in lxml.etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_DEPTH:
            raise UserError(f"{name}: elements nested more than {MAX_DEPTH} deep; not read as an HTML page")
    fatal = [error.message for error in parser.error_log if error.level >= lxml.etree.ErrorLevels.FATAL]
    if fatal:  # libxml2 stopped reading there (HTML parsing recovers from every lesser error)
        raise UserError(f"{name}: not a readable HTML page ({fatal[0].strip()})")
    return root


def _find_blocks(root) -> list[tuple[str, list[Slot | Anchor | str]]]:
    """(kind, text slots) of every block in document order: the <title>, description and social-media
    titles and descriptions that say something else, then the article's blocks."""
    found: list[tuple[str, list[Slot | Anchor | str]]] = []
    title = next((title for title in _head_elements(root, "title") if (title.text or "").strip()), None)
    if title is not None:
        found.append(("title", [(title, "text")]))
    metas = _head_elements(root, "meta")
    for meta in metas:
        if _meta_name(meta) == "description" and (meta.get("content") or "").strip():
            found.append(("description", [(meta, "@content")]))
    for meta in metas:
        said = {block_text(_pieces(slots)) for _, slots in found}
        if _meta_name(meta) in SOCIAL_META and collapse_space(meta.get("content") or "") not in said | {""}:
            found.append(("title" if _meta_name(meta).endswith("title") else "description", [(meta, "@content")]))
    _walk(root, not any(_is_root(el) for el in root.iter()), found)
    return found


def _head_elements(root, tag: str) -> list:
    """The page's ``tag`` elements outside <svg>: libxml2 moves <title> and <meta> into <body> when <head>
    holds an element it does not expect there (BBC's pages), so they are looked for in the whole page."""
    return [el for el in root.iter(tag) if not any(parent.tag == "svg" for parent in el.iterancestors())]


def _meta_name(meta) -> str:
    return (meta.get("property") or meta.get("name") or "").lower()


def _is_root(element) -> bool:
    return element.tag in ("main", "article") or element.get("role") == "main"


def _walk(element, in_content: bool, found: list[tuple[str, list[Slot | Anchor | str]]]) -> None:
    for child in element:
        if child.tag == "img" and in_content and (child.get("alt") or "").strip():
            found.append(("alt text", [(child, "@alt")]))
        if not isinstance(child.tag, str) or child.tag in UNTRANSLATED:
            continue
        inside = in_content or _is_root(child)
        if _is_boilerplate(child, inside):
            continue
        if child.tag in BLOCK_LEVEL and (inside or child.tag == "h1"):
            slots = _own_slots(child)
            own_text = "".join(_get(slot) for slot in slots if isinstance(slot, tuple))  # inline code aside
            if has_words(own_text) and block_text(_pieces(slots)).lower() not in AD_LABELS:
                found.append((KIND_OF_TAG.get(child.tag, "paragraph"), slots))
        _walk(child, inside, found)


def _is_boilerplate(element, in_content: bool) -> bool:
    if element.tag in BOILERPLATE or (element.tag == "header" and not in_content):
        return True
    if element.get("hidden") is not None or element.get("role") in BOILERPLATE_ROLES:
        return True
    names = f"{element.get('class', '')} {element.get('id', '')}"
    if element.tag in ("a", "main", "article", "body"):
        return False
    if FURNITURE.search(names) is not None:  # unless it wraps the article (a page's "has-ads" container)
        return element.find(".//h1") is None and not any(_is_root(el) for el in element.iter())
    return UNLIKELY.search(names) is not None and MAYBE_CONTENT.search(names) is None


def _own_slots(element) -> list[Slot | Anchor | str]:
    """The text slots of a block: its own text and that of its inline descendants, not of nested blocks;
    inline code as anchors; a line break (<br>, a nested block) as the fixed text "\n"."""
    slots: list[Slot | Anchor | str] = [(element, "text")]
    for child in element:
        inline = isinstance(child.tag, str) and child.tag not in BLOCK_LEVEL | UNTRANSLATED
        if child.tag == "br" or child.tag in BLOCK_LEVEL:
            slots.append("\n")
        elif inline and not _is_boilerplate(child, True):
            slots += _own_slots(child)
        elif child.tag in CODE and child.text_content().strip():
            slots.append(Anchor(child.text_content()))
        slots.append((child, "tail"))
    return slots


def _pieces(slots: list[Slot | Anchor | str]) -> list[str | Anchor]:
    return [_get(slot) if isinstance(slot, tuple) else slot for slot in slots]


def _get(slot: Slot) -> str:
    element, place = slot
    return (element.get(place[1:]) if place.startswith("@") else getattr(element, place)) or ""


def _set(slot: Slot, text: str) -> None:
    element, place = slot
    if place.startswith("@"):
        element.set(place[1:], text)
    else:
        setattr(element, place, text)
