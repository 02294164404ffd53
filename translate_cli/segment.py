"""Split text into sentences, keeping exact character offsets; tuned for Indonesian and English.

Rule-based in the manner of pysbd's "Golden Rules" (Sadvilkar & Neumann, 2020), with Punkt-style
abbreviation handling (Kiss & Strunk, 2006): a period after an abbreviation, an initial or a number
ends a sentence depending on the kind of that token and on the case of the word that follows. The
abbreviation lists and the sentence starters live in ``data/abbreviations_{id,en}.txt``; Malay uses
the Indonesian list, and every other language a generic rule set without abbreviations (terminal
punctuation of many scripts, closing quotes, initials and numbers).

One compiled regex finds the candidate boundaries (terminal punctuation and its closing quotes or
brackets, then whitespace); each is judged by a few dictionary look-ups, so the text is never walked
character by character in Python and the time stays linear. A line that ends without terminal
punctuation (headline, byline) is a segment of its own unless the text is merely wrapped (the next
line starts in lower case, or the line ends with a comma or semicolon). List items (``1.``, ``a)``,
bullets, and ``-`` or ``*`` opening a line) are segments of their own, their marker included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from translate_cli.errors import UserError
from translate_cli.records import Segment

TUNED_RULES = {"id": "id", "ind": "id", "ms": "id", "msa": "id", "zsm": "id", "en": "en", "eng": "en"}

_DATA = Path(__file__).parent / "data"
_SPACELESS = "。！？｡"  # CJK full stops: a sentence may follow without a space
_FINAL = "।॥؟۔։።။" + _SPACELESS  # never abbreviations: always end a sentence
_TERMINALS = ".!?…‼‽⁇⁈⁉" + _FINAL
_STRONG = frozenset("!?‼‽⁇⁈⁉")  # end a sentence whatever precedes them
_ALWAYS_FINAL = frozenset(_FINAL)
_OPENING_QUOTES = "“‘„‚«‹「『"
_CLOSING_QUOTES = "”’»›」』"
_QUOTES = "\"'" + _OPENING_QUOTES + _CLOSING_QUOTES
_OPENERS = _QUOTES + "([{（【〔"
_CLOSERS = _CLOSING_QUOTES + ")]}）】〕"
_BULLETS = "•⁃◦▪‣"
_LINE_CLOSERS = _CLOSERS + "\"'"  # looked through at a line's end
_LINE_CONTINUERS = _TERMINALS + ",;"  # a line ending in one of these goes on (or ends a sentence itself)
_NL = r"\n\r\v\f\x1c-\x1e\x85\u2028\u2029"  # what str.splitlines() breaks on
_LINE_BREAK = rf"[{_NL}](?:(?<=\r)\n)?+"  # \r\n as one; starting with a class lets re skip ahead

_NEWLINE = re.compile(rf"{_LINE_BREAK}\s*")
_HAS_NEWLINE = re.compile(rf"[{_NL}]")
_T = re.escape(_TERMINALS)
_H = rf"[^\S{_NL}]"  # horizontal whitespace
# _NEWLINE's matches (the same spans), "blank" where a blank line follows the break: a paragraph break.
# One scan finds both kinds; every scan for a character class costs a pass over the text.
_LINE_BREAKS = re.compile(rf"{_LINE_BREAK}(?P<blank>{_H}*{_LINE_BREAK})?\s*")
_O = re.escape(_OPENERS)
# A candidate boundary: a spaced ellipsis (". . .") or a whole run of terminal punctuation (both
# possessive, so long runs cost linear time); its closing quotes or brackets (a straight quote only
# when no word follows it) and footnote or omission marks ("[17]", "[...]"); maybe a closing or
# straight quote left alone after a space (FLORES writes 'kata dia. "'). Then, looked at but not
# consumed: whitespace (none after a CJK full stop, or where a capitalised word follows a full stop
# without a space), opening quotes or brackets or a spaced ellipsis, and a word.
_CANDIDATE = re.compile(
    rf"(?P<punct>[{_T}](?<![{_T}][{_T}])(?:(?<!\S\.)(?<=\.)(?:{_H}\.){{2,}}+|[{_T}]*+))"
    rf"(?P<closers>(?:[{re.escape(_CLOSERS)}]|[\"'](?!\w))*+(?:{_H}?\[(?:\d{{1,3}}|…|\.\.\.)\])*+)"
    rf"(?:{_H}++[\"'{_CLOSING_QUOTES}](?=\s|$))?"
    rf"(?=(?P<space>\s+|$|(?<=[{_SPACELESS}])|(?<=[a-z]{{2}}\.)(?=[{_O}]*[A-Z][a-z]++(?![\w@/]|\.\w)))"
    rf"(?P<opener>(?:\.{_H}\.{_H}\.(?=[\s{re.escape(_CLOSERS)}\"']|$)\s*)?[{_O}]*)(?P<word>\w*))"
)
# A list item: a bullet, a dash or star opening a line, or an enumerator (1. 1) 1.) a. a)).
_ENUMERATOR = r"(?P<value>\d{1,3}|[a-z])(?P<delimiter>\.\)|[.)])"
_ITEM = re.compile(rf"(?<!\S)(?:(?P<bullet>[{_BULLETS}]|[-*–](?={_H}))|{_ENUMERATOR}(?=\s))")
# Found wherever _ITEM could match (a bullet, a dash or star before a space, or the delimiter after a value of
# 1-3 characters that follows a space); it starts with a character class, so re skips ahead to those few
# characters, and _ITEM is tried only there (see _items).
_ITEM_HINT = re.compile(rf"[{_BULLETS}\-*–.)](?:(?<=[-*–])(?={_H})|(?<=[{_BULLETS}])"
                        rf"|(?<=(?<!\S)[a-z\d][.)])|(?<=(?<!\S)\d\d[.)])|(?<=(?<!\S)\d\d\d[.)]))")
_ENUMERATOR_AFTER_BULLET = re.compile(rf"{_H}*{_ENUMERATOR}(?=\s)")
_INITIALS = re.compile(r"[A-Z](?:\.[A-Z])*")  # S, A.A, K.H, U.S
_DOTTED = re.compile(r"[A-Za-z]{1,2}(?:\.[A-Za-z]{1,3})+")  # S.Pd, M.Sc, Ph.D (with a capital)
_WINDOW = 40  # characters looked at before a candidate; longer tokens are never abbreviations


@dataclass(frozen=True)
class _Rules:
    kinds: dict[str, str]  # abbreviation -> "title" | "number" | "final" | "time" | "other"
    starters: frozenset[str]
    time_openers: frozenset[str]  # prepositions that open a fronted time phrase ("At 5 a.m.")
    starter_endings: tuple[str, ...]  # "-nya" in the data file: any word ending in "nya"

    def starts_sentence(self, word: str) -> bool:
        return word in self.starters or (word[:1].isupper() and word.endswith(self.starter_endings))


def rules_for(lang: str) -> str:
    """The rule set ``segment`` uses for an ISO 639-1 or 639-3 code: "id", "en" or "generic".

    Indonesian and Malay get the Indonesian rules, English the English ones, any other language
    the generic rules. Raises UserError for a code that is not 2 or 3 lowercase letters.
    """
    if not re.fullmatch(r"[a-z]{2,3}", lang):
        raise UserError(f"invalid language code {lang!r} for segmentation: "
                        "use an ISO 639-1 or 639-3 code (id, en, ...)")
    return TUNED_RULES.get(lang, "generic")


def segment(text: str, lang: str = "id") -> list[Segment]:
    """Split ``text`` into sentences, headlines, bylines and list items with offsets into ``text``.

    ``lang`` is an ISO 639-1 or 639-3 code (see ``rules_for``). Paragraphs (blocks separated by
    blank lines) are numbered from 0; every segment is stripped of surrounding whitespace and
    ``text[start:end] == segment.text``.
    """
    rules = _load_rules(rules_for(lang))
    segments = []
    for paragraph, (p_start, p_end, line_breaks) in enumerate(_paragraphs(text)):
        for b_start, b_end in _blocks(text, p_start, p_end, line_breaks):
            for start, end in _sentences(text, b_start, b_end, rules):
                segments.append(Segment(text[start:end], paragraph, start, end))
    return segments


def format_segments(segments: list[Segment]) -> str:
    """One segment per line (line breaks inside one become spaces), a blank line between paragraphs."""
    lines: list[str] = []
    for i, seg in enumerate(segments):
        if i and seg.paragraph != segments[i - 1].paragraph:
            lines.append("")
        lines.append(_NEWLINE.sub(" ", seg.text))
    return "\n".join(lines) + "\n" if lines else ""


@cache
def _load_rules(name: str) -> _Rules:
    kinds: dict[str, str] = {}
    words: dict[str, set[str]] = {"starters": set(), "time openers": set()}
    section = ""
    path = _DATA / f"abbreviations_{name}.txt"
    for line in path.read_text(encoding="utf-8").splitlines() if name != "generic" else []:
        word = line.split("#", 1)[0].strip()
        if word.startswith("["):
            section = word.strip("[]")
        elif word and section in words:
            words[section].add(word)
        elif word:
            kinds[word] = section
    starters = words["starters"]
    endings = tuple(word[1:] for word in starters if word.startswith("-"))
    return _Rules(kinds, frozenset(starters), frozenset(words["time openers"]), endings)


def _paragraphs(text: str):
    """Yield the stripped, non-empty spans of ``text`` between blank lines, each with the line breaks
    inside it (``_NEWLINE`` matches)."""
    start, inside = 0, []
    for match in _LINE_BREAKS.finditer(text):
        if match.group("blank") is None:
            inside.append(match)
            continue
        yield from _with_breaks(text, start, match.start(), inside)
        start, inside = match.end(), []
    yield from _with_breaks(text, start, len(text), inside)


def _with_breaks(text: str, start: int, end: int, line_breaks: list[re.Match[str]]):
    """The stripped span of text[start:end], if any, with those of ``line_breaks`` inside it."""
    for p_start, p_end in _strip(text, start, end):
        yield p_start, p_end, [m for m in line_breaks if p_start <= m.start() < p_end] if line_breaks else []


def _strip(text: str, start: int, end: int):
    """Yield text[start:end] without surrounding whitespace as a span, unless nothing is left."""
    if start < end and not text[start].isspace() and not text[end - 1].isspace():  # the common case, no copy
        yield start, end
        return
    piece = text[start:end]
    stripped = piece.lstrip()
    if stripped:
        start += len(piece) - len(stripped)
        yield start, start + len(stripped.rstrip())


def _blocks(text: str, start: int, end: int, line_breaks: list[re.Match[str]]):
    """Yield the runs of lines in a paragraph, ending a run after a line without final punctuation
    (``line_breaks``: the paragraph's, from :func:`_paragraphs`)."""
    for match in line_breaks:
        if text[match.start() - 1] in _LINE_CONTINUERS:  # the common case, decided at once (no closers follow)
            continue
        line_end = text[max(start, match.start() - _WINDOW) : match.start()].rstrip()
        last = line_end.rstrip(_LINE_CLOSERS)[-1:] or line_end[-1:]
        continues = (last and last in _LINE_CONTINUERS) or text[match.end()].islower()
        if not continues:
            yield from _strip(text, start, match.start())
            start = match.end()
    yield from _strip(text, start, end)


def _sentences(text: str, start: int, end: int, rules: _Rules):
    """Yield the sentence spans of one run of lines, text[start:end] (already stripped)."""
    item_starts, markers = _list_items(text, start, end)
    cuts = [(_end_before(text, start, item), item) for item in item_starts]  # (end of one, start of next)
    sentence_start = start
    for candidate in _CANDIDATE.finditer(text, start, end):
        if ((not markers or candidate.start() not in markers)  # markers: list items' periods, mostly none
                and _is_boundary(text, sentence_start, candidate, rules)):
            cuts.append((candidate.end(), candidate.end("space")))
            sentence_start = candidate.end("space")
    if item_starts:  # else the cuts came in order
        cuts.sort(key=lambda cut: cut[1])
    for cut_end, next_start in cuts:
        if start < cut_end and next_start < end:
            yield start, cut_end
            start = next_start
    yield start, end


def _list_items(text: str, start: int, end: int) -> tuple[list[int], set[int]]:
    """Where list items start in text[start:end], and where their markers' periods stand.

    A bullet always opens an item, a dash or star only at the start of a line; an enumerator
    ("1.", "b)") opens one at the start of a line, or within a line when it continues a list
    begun with 1 or a (1 then 2, a then b) and a capitalised word follows both.
    """
    starts: list[int] = []
    markers: set[int] = set()
    enumerators: list[re.Match[str]] = []  # not after a bullet, opening a line or before a capital
    after_bullet = -1
    for item in _items(text, start, end):
        if item.group("bullet"):
            if item.group("bullet") in _BULLETS or _starts_line(text, start, item.start()):
                starts.append(item.start())
                enumerator = _ENUMERATOR_AFTER_BULLET.match(text, item.end(), end)
                if enumerator:
                    markers.add(enumerator.end("value"))
                    after_bullet = enumerator.start("value")
        elif item.start() != after_bullet:
            if _starts_line(text, start, item.start()):
                starts.append(item.start())
                markers.add(item.end("value"))
                enumerators.append(item)
            elif text[item.end() : item.end() + 2].strip()[:1].isupper():
                enumerators.append(item)
    for before, after in zip(enumerators, enumerators[1:]):
        opens = before["value"] in ("1", "a") or before.end("value") in markers
        if opens and before["delimiter"] == after["delimiter"] and _follows(before["value"], after["value"]):
            for item in (before, after):
                starts.append(item.start())
                markers.add(item.end("value"))
    return sorted(set(starts)), markers


def _items(text: str, start: int, end: int):
    """What ``_ITEM.finditer(text, start, end)`` yields, with _ITEM tried only at the few places just before
    an _ITEM_HINT (a value is at most 3 characters), not at every character."""
    tried: set[int] = set()
    for hint in _ITEM_HINT.finditer(text, start, end):
        for pos in range(max(start, hint.start() - 3), hint.start() + 1):
            if pos not in tried:
                tried.add(pos)
                item = _ITEM.match(text, pos, end)
                if item:
                    yield item


def _follows(first: str, second: str) -> bool:
    """Whether enumerator value ``second`` comes right after ``first`` (1 then 2, a then b)."""
    if first.isdecimal() and second.isdecimal():
        return int(second) == int(first) + 1
    return not first.isdecimal() and not second.isdecimal() and ord(second) == ord(first) + 1


def _end_before(text: str, block_start: int, pos: int) -> int:
    """The end of the text before ``pos`` without the whitespace in between."""
    window = text[max(block_start, pos - _WINDOW) : pos]
    return pos - (len(window) - len(window.rstrip()))


def _is_boundary(text: str, sentence_start: int, candidate: re.Match[str], rules: _Rules) -> bool:
    """Whether the terminal punctuation ``candidate`` ends the sentence begun at ``sentence_start``."""
    punct, closers, space, opener, word = candidate.groups()
    pos, first = candidate.start(), word[:1]
    if punct != ".":  # a lone full stop, the common case, needs none of these three
        if not _ALWAYS_FINAL.isdisjoint(punct):
            return True
        if not _STRONG.isdisjoint(punct):  # "Apa kabar?" tanyanya, "Yahoo! in": a quote's tag or a name
            return not first.islower() or _HAS_NEWLINE.search(space) is not None or ("?" in punct and not closers)
        if punct[1:2].isspace():  # a spaced ellipsis: ". . ." within a sentence, ". . . ." ends one
            return punct.count(".") > 3 and first.isupper()
    if text[pos - 1 : pos] in ("(", "["):  # "[...]" marks an omission
        return False
    if len(punct) > 1 or punct == "…" or opener.startswith("."):  # an ellipsis, before a capital
        return first.isupper()

    raw, token, kind = _token_before(text, sentence_start, pos, rules)
    if not space and ("/" in raw or "@" in raw):  # "www.x.com/Page" is no missing space
        return False
    if first.islower():  # "dll. yang", "a.m. on"; after a plain word, a sentence begun in lower case
        return kind is None and not closers and len(token) >= 4 and token.isalpha() and not token.isupper()
    if kind == "title":
        return False
    if kind == "number":
        return not first.isdigit() and not opener.startswith(("(", "#"))
    if (kind == "time" and first.isupper() and not opener
            and _after_number(text, sentence_start, pos - len(raw))):
        return not _time_phrase(text, sentence_start, pos, rules)
    if kind == "final":
        return first.isupper()
    if kind in ("other", "time"):  # Tbk., U.S., initials: only before a word that opens sentences
        return rules.starts_sentence(word) or (
            first.isupper() and ((opener and opener[0] in _QUOTES) or _HAS_NEWLINE.search(space) is not None)
        )
    return True


def _token_before(text: str, block_start: int, pos: int, rules: _Rules) -> tuple[str, str, str | None]:
    """The text since the last space before ``pos``, its word (without opening quotes) and its kind."""
    window = text[max(block_start, pos - _WINDOW) : pos]
    raw = window.rsplit(None, 1)[-1] if window and not window[-1].isspace() else ""
    token = raw.lstrip(_OPENERS)
    kind = rules.kinds.get(token)
    if kind is None and token.isupper() and len(token) > 1:  # PROF., JL.
        kind = rules.kinds.get(token.capitalize())
    if kind is None and "." in token:  # "Tuesday.Mr." (a missing space)
        kind = rules.kinds.get(token.rsplit(".", 1)[1])
    if kind is None and (len(token) == 1 or "." in token):
        if _INITIALS.fullmatch(token) or (_DOTTED.fullmatch(token) and not token.islower()):
            kind = "other"
    return raw, token, kind


def _after_number(text: str, block_start: int, pos: int) -> bool:
    """Whether the word before ``pos`` (after the space before it) ends in a digit: "6 P.M.", "9:00 P.M."."""
    window = text[max(block_start, pos - _WINDOW) : pos].rstrip()
    return window[-1:].isdigit()


def _time_phrase(text: str, sentence_start: int, pos: int, rules: _Rules) -> bool:
    """Whether text[sentence_start:pos] is only a fronted time phrase ("At 5 a.m.", "In 44 B.C.")."""
    words = text[sentence_start : min(pos, sentence_start + 8 * _WINDOW)].split()
    return len(words) <= 8 and bool(words) and words[0] in rules.time_openers


def _starts_line(text: str, block_start: int, pos: int) -> bool:
    """Whether only whitespace stands between the start of its line and ``pos``."""
    head = text[max(block_start, pos - _WINDOW) : pos]
    before, newline, line = head.rpartition("\n")
    return not line.strip() and bool(newline or pos - len(head) == block_start)
