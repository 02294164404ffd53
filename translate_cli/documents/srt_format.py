"""SubRip subtitles (srt): cue numbers and timings kept, the text translated by sentence.

A cue often holds part of a sentence, and a machine translation of half a sentence is poor (word order
and agreement need the whole). So consecutive cues are merged into one block until a cue ends a
sentence (. ! ? …), the next cue starts more than MAX_GAP later, or MAX_CUES are merged; a cue of
dialogue lines ("- ...") stays alone. The block is translated as sentences, and its translation is then
cut at spaces across the same cues in proportion to their source length (``documents.distribute``),
wrapped at MAX_LINE characters a line (the 42 of the Netflix and BBC style guides). This is what
subtitle translation tools do with cue-split sentences (merge, translate, redistribute), and it keeps
each cue's text on screen about when the words are spoken. Formatting tags that wrap a whole cue
(``<i>...</i>``, ``{\\an8}``) are kept; tags inside a cue's text are dropped.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from datetime import timedelta

from translate_cli.documents import Block, collapse_space, decode_text, distribute
from translate_cli.errors import UserError

MAX_CUES = 4
MAX_GAP = timedelta(seconds=2)
MAX_LINE = 42
_SENTENCE_END = re.compile(r"[.!?…‼‽][\"'”’»)\]]*$")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_WRAPPING_TAGS = re.compile(r"^((?:\s*(?:<[^/>][^>]*>|\{\\[^}]*\}))*)(.*?)((?:</[^>]+>\s*)*)$", re.S)
_TURN = re.compile(r"(?<=[.!?…])\s+(?=-)")


def read_blocks(data: bytes, name: str, notice: Callable[[str], None] | None) -> list[Block]:
    """One block per group of cues that make up a sentence; UserError for a file that is not SubRip."""
    cues = _parse(data, name, notice)
    return [Block(" ".join(_text(cues[i].content) for i in group), "cue") for group in _groups(cues)]


def render(data: bytes, translations: list[str]) -> bytes:
    """The original subtitles, same numbers and timings, with each group's translation spread over its cues."""
    import srt

    cues = _parse(data, "", None)
    groups = _groups(cues)
    if len(groups) != len(translations):
        raise RuntimeError(f"the subtitles have {len(groups)} blocks, {len(translations)} translations given")
    for group, translation in zip(groups, translations):
        parts = distribute(translation, [len(_text(cues[i].content)) for i in group])
        for i, part in zip(group, parts):
            prefix, suffix = _wrapping_tags(cues[i].content)
            if _is_dialogue(cues[i].content):  # each speaker's line starts with its dash again
                lines = [line for turn in _TURN.split(part) for line in _wrap(turn)]
            else:
                lines = _wrap(part)
            cues[i].content = prefix + "\n".join(lines) + suffix
    return srt.compose(cues, reindex=False).encode("utf-8")


def _parse(data: bytes, name: str, notice: Callable[[str], None] | None) -> list:
    import srt

    text = decode_text(data, name, notice)
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
    """Indices of the cues that make up each block: merged until a sentence ends (see the module doc)."""
    with_text = [i for i, cue in enumerate(cues) if _text(cue.content)]
    groups: list[list[int]] = []
    group: list[int] = []
    for i, following in zip(with_text, [*with_text[1:], None]):
        group.append(i)
        cue = cues[i]
        if (following is None or _SENTENCE_END.search(_text(cue.content)) or len(group) >= MAX_CUES
                or cues[following].start - cue.end > MAX_GAP
                or _is_dialogue(cue.content) or _is_dialogue(cues[following].content)):
            groups.append(group)
            group = []
    return groups


def _wrapping_tags(content: str) -> tuple[str, str]:
    """The formatting tags that open and close a whole cue (kept when they match), e.g. ``<i>``, ``</i>``."""
    prefix, _, suffix = _WRAPPING_TAGS.match(content.strip()).groups()
    if re.findall(r"<(\w+)", prefix) != re.findall(r"</(\w+)", suffix)[::-1]:
        return "".join(re.findall(r"\{\\[^}]*\}", prefix)), ""
    return prefix.strip(), suffix.strip()


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, width=MAX_LINE, break_long_words=False, break_on_hyphens=False)
