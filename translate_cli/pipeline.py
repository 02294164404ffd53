"""One article through the stages: read -> segment -> translate -> align with a reference -> score.

Reading is strict about bad input (missing, empty, binary, undecodable, not Indonesian) and says what is
wrong in one line; the stages themselves live in their own modules. Documents (.html, .docx, .srt, .md)
are read into blocks by ``translate_cli.documents`` and segmented block by block.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from translate_cli.documents import FORMATS, Block, Document, read_document
from translate_cli.documents.srt_format import is_subrip
from translate_cli.errors import UserError
from translate_cli.records import AlignedRow, Bead, Segment, SentenceTranslator, TranslationResult
from translate_cli.segment import segment
from translate_cli.textfile import MAX_BYTES, decode

# Frequent function words; a text is called Indonesian when they outnumber the English ones.
INDONESIAN_WORDS = frozenset(
    "yang dan di ke dari ini itu dengan untuk pada adalah tidak dalam akan juga oleh sebagai karena atau"
    " bahwa ada mereka kami kita saya telah sudah bisa dapat tersebut para setelah kata lebih orang hanya"
    " secara namun belum masih serta antara kepada tahun saat ia dia sejak menjadi bagi agar sangat".split())
ENGLISH_WORDS = frozenset(
    "the and of to in is that for it was on with as are be by this have from or at not but his they an"
    " which were been has their said would will she he its who there we you had them after into than".split())
WORD = re.compile(r"[^\W\d_]+")


def read_article(path: Path | str, notice: Callable[[str], None] | None = None, suffix: str | None = None) -> str:
    """The text of an article file (``-`` for stdin): a document's blocks one paragraph each, plain text
    as it is (the first of :func:`read_input`'s pair)."""
    return read_input(path, notice, suffix)[0]


def read_plain(path: Path | str, notice: Callable[[str], None] | None = None) -> str:
    """Read a text file (``-`` for stdin) with the checks of :func:`decode`.

    At most MAX_BYTES are read from any file, device, FIFO or stdin; a FIFO without a writer reads as empty.
    """
    if str(path) == "-":
        return decode(read_limited(sys.stdin.buffer, "<stdin>"), "<stdin>", notice)
    return decode(read_bytes(Path(path)), str(path), notice)


def read_input(path: Path | str, notice: Callable[[str], None] | None = None,
               suffix: str | None = None) -> tuple[str, Document | None]:
    """An article's text and, for a document format (.html/.htm, .docx, .srt, .md), the document read
    into blocks, whose text is one paragraph per block; plain text gives no document. ``suffix`` names
    the format where the file's own suffix does not; stdin without it is plain text, or SubRip
    subtitles when it starts as they do (with a notice)."""
    stdin = str(path) == "-"
    data = read_limited(sys.stdin.buffer, "<stdin>") if stdin else None
    if data is not None and suffix is None and is_subrip(data):
        suffix = ".srt"
        if notice:
            notice("<stdin>: read as SubRip subtitles (--format txt reads it as plain text)")
    suffix = suffix or (None if stdin else Path(path).suffix.lower())
    if suffix not in FORMATS:
        return (decode(data, "<stdin>", notice) if data is not None else read_plain(path, notice)), None
    if data is None:
        data = read_bytes(Path(path))
    document = read_document("<stdin>" if stdin else path, data, notice, suffix)
    return document.text, document


def read_bytes(path: Path) -> bytes:
    """The bytes of a file (at most MAX_BYTES, from a file, device or FIFO); UserError when it cannot be read."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except OSError as error:
        raise UserError(f"{path}: cannot be read ({error.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise UserError(f"{path}: is a folder, not a file")
    if info.st_size > MAX_BYTES:
        raise UserError(_too_large(path))
    try:
        # O_NONBLOCK: opening a FIFO that has no writer returns at once instead of waiting for one
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as handle:
            return read_limited(handle, str(path))
    except OSError as error:
        raise UserError(f"{path}: cannot be read ({error.strerror})") from None


def read_limited(handle: BinaryIO, name: str, limit: int = MAX_BYTES) -> bytes:
    """Read ``handle`` to its end, refusing (UserError) as soon as more than ``limit`` bytes arrive."""
    chunks, size = [], 0
    while chunk := handle.read(min(2**20, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise UserError(_too_large(name, limit))
    return b"".join(chunks)


def _too_large(name: Path | str, limit: int = MAX_BYTES) -> str:
    return f"{name}: larger than {limit // 2**20} MB; split it into articles"


def article_name(filename: str) -> str:
    """The output stem of an article: its file name without suffix and ``.id`` tag (``b.id.txt`` -> ``b``);
    never empty, ``.`` or ``..``, so outputs stay inside their folder."""
    stem = Path(filename).stem.removesuffix(".id") or Path(filename).stem
    return "article" if stem.strip(".") == "" else stem


def check_indonesian(text: str, name: str) -> None:
    """Refuse text whose function words are mostly English (or absent), e.g. a reference passed as source."""
    words = [w.lower() for w in WORD.findall(text[:20000])]
    indonesian = sum(w in INDONESIAN_WORDS for w in words)
    english = sum(w in ENGLISH_WORDS for w in words)
    if len(words) >= 12 and indonesian <= english and (english > 0 or len(words) >= 40):
        raise UserError(f"{name}: does not look like Indonesian text ({indonesian} Indonesian vs {english} "
                        "English function words); use --force to translate it anyway")


def target_segments(source: Sequence[Segment], translations: Sequence[str], lines: bool = False) -> list[Segment]:
    """Translated sentences laid out like the source, with offsets into the ``.en.txt`` text.

    Paragraph layout: a space between sentences, a blank line between paragraphs. Line layout (``lines``,
    for presegmented input, where ``paragraph`` is the line number): one line per input line, empty input
    lines kept in place, so the output pairs line by line with the input and its reference.
    """
    segments, previous = [], None
    offset = source[0].paragraph if lines and source else 0  # empty lines before the first segment
    for src, text in zip(source, translations):
        if previous is not None:
            offset += len(_separator(previous, src.paragraph, lines))
        segments.append(Segment(text, src.paragraph, offset, offset + len(text)))
        offset += len(text)
        previous = src.paragraph
    return segments


def _separator(previous: int, paragraph: int, lines: bool) -> str:
    if lines:
        return "\n" * (paragraph - previous)
    return "\n\n" if paragraph != previous else " "


def join_target(segments: Sequence[Segment], lines: bool = False) -> str:
    """The text that :func:`target_segments` laid out (ending in a newline)."""
    if not segments:
        return ""
    parts = ["\n" * segments[0].paragraph if lines else ""]
    for previous, seg in zip([None, *segments], segments):
        if previous is not None:
            parts.append(_separator(previous.paragraph, seg.paragraph, lines))
        parts.append(seg.text)
    return "".join(parts) + "\n"


def build_result(name: str, source: list[Segment], translations: list[str], model: str, seconds: float,
                 reference_text: str | None = None, lines: bool = False,
                 confidences: Sequence[float | None] = (), repaired: Sequence[bool] = ()) -> TranslationResult:
    """Rows and scores for a translated article.

    With a reference, the scores are those of ``score.score_texts`` on the written translation (the
    ``.en.txt`` text) and the reference, as every command computes them; the rows pair the source
    sentences with the reference sentences aligned to them by :func:`align_text`, the beads that
    ``align SOURCE REFERENCE`` prints with the same translation, so the reference may be split
    differently from the source. A presegmented reference whose lines pair with the translation's
    (sacrebleu's line by line) is paired line for line. ``confidences`` are the model's, one per source
    sentence (:func:`model_confidences`), or none; ``repaired`` says, per source sentence, whether its
    translation is a repair (:func:`model_repairs`), or is empty.
    """
    target = target_segments(source, translations, lines)
    if reference_text is None:
        rows = [AlignedRow((i,), (i,), 1.0, s.text, t.text) for i, (s, t) in enumerate(zip(source, target))]
        return TranslationResult(name, source, target, with_checks(with_repairs(rows, repaired), confidences), model,
                                 seconds, lines=lines)
    from translate_cli.score import pair_texts, score_segments, segments_of, sentence_chrf

    pairing = pair_texts(join_target(target, lines), reference_text)
    scored = segments_of(pairing)
    if pairing.by_line and lines:  # line number p of the translation is line p of the reference
        reference = pairing.ref
        beads = [Bead((k,), (seg.paragraph,), 1.0) for k, seg in enumerate(source)]
    else:
        reference, beads = align_text([s.text for s in source], reference_text, translations, presegmented=lines)
    rows = [row_for_bead(bead, source, translations, reference, sentence_chrf) for bead in beads]
    return TranslationResult(name, source, target, with_checks(with_repairs(rows, repaired), confidences), model,
                             seconds,
                             score_segments(scored, not pairing.by_line), lines=lines,
                             scored=tuple(zip(scored.hyps, scored.refs)))


def align_text(source: Sequence[str], text: str, translation: Sequence[str] | None = None, *, lang: str = "en",
               presegmented: bool = False, method: str = "auto") -> tuple[list[str], list[Bead]]:
    """The sentences of ``text`` (in ``lang``; one per non-blank line when ``presegmented``) and the beads
    that align the ``source`` sentences with them, ``translation`` (the source in ``lang``) as evidence.

    The one alignment of an article with its reference or translation: ``align`` prints these beads and
    the article's rows (TSV, JSONL, TMX, Markdown, HTML) are made of them.
    """
    from translate_cli.align import align

    sentences = sentence_texts(text, lang, presegmented)
    return sentences, align(source, sentences, src_translation=translation, method=method)


def sentence_texts(text: str, lang: str, presegmented: bool = False) -> list[str]:
    """The sentences of ``text`` in ``lang``, or its non-blank lines when ``presegmented``."""
    return [s.text for s in (lines_as_segments(text) if presegmented else segment(text, lang))]


def with_checks(rows: list[AlignedRow], confidences: Sequence[float | None] = ()) -> list[AlignedRow]:
    """The rows with their confidence (the mean of their source sentences' ``confidences``, when given) and
    the findings of the translation checks (``checks.check_pairs``, over the whole article)."""
    from translate_cli.checks import check_pairs

    if confidences:
        rows = [replace(row, confidence=mean_confidence([confidences[i] for i in row.src])) for row in rows]
    findings = check_pairs([row.src_text for row in rows], [row.tgt_text for row in rows],
                           [row.confidence for row in rows])
    return [replace(row, flags=tuple(found)) for row, found in zip(rows, findings)]


def with_repairs(rows: list[AlignedRow], repaired: Sequence[bool]) -> list[AlignedRow]:
    """The rows marked ``repaired`` where a source sentence of theirs was (``repaired``: one per sentence, or
    empty)."""
    return [replace(row, repaired=any(repaired[i] for i in row.src)) for row in rows] if repaired else rows


def mean_confidence(values: Sequence[float | None]) -> float | None:
    """The mean of the known confidences, or None when none is known."""
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def model_confidences(translator: SentenceTranslator, sentences: Sequence[str]) -> list[float | None]:
    """Each sentence's confidence from a translator that keeps them (``translate.Translator.confidence``,
    ``ray_engine.RayTranslator.confidence``), after it translated them; none from one that does not
    (stand-ins)."""
    confidence = getattr(translator, "confidence", None)
    return [confidence(s) for s in sentences] if callable(confidence) else []


def model_repairs(translator: SentenceTranslator, source: Sequence[Segment]) -> list[bool]:
    """Whether each sentence's translation is a repair, from a translator that says so (``repaired``, as
    ``translate.Translator`` and ``ray_engine.RayTranslator`` do) after it translated them; none otherwise."""
    repaired = getattr(translator, "repaired", None)
    return [repaired(s.text) for s in source] if callable(repaired) else []


def row_for_bead(bead: Bead, source: Sequence[Segment], translations: Sequence[str], reference: Sequence[str],
                 chrf: Callable[[str, str], float]) -> AlignedRow:
    """One output row: source/translation sentences of a bead (ids shared, one translation per source
    sentence) with the reference sentences aligned to them."""
    src_text = " ".join(source[i].text for i in bead.src)
    tgt_text = " ".join(translations[i] for i in bead.src)
    ref_text = " ".join(reference[j] for j in bead.tgt)
    score = chrf(tgt_text, ref_text) if bead.src and bead.tgt else 0.0
    return AlignedRow(bead.src, bead.src, bead.score, src_text, tgt_text, ref_text, score, bead.tgt)


def segment_blocks(blocks: Sequence[Block], lang: str = "id") -> list[Segment]:
    """Each block's sentences (in ``lang``), numbered by block (``paragraph`` = block index), with offsets
    into the blocks' text joined by blank lines (``Document.text``)."""
    segments, offset = [], 0
    for index, block in enumerate(blocks):
        segments += [Segment(s.text, index, offset + s.start, offset + s.end) for s in segment(block.text, lang)]
        offset += len(block.text) + 2
    return segments


def lines_as_segments(text: str) -> list[Segment]:
    """One segment per non-blank line, for text that is already segmented; ``paragraph`` is the line number."""
    segments, offset = [], 0
    for number, line in enumerate(text.splitlines(keepends=True)):
        stripped = line.strip()
        if stripped:
            start = offset + line.index(stripped)
            segments.append(Segment(stripped, number, start, start + len(stripped)))
        offset += len(line)
    return segments


def source_segments(text: str, presegmented: bool = False, document: Document | None = None,
                    lang: str = "id") -> list[Segment]:
    """The article's sentences (in ``lang``): a document's block by block, else segmented, or one per line
    for presegmented input."""
    if document is not None:
        if presegmented:
            raise UserError(f"{document.name}: --presegmented applies to plain text, not to {document.suffix} files")
        return segment_blocks(document.blocks, lang)
    return lines_as_segments(text) if presegmented else segment(text, lang)


FIRST_CHUNK = 8  # sentences in the first piece streamed: the first paragraph shows at once


def stream_text(source: Sequence[Segment], translator: SentenceTranslator, lines: bool = False,
                progress: Callable[[int], None] | None = None, first: int = FIRST_CHUNK,
                most: int = 256) -> Iterator[str]:
    """The translation's text (:func:`join_target` of the whole, exactly) in pieces, as chunks of sentences in
    document order are translated: the first chunk of ``first`` sentences, so the first paragraph shows at
    once, then each twice the last, up to ``most``. Memory stays within a chunk; a sentence's translation does
    not depend on its chunk (see ``translate.Translator``)."""
    previous: int | None = None
    start, size = 0, first
    while start < len(source):
        chunk = source[start:start + size]
        parts = []
        for sentence, text in zip(chunk, translator.translate([s.text for s in chunk], progress=progress)):
            lead = ("\n" * sentence.paragraph if lines else "") if previous is None else _separator(
                previous, sentence.paragraph, lines)
            parts += [lead, text]
            previous = sentence.paragraph
        yield "".join(parts)
        start, size = start + size, min(2 * size, most)
    if source:
        yield "\n"


def translate_segments(name: str, source: list[Segment], translator: SentenceTranslator,
                       reference_text: str | None = None, progress: Callable[[int], None] | None = None,
                       lines: bool = False) -> TranslationResult:
    """Translate the segments and (with a reference) align and score them; ``progress(n)`` counts sentences."""
    started = time.perf_counter()
    translations = translator.translate([s.text for s in source], progress=progress)
    seconds = time.perf_counter() - started
    return build_result(name, source, translations, translator.label, seconds, reference_text, lines,
                        model_confidences(translator, [s.text for s in source]), model_repairs(translator, source))


def translate_article(name: str, text: str, translator: SentenceTranslator,
                      reference_text: str | None = None, progress: Callable[[int], None] | None = None,
                      presegmented: bool = False, document: Document | None = None) -> TranslationResult:
    """Segment (a document by block; plain text as is, or one segment per line), translate and (with a
    reference) align and score one article."""
    return translate_segments(name, source_segments(text, presegmented, document), translator, reference_text,
                              progress, presegmented)
