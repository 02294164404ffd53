"""Markdown (markdown-it-py, CommonMark with tables, strikethrough and front matter): only prose changes.

Every heading, paragraph, list item and table cell is an ``inline`` token whose line map tells where
it stands in the file; its text runs (text between markup) are located in the source, and the writer
replaces exactly those characters. Everything else is the original byte for byte: front matter, code
blocks and HTML blocks, heading and list markers, indentation, line breaks, emphasis markers, link and
image destinations, inline code, autolinks and inline HTML. Link text is translated, image alt text is
not; inline code and autolinks are shown to the translator as anchors (``documents.Anchor``). A block's
translation is spread over its text runs (``documents.fill``), and whatever in it would read as
Markdown markup is backslash-escaped. A block without a letter (a table's numbers) is not translated.
In-document links (``[...](#heading)``) are pointed at the translated heading's anchor.
"""

from __future__ import annotations

import bisect
import collections
import re
from collections.abc import Callable
from urllib.parse import unquote

from translate_cli.documents import Anchor, Block, block_text, fill, has_words
from translate_cli.textfile import decode

_KIND_OF_CONTAINER = {"th_open": "table cell", "td_open": "table cell", "heading_open": "heading",
                      "list_item_open": "list item"}
# What could turn translated text into markup: a backslash before punctuation (or last, before the
# source's own markup or line break), code and emphasis markers (_ only at a word's edge), brackets
# opening or closing a link (or, after !, an image), < opening a tag or autolink, & opening an entity.
_SPECIAL = re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)|[`*\[\]]|(?<!\w)_|_(?!\w)|<(?=[A-Za-z/!?])|&(?=#?\w+;)")
_LINE_START_MARKER = re.compile(r"(\d{1,9})([.)])(?=\s|$)|([#>+-])(?=\s|$)")
# The fragment of an in-document link: ``](#slug`` inline, ``[label]: #slug`` as a reference definition.
_IN_DOCUMENT_LINK = re.compile(r"(\]\(\s*<?#|^ {0,3}\[[^\]\n]+\]:[ \t]*<?#)([^\s)>\"']+)", re.M)

# A block found in the source: its kind, its pieces (a text run's (start, end) offsets and its text with
# escapes and entities decoded, an empty run " " where a line breaks, or an Anchor for inline code and
# autolinks), the offsets where its content lines start (a run starting there must not begin with a
# block marker) and its text.
Span = tuple[int, int, str]
Found = tuple[str, list[Span | Anchor], set[int], str]


def read_blocks(data: bytes, name: str, notice: Callable[[str], None] | None) -> list[Block]:
    """One block per heading, paragraph, list item or table cell with prose."""
    text = decode(data, name, notice)
    return [Block(plain, kind) for kind, _, _, plain in _find_blocks(text)]


def render(data: bytes, translations: list[str]) -> bytes:
    """The original Markdown with each block's text runs holding its (escaped) translation."""
    text = decode(data, "", None)
    found = _find_blocks(text)
    if len(found) != len(translations):
        raise RuntimeError(f"the Markdown has {len(found)} blocks, {len(translations)} translations given")
    replacements = []
    for (kind, spans, line_starts, _), translation in zip(found, translations):
        pieces = fill(_pieces(spans), translation)
        for span, piece in zip(spans, pieces):
            if not isinstance(span, Anchor) and isinstance(piece, str) and span[1] > span[0]:
                piece = _escape(piece, table=kind == "table cell", before_link=text.startswith("[", span[1]))
                replacements.append((span[0], span[1], _escape_line_start(piece) if span[0] in line_starts else piece))
    out, position = [], 0
    for start, end, piece in sorted(replacements):
        out += [text[position:start], piece]
        position = end
    translated = "".join(out) + text[position:]
    moved = {old: new for old, new in zip(heading_slugs(text), heading_slugs(translated)) if old != new}
    return (_relink(translated, moved) if moved else translated).encode("utf-8")


def _relink(text: str, moved: dict[str, str]) -> str:
    """``text`` with in-document links to a moved anchor pointing to its new one, outside code blocks."""
    code = {line for token in _parser().parse(text) if token.type in ("fence", "code_block") and token.map
            for line in range(*token.map)}
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    return "".join(line if n in code else _IN_DOCUMENT_LINK.sub(
        lambda m: m.group(1) + moved.get(unquote(m.group(2)), m.group(2)), line) for n, line in enumerate(lines))


def heading_slugs(text: str) -> list[str]:
    """The anchors GitHub gives the headings of ``text``, in order. github-slugger's rule: the heading's
    text in lowercase, punctuation dropped, each space a '-'; a slug seen before gets -1, -2, ..."""
    tokens = _parser().parse(text)
    slugs, seen = [], collections.Counter[str]()
    for opening, inline in zip(tokens, tokens[1:]):
        if opening.type == "heading_open":
            plain = "".join(child.content for child in inline.children or []
                            if child.type in ("text", "text_special", "code_inline"))
            slug = re.sub(r"[^\w\- ]", "", plain.strip().lower()).replace(" ", "-")
            slugs.append(f"{slug}-{seen[slug]}" if seen[slug] else slug)
            seen[slug] += 1
    return slugs


def _parser():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    # text_join off: escapes and entities stay tokens of their own, so every text token is source verbatim
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(front_matter_plugin).disable("text_join")


def _find_blocks(text: str) -> list[Found]:
    """Every inline token with prose, located in ``text`` (see ``Found``)."""
    lines = [(m.start(), m.start() + len(m.group(1))) for m in re.finditer(r"([^\r\n]*)(?:\r\n|\r|\n|$)", text)]
    used: dict[int, int] = {}  # line -> offset up to which earlier inline tokens (table cells) used it
    containers: list[str] = []
    found: list[Found] = []
    for token in _parser().parse(text):
        if token.nesting == 1:
            containers.append(token.type)
        elif token.nesting == -1:
            containers.pop()
        elif token.type == "inline" and token.map:
            content_lines = token.content.split("\n")
            starts = _locate_lines(text, lines, token.map[0], content_lines, used)
            runs = _text_runs(token) if starts is not None else None
            if starts is None or runs is None:  # not located (tabs the parser expanded): the block is left as it is
                continue
            spans = _to_source(runs, content_lines, starts)
            if has_words("".join(span[2] for span in spans if not isinstance(span, Anchor))):
                kind = next((_KIND_OF_CONTAINER[c] for c in reversed(containers) if c in _KIND_OF_CONTAINER),
                            "paragraph")
                found.append((kind, spans, set(starts), block_text(_pieces(spans))))
    return found


def _locate_lines(text: str, lines: list[tuple[int, int]], first: int, content_lines: list[str],
                  used: dict[int, int]) -> list[int] | None:
    """Source offsets of the token's content lines: each is found within its own source line."""
    starts = []
    for number, content in enumerate(content_lines, start=first):
        if number >= len(lines):
            return None
        line_start, line_end = lines[number]
        position = text.find(content, used.get(number, line_start), line_end)
        if position < 0:
            return None
        used[number] = position + len(content)
        starts.append(position)
    return starts


def _to_source(runs: list[Span | Anchor], content_lines: list[str], starts: list[int]) -> list[Span | Anchor]:
    """Runs in content offsets -> spans in source offsets (a run never crosses a line)."""
    content_starts = [0]
    for line in content_lines[:-1]:
        content_starts.append(content_starts[-1] + len(line) + 1)
    spans: list[Span | Anchor] = []
    for run in runs:
        if isinstance(run, Anchor):
            spans.append(run)
            continue
        index = bisect.bisect_right(content_starts, run[0]) - 1
        shift = starts[index] - content_starts[index]
        spans.append((run[0] + shift, run[1] + shift, run[2]))
    return spans


def _pieces(spans: list[Span | Anchor]) -> list[str | Anchor]:
    """What each piece shows: a text run's decoded text, a line break as "\n", anchors as they are."""
    return [span if isinstance(span, Anchor) else span[2] if span[1] > span[0] else "\n" for span in spans]


def _text_runs(token) -> list[Span | Anchor] | None:
    """(start, end, text) in ``token.content`` of each run of text (empty where a line breaks), and an
    Anchor for each code span and autolink; None when a text token cannot be found.

    Walks the children with a cursor over the raw content: each text token is found verbatim after the
    previous one; markup between them (emphasis markers, code spans, link destinations) is skipped.
    """
    content = token.content
    runs: list[Span | Anchor] = []
    cursor, autolink = 0, False
    for child in token.children or []:
        if child.type in ("text", "text_special"):
            raw = child.content if child.type == "text" else child.markup
            position = content.find(raw, cursor)
            if position < 0:
                return None
            if autolink:
                runs.append(Anchor(child.content))
            elif runs and not isinstance(runs[-1], Anchor) and runs[-1][0] < runs[-1][1] == position:
                start, _, plain = runs[-1]  # escapes and entities join their text
                runs[-1] = (start, position + len(raw), plain + child.content)
            else:
                runs.append((position, position + len(raw), child.content))
            cursor = position + len(raw)
        elif child.type in ("softbreak", "hardbreak"):
            cursor = content.find("\n", cursor) + 1
            runs.append((cursor, cursor, " "))
        elif child.type == "code_inline":
            opening = content.find(child.markup, cursor)
            cursor = content.find(child.markup, opening + len(child.markup)) + len(child.markup)
            if child.content.strip():
                runs.append(Anchor(child.content))
        elif child.type == "html_inline":
            cursor = content.find(child.content, cursor) + len(child.content)
        elif child.type == "link_open":
            autolink = child.markup in ("autolink", "linkify")
        elif child.type == "link_close":
            cursor = content.find(">", cursor) + 1 if autolink else _after_link(content, content.find("]", cursor))
            autolink = False
        elif child.type == "image":
            cursor = _after_link(content, _closing_bracket(content, content.find("![", cursor) + 2))
    return runs


def _closing_bracket(content: str, position: int) -> int:
    """The index of the ``]`` that closes a ``[`` just before ``position`` (nested brackets, escapes)."""
    depth = 1
    while position < len(content):
        char = content[position]
        if char == "\\":
            position += 1
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return position
        position += 1
    return len(content)


def _after_link(content: str, bracket: int) -> int:
    """The index just after a link's ``](destination "title")``, ``][label]`` or ``]``."""
    position = bracket + 1
    if content.startswith("[", position):
        return _closing_bracket(content, position + 1) + 1
    if not content.startswith("(", position):
        return position
    depth, quote = 0, ""
    while position < len(content):
        char = content[position]
        if char == "\\":
            position += 1
        elif quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return position + 1
        position += 1
    return len(content)


def _escape(text: str, table: bool, before_link: bool = False) -> str:
    """Backslash-escape what would read as Markdown markup (and ``|`` in a table cell); ``before_link``:
    the source goes on with a link's ``[``, which a final ``!`` would turn into an image."""
    text = _SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    if before_link and text.endswith("!"):
        text = text[:-1] + "\\!"
    return text.replace("|", "\\|") if table else text


def _escape_line_start(piece: str) -> str:
    """Escape a list, heading or quote marker that a translation would put at the start of a line."""
    stripped = piece.lstrip()
    lead = piece[: len(piece) - len(stripped)]
    match = _LINE_START_MARKER.match(stripped)
    if not match:
        return piece
    if match.group(1):
        return f"{lead}{match.group(1)}\\{match.group(2)}{stripped[match.end(2):]}"
    return f"{lead}\\{stripped}"
