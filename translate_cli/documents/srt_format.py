"""SubRip subtitles (srt): cue numbers and timings kept, the text translated by sentence.

A cue often holds part of a sentence, and a machine translation of half a sentence is poor (word order
and agreement need the whole). So a cue is chained to the next one only when it continues one sentence
there: it does not end a sentence (. ! ? …) and it ends with , ; : or a dash, or the next cue starts in
lower case or with "..." — and never across a gap of more than MAX_GAP, beyond MAX_CUES cues, or from or
into a cue of dialogue lines ("- ..."). A chain is translated as sentences, and its translation is then
cut at spaces across the same cues in proportion to their source length (``documents.distribute``): the
merge, translate, redistribute of subtitle translation tools, which keeps each cue's text on screen about
when the words are spoken.

Inside a cue, the text between formatting tags (``<b>``, ``<i>``, ``<u>``, ``<font ...>``, ``{\\an8}``)
is filled by ``documents.fill``, so every tag stays, on the words in its place. The text is broken into
at most MAX_LINES lines of MAX_LINE characters, the limits of the Netflix and BBC subtitle style guides,
with the break where the two lines come out most even (a source cue of more lines, which never fitted,
keeps its line breaks, each line wrapped at MAX_LINE); :func:`notices` names the cues whose translation
does not fit or reads faster than MAX_CPS characters a second (Netflix's English limit for adults).
The file keeps its CRLF line ends and its byte-order mark; it is written as UTF-8 whatever it was read
as (a Windows-1252 film is read as such, with a notice).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from datetime import timedelta

from translate_cli.documents import Block, collapse_space, distribute, fill
from translate_cli.errors import UserError
from translate_cli.textfile import decode

MAX_CUES = 4
MAX_GAP = timedelta(seconds=2)
MAX_LINE = 42
MAX_LINES = 2
MAX_CPS = 20
_SENTENCE_END = re.compile(r"[.!?…‼‽][\"'”’»)\]]*$")
_CONTINUED = re.compile(r"[,;:–—-]$")  # a cue that ends so goes on in the next
_FIRST_CUE = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\d+[ \t]*\r?\n[ \t]*\d+:\d\d:\d\d[,.]\d+[ \t]*-->")
_FIRST_LETTER = re.compile(r"[^\W\d_]")
_TAG = re.compile(r"(</?[A-Za-z][^>]*>|\{\\[^}]*\})")  # "2<3,5>1" is text
_TURN = re.compile(r"(?<=[.!?…])\s+(?=-)")


def is_subrip(data: bytes) -> bool:
    """Whether the bytes start as SubRip does: a cue number, then a timing line."""
    return bool(_FIRST_CUE.match(data))


def read_blocks(data: bytes, name: str, notice: Callable[[str], None] | None) -> list[Block]:
    """One block per chain of cues that make up a sentence, labelled with its times; UserError for a
    file that is not SubRip."""
    import srt

    cues = _parse(data, name, notice)
    return [Block(" ".join(_text(cues[i].content) for i in group), "cue",
                  f"{srt.timedelta_to_srt_timestamp(cues[group[0]].start)} → "
                  f"{srt.timedelta_to_srt_timestamp(cues[group[-1]].end)}")
            for group in _groups(cues)]


def render(data: bytes, translations: list[str]) -> bytes:
    """The original subtitles, same numbers and timings, with each chain's translation spread over its cues."""
    import srt

    cues = _parse(data, "", None)
    groups = _groups(cues)
    if len(groups) != len(translations):
        raise RuntimeError(f"the subtitles have {len(groups)} blocks, {len(translations)} translations given")
    for group, translation in zip(groups, translations):
        parts = distribute(translation, [len(_text(cues[i].content)) for i in group])
        for i, part in zip(group, parts):
            content = _filled(cues[i].content, part)
            if len(cues[i].content.splitlines()) > MAX_LINES:  # a cue that never fitted keeps its lines
                cues[i].content = "\n".join(_layout(line, False) for line in content.splitlines() if line.strip())
            else:
                cues[i].content = _layout(collapse_space(content), _is_dialogue(cues[i].content))
    text = srt.compose(cues, reindex=False)
    if "\r\n" in decode(data, "", None):
        text = text.replace("\n", "\r\n")
    bom = data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def notices(rendered: bytes) -> list[str]:
    """What a subtitle reader would stumble on in a translated file: cues over MAX_LINES lines of
    MAX_LINE characters, or faster than MAX_CPS characters a second."""
    import srt

    long, fast = [], []
    for cue in srt.parse(rendered.decode("utf-8-sig")):
        lines = _TAG.sub("", cue.content).splitlines()
        if len(lines) > MAX_LINES or any(len(line) > MAX_LINE for line in lines):
            long.append(cue.index)
        seconds = (cue.end - cue.start).total_seconds()
        if seconds > 0 and len(" ".join(lines)) / seconds > MAX_CPS:
            fast.append(cue.index)
    found = []
    for cues, what in ((long, f"do not fit in {MAX_LINES} lines of {MAX_LINE} characters"),
                       (fast, f"read faster than {MAX_CPS} characters a second")):
        if cues:
            listed = ", ".join(map(str, cues[:10])) + (", ..." if len(cues) > 10 else "")
            found.append(f"{len(cues)} translated cue(s) {what} (cue {listed}); shorten or retime them")
    return found


