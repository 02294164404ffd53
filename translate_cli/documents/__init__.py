"""Documents people have (.html/.htm, .docx, .srt, .md) as translatable blocks, and back.

A reader turns a file into :class:`Block` s (text + kind) in document order. The pipeline segments each
block into sentences (``Segment.paragraph`` is the block's index), translates them and joins each block's
sentences again. The writer parses the original file once more, finds the same blocks in the same order
and puts each translation back in place, so everything that is not prose (markup, links, code, timings,
formatting) is the original's.

Each format lives in a module of its own with two functions, ``read_blocks(data, name, notice)`` and
``render(data, translations) -> bytes``, and may have a third, ``notices(rendered) -> list[str]``, which
says in a line each what a reader of the translated file would stumble on (subtitles too long to read in
time); their libraries (lxml, python-docx, srt, markdown-it-py) are
imported only there, when a file of that kind is read or written.
"""

from __future__ import annotations

import bisect
import importlib
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from translate_cli.errors import UserError
from translate_cli.records import Segment

# Suffix -> module of translate_cli.documents that reads and writes it.
FORMATS = {
    ".html": "html_format",
    ".htm": "html_format",
    ".docx": "docx_format",
    ".srt": "srt_format",
    ".md": "markdown_format",
}
KINDS = ("title", "description", "heading", "paragraph", "list item", "table cell", "alt text", "page header",
         "page footer", "cue")


@dataclass(frozen=True)
class Block:
    """One translatable piece of a document: its text (whitespace collapsed), what it is (see KINDS) and,
    where the format has one, where it is (a subtitle's times), shown on the article page."""

    text: str
    kind: str
    label: str = ""


@dataclass(frozen=True)
class Document:
    """A document read into blocks; ``data`` is the file as read, which the writer parses again."""

    name: str
    suffix: str
    data: bytes
    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        """The blocks as plain text, one paragraph each (what the language check and ``.en.txt`` see)."""
        return "\n\n".join(block.text for block in self.blocks)


@dataclass(frozen=True)
class Anchor:
    """Text inside a block that is kept verbatim (inline code, a URL) but shown to the translator, which
    copies it; where it turns up in the translation tells which words go before it and which after."""

    text: str


def is_document(path: Path | str) -> bool:
    """Whether the file's suffix is one of the document formats (else it is read as plain text)."""
    return Path(path).suffix.lower() in FORMATS


def read_document(path: Path | str, data: bytes, notice: Callable[[str], None] | None = None,
                  suffix: str | None = None) -> Document:
    """Read the bytes of a document file (of format ``suffix``, else its own) into blocks; raises UserError
    (one line) for a bad file. A readable one without text (a Word file of pictures) has no blocks, and
    ``notice`` says so."""
    name, suffix = str(path), suffix or Path(path).suffix.lower()
    try:
        blocks = _module(suffix).read_blocks(data, name, notice)
    except UserError:
        raise
    except Exception as error:  # whatever else a parser raises on a malformed file is still a bad file
        raise UserError(f"{name}: not a readable {suffix} file ({type(error).__name__}: {error})") from None
    if not blocks and notice:
        notice(f"{name}: no text to translate; the document is copied as it is")
    return Document(name, suffix, data, tuple(blocks))


def render_document(document: Document, target: Sequence[Segment],
                    notice: Callable[[str], None] | None = None) -> bytes:
    """The translated document: the original with each block's translated sentences put back in place.

    ``target`` are the translated segments, whose ``paragraph`` is the index of their block; ``notice``
    gets the format's notices about the result, each prefixed with the document's name. A document without
    blocks is given back as it was read.
    """
    if not document.blocks:
        return document.data
    translations = [""] * len(document.blocks)
    for paragraph, segments in itertools.groupby(target, key=lambda seg: seg.paragraph):
        translations[paragraph] = " ".join(seg.text for seg in segments)
    module = _module(document.suffix)
    rendered = module.render(document.data, translations)
    if notice and hasattr(module, "notices"):
        for line in module.notices(rendered):
            notice(f"{document.name}: {line}")
    return rendered


def _module(suffix: str):
    return importlib.import_module(f"translate_cli.documents.{FORMATS[suffix]}")




