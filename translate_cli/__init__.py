"""translate-cli: segment, translate, align and score Indonesian articles into English.

The Python API: the same stages and result objects the command line uses.

    import translate_cli as tc

    translator = tc.load_translator("opus-mt")      # alias, hub id or model folder; None: the default
    english = tc.translate_text("Selamat pagi.", translator)
    tc.translate_document("laporan.docx", translator=translator)  # writes laporan.en.docx beside it
    text = tc.read_article("article.id.txt")          # a document's text too (.md, .html, .docx, .srt)
    result = tc.translate_article("article", text, translator, reference_text=None)
    tc.write_outputs(result, "out/article")          # .en.txt, .tsv, .jsonl, .tmx, .md, .html
    scores = tc.score_texts(hypothesis_text, reference_text)

Names are imported on first use, so ``import translate_cli`` (and the CLI's start) stays fast;
``segment_text`` and ``align_sentences`` are ``segment.segment`` and ``align.align``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from translate_cli.version import VERSION as __version__

# public name -> the module defining it (under the name in _RENAMED where that differs)
_EXPORTS = {
    # data
    "Segment": "records", "Bead": "records", "Scores": "records", "AlignedRow": "records",
    "TranslationResult": "records", "UserError": "errors", "Interrupted": "errors",
    # stages
    "segment_text": "segment", "align_sentences": "align", "read_article": "pipeline", "translate_article": "pipeline",
    "translate_text": "api", "translate_document": "api",
    "load_translator": "translate", "Translator": "translate", "open_translator": "engines", "ModelOptions": "engines",
    "score_texts": "score", "score_corpus": "score", "ScoreOptions": "score", "sentence_chrf": "score",
    "write_outputs": "formats", "run_batch": "batch", "compare_runs": "compare", "resolve_model": "models",
    "Finding": "records", "CheckedText": "checks", "check_pair": "checks", "check_pairs": "checks",
    "check_texts": "checks",
}
_RENAMED = {"segment_text": "segment", "align_sentences": "align"}  # the modules keep the plain names
__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from translate_cli.align import align as align_sentences
    from translate_cli.api import translate_document, translate_text
    from translate_cli.batch import run_batch
    from translate_cli.checks import CheckedText, check_pair, check_pairs, check_texts
    from translate_cli.compare import compare_runs
    from translate_cli.engines import ModelOptions, open_translator
    from translate_cli.errors import Interrupted, UserError
    from translate_cli.formats import write_outputs
    from translate_cli.models import resolve_model
    from translate_cli.pipeline import read_article, translate_article
    from translate_cli.records import AlignedRow, Bead, Finding, Scores, Segment, TranslationResult
    from translate_cli.score import ScoreOptions, score_corpus, score_texts, sentence_chrf
    from translate_cli.segment import segment as segment_text
    from translate_cli.translate import Translator, load_translator


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'translate_cli' has no attribute {name!r}")
    value = getattr(import_module(f"translate_cli.{_EXPORTS[name]}"), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
