"""The Python API's one-call translations: a text in, its English out; a document file in, its translated copy
out. They run the stages ``translate`` runs (``pipeline``, ``documents``) and give what it writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from translate_cli.documents import render_document
from translate_cli.formats import atomic_write_chunks, ensure_folder, refuse_replacing_inputs
from translate_cli.layout import output_names
from translate_cli.pipeline import article_name, join_target, read_input, source_segments, target_segments
from translate_cli.records import Segment, SentenceTranslator


def translate_text(text: str, translator: SentenceTranslator | str | None = None, *,
                   presegmented: bool = False) -> str:
    """Indonesian ``text`` in English, paragraph for paragraph (line for line when ``presegmented``), as
    ``translate -o -`` prints it. ``translator`` is a loaded one (``load_translator``, ``open_translator``)
    or a model name as ``--model`` takes it (None: the default model), then loaded for this call."""
    source = source_segments(text, presegmented)
    return join_target(_translated(source, translator, presegmented), presegmented)


def translate_document(path: Path | str, output: Path | str | None = None,
                       translator: SentenceTranslator | str | None = None,
                       notice: Callable[[str], None] | None = None) -> Path:
    """Translate a file (plain text, .md, .html/.htm, .docx or .srt) into a copy in its own format, written
    to ``output`` (default: ``STEM.en.SUFFIX`` beside it, as ``translate`` names it; folders created) and
    returned.

    ``translator`` as for :func:`translate_text`; ``notice`` gets what reading and the format say (a
    Windows-1252 file, subtitles too fast to read). Raises UserError for a bad file, or an ``output``
    that would replace ``path``."""
    path = Path(path)
    text, document = read_input(path, notice)
    suffix = document.suffix if document else None
    target = Path(output) if output is not None else path.with_name(output_names(article_name(path.name), suffix)[0])
    refuse_replacing_inputs([target], [path])
    ensure_folder(target.parent)
    translated = _translated(source_segments(text, document=document), translator)
    atomic_write_chunks(target, [render_document(document, translated, notice) if document else
                                 join_target(translated)])
    return target


def _translated(source: Sequence[Segment], translator: SentenceTranslator | str | None,
                lines: bool = False) -> list[Segment]:
    if translator is None or isinstance(translator, str):
        from translate_cli.translate import load_translator

        translator = load_translator(translator)
    return target_segments(source, translator.translate([s.text for s in source]), lines)
