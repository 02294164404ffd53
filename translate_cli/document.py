"""Plain dataclasses shared by every stage: data flows segment -> translate -> align -> score."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    """One sentence (or headline, byline, quote) of a document.

    ``start``/``end`` are character offsets into the original text, so ``text == original[start:end]``
    with surrounding whitespace stripped; ``paragraph`` is the 0-based paragraph index.
    """

    text: str
    paragraph: int
    start: int
    end: int


@dataclass(frozen=True)
class Bead:
    """One alignment unit: 0-based sentence indices on each side (empty for 1-0 / 0-1) and a score."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float