def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter: a block of numbers and signs only (a table's "1.250", "-") is
    kept as written rather than sent to the translator, which could only garble it."""
    return re.search(r"[^\W\d_]", text) is not None


def collapse_space(text: str) -> str:
    """Runs of whitespace (line breaks included) as one space, ends stripped."""
    return " ".join(text.split())


def distribute(text: str, weights: Sequence[int], glued: Sequence[bool] = ()) -> list[str]:
    """Cut ``text`` (whitespace collapsed) into ``len(weights)`` consecutive parts whose lengths follow
    ``weights``; the parts, joined, give the text back (a part keeps the space it ends with).

    Length-proportional placement, the assumption behind Gale & Church's (1993) length-based alignment: a
    translation is about as long, piece by piece, as its source. Cuts fall before a word, or, where
    ``glued[k]`` says that source pieces k and k+1 touch (``<a>rumah</a>.``), also next to punctuation.
    Every part gets at least one word while there are words enough; otherwise the last parts stay empty.
    """
    text = collapse_space(text)
    if len(weights) <= 1:
        return [text] * len(weights)
    word_starts = [m.start() for m in re.finditer(r"(?<= )\S", text)]
    joints = [m.start() for m in re.finditer(r"(?<=\w)(?=[^\w\s])|(?<=[^\w\s])(?=\S)", text)]
    places = sorted({*word_starts, *(joints if any(glued) else [])})
    total = sum(weights) or 1
    cuts, previous, cumulative = [], 0, 0
    for k, weight in enumerate(weights[:-1]):
        cumulative += weight
        desired = len(text) * cumulative / total
        options = places if k < len(glued) and glued[k] else word_starts
        later = len(weights) - k - 2  # parts after the one this cut begins, each needing a place to cut
        bound = len(text) + 1 if later == 0 else places[-later] if later <= len(places) else 0
        low, high = bisect.bisect_right(options, previous), bisect.bisect_left(options, bound)
        if low < high:  # the option nearest to the desired position, within (previous, bound)
            j = bisect.bisect_left(options, desired, low, high)
            previous = min(options[max(j - 1, low):min(j + 1, high)], key=lambda p: abs(p - desired))
        else:  # fewer words than parts: one word each, in order
            j = bisect.bisect_right(word_starts, previous)
            previous = word_starts[j] if j < len(word_starts) else len(text)
        cuts.append(previous)
    return [text[start:end] for start, end in zip([0, *cuts], [*cuts, len(text)])]


def block_text(pieces: Sequence[str | Anchor]) -> str:
    """The text a block's pieces show the translator, whitespace collapsed."""
    return collapse_space("".join(piece.text if isinstance(piece, Anchor) else piece for piece in pieces))


def fill(pieces: Sequence[str | Anchor], translation: str) -> list[str | Anchor]:
    """New texts for the text pieces of one block (runs, text nodes, spans), anchors returned as they are.

    The translation is cut where the anchors' texts occur in it (in order; an anchor the translation
    lost does not cut), and each cut is spread over the text pieces between the same anchors by
    :func:`_spread`; words with no text piece to go to join the next (else the previous) cut, in order.
    The work is linear in the block's length and its number of anchors (see :func:`_find_anchor`).
    """
    translation = collapse_space(translation)
    texts = [piece.text if isinstance(piece, Anchor) else piece for piece in pieces]
    before = list(itertools.accumulate(map(len, texts), initial=0))
    anchors = sum(isinstance(piece, Anchor) for piece in pieces)
    reach = max(_MIN_REACH, _REACH_GAPS * len(translation) // max(anchors, 1))
    groups: list[list[int]] = [[]]  # indices of the text pieces between the anchors found
    cuts, position = [], 0
    for i, piece in enumerate(pieces):
        if not isinstance(piece, Anchor):
            groups[-1].append(i)
            continue
        text = collapse_space(piece.text)
        expected = round(len(translation) * before[i] / (before[-1] or 1))
        start = _find_anchor(text, translation, max(position, expected - reach), expected + reach, expected)
        if start is not None:
            cuts.append(translation[position:start])
            position = start + len(text)
            groups.append([])
    cuts.append(translation[position:])
    receiving = [n for n, group in enumerate(groups) if any(texts[i].strip() for i in group)]
    if not receiving:
        return list(pieces)
    gathered: dict[int, list[str]] = {n: [] for n in receiving}
    for n, cut in enumerate(cuts):  # each cut to its own group, else the next one with text pieces (or the last)
        target = receiving[min(bisect.bisect_left(receiving, n), len(receiving) - 1)]
        if target == n or cut.strip():
            gathered[target].append(cut)
    filled = list(pieces)
    for n in receiving:
        for i, text in zip(groups[n], _spread([texts[i] for i in groups[n]], " ".join(gathered[n]))):
            filled[i] = text
    return filled


# How far from where length-proportional placement expects it (Gale & Church 1993) an anchor is looked
# for: several average gaps between a block's anchors, and at least a paragraph's length. A copy further
# away is more likely another occurrence than this one, and a bounded search keeps long blocks linear.
_REACH_GAPS = 8
_MIN_REACH = 1000


def _find_anchor(anchor: str, translation: str, low: int, high: int, expected: int) -> int | None:
    """Where the occurrence of ``anchor`` inside ``translation[low:high]`` nearest to ``expected`` starts;
    None when there is none (the translation lost it). Both texts are whitespace-collapsed."""
    split = min(max(expected, low), high)
    after = translation.find(anchor, split, high)
    before = translation.rfind(anchor, low, split + len(anchor) - 1) if split > low else -1
    return min((p for p in (before, after) if p >= 0), key=lambda p: abs(p - expected), default=None)


def _spread(pieces: Sequence[str], translation: str) -> list[str]:
    """``translation`` spread by :func:`distribute` over the pieces that hold words, each keeping its own
    leading and trailing whitespace (pieces of whitespace only are left as they are). A piece weighs its
    length plus one for a space after it; a part cut before a word is given a space when nothing else
    would separate it from the text before (``<b>kata</b>. Warga``)."""
    receivers = [i for i, piece in enumerate(pieces) if piece.strip()]
    if not receivers:
        return list(pieces)
    # receivers k and k+1 touch when no whitespace stands between them
    glued = [not (pieces[i][-1].isspace() or pieces[j][0].isspace()) and not "".join(pieces[i + 1:j])
             for i, j in zip(receivers, receivers[1:])]
    weights = [len(pieces[i].strip()) + (not touching) for i, touching in zip(receivers, [*glued, True])]
    weights[-1] -= 1
    parts = dict(zip(receivers, distribute(translation, weights, glued)))
    filled = list(pieces)
    last = ""  # the last character written so far
    after_space = False  # whether the translation has a space before the current part
    for i, piece in enumerate(pieces):
        if i in parts:
            part = parts[i].strip()
            lead = piece[: len(piece) - len(piece.lstrip())]
            trail = piece[len(piece.rstrip()):]
            if part and after_space and not lead and last and not last.isspace():
                lead = " "
            filled[i] = lead + part + trail if part else lead or trail
            after_space = parts[i].endswith(" ") or (after_space and not part)
        last = filled[i][-1:] or last
    return filled
