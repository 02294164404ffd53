"""Split Indonesian or English news text into sentences, keeping exact character offsets.

Rule-based in the manner of pysbd's "Golden Rules" (Sadvilkar & Neumann, 2020), with Punkt-style
abbreviation handling (Kiss & Strunk, 2006): a period after an abbreviation, an initial or a number
ends a sentence depending on the kind of that token and on the case of the word that follows. The
abbreviation lists and the sentence starters live in ``data/abbreviations_{lang}.txt``.

One compiled regex finds the candidate boundaries (terminal punctuation and its closing quotes or
brackets, then whitespace); each is judged by a few dictionary look-ups, so the text is never walked
character by character in Python. A line that ends without terminal punctuation (headline, byline)
is a segment of its own unless the text is merely wrapped (the next line starts in lower case, or
the line ends with a comma or semicolon).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from translate_cli.document import Segment
from translate_cli.errors import UserError

LANGUAGES = ("id", "en")

_DATA = Path(__file__).parent / "data"
_TERMINALS = ".!?…‼‽⁇⁈⁉"
_STRONG = frozenset("!?‼‽⁇⁈⁉")  # end a sentence whatever precedes them
_QUOTES = "\"'“”‘’„‚«»‹›"
_OPENERS = _QUOTES + "([{"
_CLOSERS = _QUOTES + ")]}"
_NL = r"\n\r\v\f\x1c-\x1e\x85\u2028\u2029"  # what str.splitlines() breaks on
_LINE_BREAK = rf"(?>\r\n|[{_NL}])"

_PARAGRAPH_BREAK = re.compile(rf"{_LINE_BREAK}[^\S{_NL}]*{_LINE_BREAK}\s*")
_NEWLINE = re.compile(rf"{_LINE_BREAK}\s*")
_HAS_NEWLINE = re.compile(rf"[{_NL}]")
_T = re.escape(_TERMINALS)
# A candidate boundary: a whole run of terminal punctuation (possessive, so long runs cost linear
# time), its closing quotes or brackets, maybe a quote left alone after a space (FLORES writes
# 'kata dia. "'); then, looked at but not consumed: whitespace, opening quotes or brackets, a word.
_CANDIDATE = re.compile(
    rf"(?<![{_T}])(?P<punct>[{_T}]++)(?P<closers>[{re.escape(_CLOSERS)}]*+(?:[^\S{_NL}]++[{re.escape(_QUOTES)}])?)"
    rf"(?=(?P<space>\s+|$)(?P<opener>[{re.escape(_OPENERS)}]*)(?P<word>\w*))"
)
_INITIALS = re.compile(r"[A-Z](?:\.[A-Z])*")  # S, A.A, K.H, U.S
_DOTTED = re.compile(r"[A-Za-z]{1,2}(?:\.[A-Za-z]{1,3})+")  # S.Pd, M.Sc, Ph.D (with a capital)
_WINDOW = 40  # characters looked at before a candidate; longer tokens are never abbreviations


@dataclass(frozen=True)
class _Rules:
    kinds: dict[str, str]  # abbreviation -> "title" | "number" | "final" | "other"
    starters: frozenset[str]
    starter_endings: tuple[str, ...]  # "-nya" in the data file: any word ending in "nya"

    def starts_sentence(self, word: str) -> bool:
        return word in self.starters or (word[:1].isupper() and word.endswith(self.starter_endings))


def segment(text: str, lang: str = "id") -> list[Segment]:
    """Split ``text`` into sentences, headlines and bylines with offsets into ``text``.

    Paragraphs (blocks separated by blank lines) are numbered from 0; every segment is stripped of
    surrounding whitespace and ``text[start:end] == segment.text``. Raises UserError for a language
    other than "id" or "en".
    """
    rules = _rules(lang)
    segments = []
    for paragraph, (p_start, p_end) in enumerate(_paragraphs(text)):
        for b_start, b_end in _blocks(text, p_start, p_end):
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


def _rules(lang: str) -> _Rules:
    if lang not in LANGUAGES:
        raise UserError(f"unsupported language {lang!r} for segmentation: use one of {', '.join(LANGUAGES)}")
    return _load_rules(lang)


@cache
def _load_rules(lang: str) -> _Rules:
    kinds: dict[str, str] = {}
    starters: set[str] = set()
    section = ""
    for line in (_DATA / f"abbreviations_{lang}.txt").read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word.startswith("["):
            section = word.strip("[]")
        elif word and section == "starters":
            starters.add(word)
        elif word:
            kinds[word] = section
    endings = tuple(word[1:] for word in starters if word.startswith("-"))
    return _Rules(kinds, frozenset(starters), endings)


def _paragraphs(text: str):
    """Yield the stripped, non-empty spans of ``text`` between blank lines."""
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        yield from _strip(text, start, match.start())
        start = match.end()
    yield from _strip(text, start, len(text))


def _strip(text: str, start: int, end: int):
    """Yield text[start:end] without surrounding whitespace as a span, unless nothing is left."""
    piece = text[start:end]
    stripped = piece.lstrip()
    if stripped:
        start += len(piece) - len(stripped)
        yield start, start + len(stripped.rstrip())


def _blocks(text: str, start: int, end: int):
    """Yield the runs of lines in a paragraph, ending a run after a line without final punctuation."""
    for match in _NEWLINE.finditer(text, start, end):
        line_end = text[max(start, match.start() - _WINDOW) : match.start()].rstrip()
        last = line_end.rstrip(_CLOSERS)[-1:] or line_end[-1:]
        continues = (last and last in _TERMINALS + ",;") or text[match.end()].islower()
        if not continues:
            yield from _strip(text, start, match.start())
            start = match.end()
    yield from _strip(text, start, end)


def _sentences(text: str, start: int, end: int, rules: _Rules):
    """Yield the sentence spans of one run of lines, text[start:end] (already stripped)."""
    for candidate in _CANDIDATE.finditer(text, start, end):
        if candidate.end() == end:
            break
        if _is_boundary(text, start, candidate, rules):
            yield start, candidate.end()
            start = candidate.end("space")
    yield start, end


def _is_boundary(text: str, block_start: int, candidate: re.Match[str], rules: _Rules) -> bool:
    """Whether the terminal punctuation ``candidate`` ends a sentence, given the word after it."""
    punct, closers, space, opener, word = candidate.groups()
    first = word[:1]
    if not _STRONG.isdisjoint(punct):  # "Apa kabar?" tanyanya: a speech tag continues it
        return not first.islower()
    if len(punct) > 1 or punct == "…":  # an ellipsis ends a sentence only before a capital
        return first.isupper()

    token, kind = _token_before(text, block_start, candidate.start(), rules)
    if first.islower():  # "dll. yang", "a.m. on"; after a plain word, a sentence begun in lower case
        return kind is None and not closers and len(token) >= 4 and token.isalpha() and not token.isupper()
    if kind == "title":
        return False
    if kind == "number":
        return not first.isdigit()
    if kind == "final":
        return first.isupper()
    if kind == "other":  # Tbk., U.S., a.m., initials: only before a word that opens sentences
        return rules.starts_sentence(word) or (
            first.isupper() and ((opener and opener[0] in _QUOTES) or _HAS_NEWLINE.search(space) is not None)
        )
    return True


def _token_before(text: str, block_start: int, pos: int, rules: _Rules) -> tuple[str, str | None]:
    """The word that ends at ``pos`` (without opening quotes) and its abbreviation kind, if any."""
    window = text[max(block_start, pos - _WINDOW) : pos]
    raw = window.rsplit(None, 1)[-1] if window and not window[-1].isspace() else ""
    token = raw.lstrip(_OPENERS)
    kind = rules.kinds.get(token)
    if kind is None and token.isupper() and len(token) > 1:  # PROF., JL.
        kind = rules.kinds.get(token.capitalize())
    if kind is None and (len(token) == 1 or "." in token):
        if _INITIALS.fullmatch(token) or (_DOTTED.fullmatch(token) and not token.islower()):
            kind = "other"
    if kind is None and token.isdecimal() and len(token) <= 3 and _starts_line(text, block_start, pos - len(raw)):
        kind = "title"  # "1." opening a list item
    return token, kind


def _starts_line(text: str, block_start: int, pos: int) -> bool:
    """Whether only whitespace stands between the start of its line and ``pos``."""
    head = text[max(block_start, pos - _WINDOW) : pos]
    before, newline, line = head.rpartition("\n")
    return not line.strip() and bool(newline or pos - len(head) == block_start)
