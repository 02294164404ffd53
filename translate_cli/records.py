"""Plain dataclasses shared by every stage: data flows segment -> translate -> align -> score; and the
interface every translator has (:class:`SentenceTranslator`), which the pipeline and batch receive."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

# align.align's methods, as the CLI takes them: here, not in align, so that the CLI's start-up imports no numpy
Method = Literal["auto", "length", "tokens", "translation"]


@runtime_checkable
class SentenceTranslator(Protocol):
    """What the pipeline, batch and the Ray driver need of a translator: ``translate.Translator`` (a local
    model through transformers or CTranslate2) and ``ray_engine.RayTranslator`` (Ray workers) are ones.

    ``identity`` names the model, its version and every setting a translation depends on (the batch cache's
    key: a sentence's translation depends only on the sentence and the identity); ``label`` says the same
    for people. ``translate`` returns one translation per sentence, in order, telling ``progress(n)`` as n
    more are done and giving ``on_translated`` each finished batch as (index, translation) pairs.
    """

    identity: str
    label: str

    def translate(self, sentences: Sequence[str], progress: Callable[[int], None] | None = None,
                  on_translated: Callable[[list[tuple[int, str]]], None] | None = None) -> list[str]: ...


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


@dataclass(frozen=True)
class Scores:
    """Corpus scores of a hypothesis against a reference, with sacrebleu signatures.

    ``ref_segments`` counts reference segments, ``matched`` those that received some hypothesis text
    after alignment, and ``coverage`` the share of hypothesis sentences inside the part the reference
    covers (below 1.0 for a partial reference). ``resegmented`` says whether the hypothesis was regrouped
    to the reference's sentences because the lines did not correspond; ``inserted`` counts hypothesis
    sentences without a reference partner inside that part and ``missing`` reference sentences without
    a hypothesis partner (both are scored). ``ci`` holds 95% bootstrap intervals when they were asked for.
    A metric that was not asked for is None. ``words`` says that sentence alignment found little and the
    hypothesis words were re-split to the reference's sentences instead (``score.resegment_words``);
    ``ter_skipped`` why TER was left out (a segment too long for it), else empty.
    """

    bleu: float | None
    chrf: float | None
    chrfpp: float | None
    ter: float | None
    signatures: dict[str, str]
    ref_segments: int
    matched: int
    coverage: float
    resegmented: bool
    inserted: int = 0
    missing: int = 0
    ci: dict[str, float] = field(default_factory=dict)
    words: bool = False
    ter_skipped: str = ""


@dataclass(frozen=True)
class Finding:
    """One translation check that fired on a sentence (``checks.CODES``) and a one-line reason."""

    code: str
    reason: str


@dataclass(frozen=True)
class AlignedRow:
    """One row of the bitext: source and target sentence ids (0-based, document order) and texts.

    ``score`` is the alignment score; with a reference, ``ref`` lists the reference sentence ids aligned
    to this row, ``ref_text`` their text and ``chrf`` the sentence-level chrF of ``tgt_text`` against them.
    ``flags`` are the translation checks that fired on the row (``checks.check_pairs``); ``confidence`` is
    the model's length-normalised log-probability of the row's translation (``translate.Translator.confidence``,
    the mean of its sentences'), None when no model translated it here; ``repaired`` says that a sentence of the
    row was translated a second time because its first translation failed a check (``translate.Translator``).
    """

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float
    src_text: str
    tgt_text: str
    ref_text: str | None = None
    chrf: float | None = None
    ref: tuple[int, ...] = ()
    flags: tuple[Finding, ...] = ()
    confidence: float | None = None
    repaired: bool = False


@dataclass(frozen=True)
class TranslationResult:
    """Everything one translated article produces; the formats module writes it out.

    ``lines`` is true for presegmented input: one segment per line, ``Segment.paragraph`` the line number,
    and the translation written one line per input line. ``scored`` holds the (hypothesis, reference)
    segments the scores were computed on.
    """

    name: str
    source: list[Segment]
    target: list[Segment]
    rows: list[AlignedRow]
    model: str
    seconds: float
    scores: Scores | None = None
    lines: bool = False
    scored: tuple[tuple[str, str], ...] = ()