def _parse(data: bytes, name: str, notice: Callable[[str], None] | None) -> list:
    import srt

    text = decode(data, name, notice)
    try:
        cues = list(srt.parse(text))
    except srt.SRTParseError as error:
        line = text.count("\n", 0, error.expected_start) + 1
        bad = error.unmatched_content.strip().splitlines()[0][:60] if error.unmatched_content.strip() else ""
        raise UserError(f"{name}: not valid SubRip subtitles at line {line} ({bad!r})") from None
    for cue in cues:  # a following cue whose timing did not parse is read as more text of this one
        lines = cue.content.split("\n")
        broken = next((i for i, line in enumerate(lines) if not line.strip() or "-->" in line), None)
        if broken is not None:  # SubRip ends a cue at a blank line, and "-->" is a timing line
            bad = next((line for line in lines[broken:] if line.strip() and not line.strip().isdigit()), "")
            raise UserError(f"{name}: not valid SubRip subtitles after cue {cue.index} ({bad.strip()[:60]!r})")
    if not any(_text(cue.content) for cue in cues):
        raise UserError(f"{name}: no subtitle text")
    return cues


def _text(content: str) -> str:
    return collapse_space(_TAG.sub("", content))


def _is_dialogue(content: str) -> bool:
    return sum(line.lstrip().startswith("-") for line in _TAG.sub("", content).splitlines()) >= 2


def _groups(cues: list) -> list[list[int]]:
    """Indices of the cues that make up each block: chained while a sentence continues (see the module doc)."""
    with_text = [i for i, cue in enumerate(cues) if _text(cue.content)]
    groups: list[list[int]] = []
    group: list[int] = []
    for i, following in zip(with_text, [*with_text[1:], None]):
        group.append(i)
        if following is None or not _continues(cues[i], cues[following]) or len(group) >= MAX_CUES:
            groups.append(group)
            group = []
    return groups


def _continues(cue, following) -> bool:
    """Whether ``cue``'s sentence goes on in ``following`` (see the module doc)."""
    text, next_text = _text(cue.content), _text(following.content)
    return (not _SENTENCE_END.search(text) and following.start - cue.end <= MAX_GAP
            and not _is_dialogue(cue.content) and not _is_dialogue(following.content)
            and bool(_CONTINUED.search(text) or next_text.startswith(("...", "…"))
                     or (first := _FIRST_LETTER.search(next_text)) and first.group().islower()))


def _filled(content: str, translation: str) -> str:
    """The cue's content with its text between tags replaced by ``translation`` (line breaks kept where
    they stand between words and tags)."""
    pieces = _TAG.split(content)  # text, tag, text, ..., text
    pieces[0::2] = fill(pieces[0::2], translation)
    return re.sub(r"[^\S\n]+", " ", "".join(pieces))


def _layout(content: str, dialogue: bool) -> str:
    """One line of tagged text broken into subtitle lines (:func:`_breaks` of its visible text)."""
    wanted, seen, out = set(_breaks(_TAG.sub("", content), dialogue)), 0, []
    for piece in _TAG.split(content):
        if _TAG.fullmatch(piece):
            out.append(piece)
            continue
        out.append("".join("\n" if seen + k in wanted else c for k, c in enumerate(piece)))
        seen += len(piece)
    text = re.sub(r"\n((?:\s*</[^>]+>)+)", r"\1\n", "".join(out))  # a closing tag stays on its line
    return re.sub(r" *\n\s*", "\n", text).strip()


def _breaks(visible: str, dialogue: bool) -> list[int]:
    """The spaces of ``visible`` that become line breaks: before each speaker's dash in dialogue, else
    the one space that splits it into the most even MAX_LINES = 2 lines of at most MAX_LINE characters;
    where no such split exists (or within a speaker's turn), greedy wrapping at MAX_LINE."""
    spaces = [i for i, c in enumerate(visible) if c == " " and visible[i - 1:i] != " "]
    if dialogue:
        turns = [m.start() for m in _TURN.finditer(visible)]
        ends = [*turns, len(visible)]
        return turns + [i for start, end in zip([0, *turns], ends)
                        for i in _greedy(visible, [s for s in spaces if start < s < end], start, end)]
    if len(visible.strip()) <= MAX_LINE:
        return []
    even = [(abs(len(visible[:i].strip()) - len(visible[i:].strip())), i) for i in spaces
            if len(visible[:i].strip()) <= MAX_LINE and len(visible[i:].strip()) <= MAX_LINE]
    return [min(even)[1]] if even else _greedy(visible, spaces, 0, len(visible))


def _greedy(visible: str, spaces: list[int], start: int, end: int) -> list[int]:
    """Breaks at the last space before each line would pass MAX_LINE characters."""
    breaks, line_start = [], start
    for previous, space in zip([start, *spaces], [*spaces, end]):
        if len(visible[line_start:space].strip()) > MAX_LINE and previous > line_start:
            breaks.append(previous)
            line_start = previous
    return breaks
