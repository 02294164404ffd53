"""The ``translate-cli`` command line: thin wrappers around the stage modules.

Exit codes: 0 success, 1 a user error (one line on stderr, no traceback), 2 wrong usage.
Heavy libraries (torch, transformers, sacrebleu) are imported inside the commands that need them.
"""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from translate_cli import __version__
from translate_cli.errors import UserError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Translate Indonesian articles into English and judge the result.",
)


class Lang(str, Enum):
    id = "id"
    en = "en"


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"
    mps = "mps"


class Backend(str, Enum):
    auto = "auto"
    transformers = "transformers"
    ctranslate2 = "ctranslate2"


class Method(str, Enum):
    auto = "auto"
    length = "length"
    translation = "translation"


class Format(str, Enum):
    tsv = "tsv"
    jsonl = "jsonl"


ModelOption = Annotated[Optional[list[str]], typer.Option(
    "--model", "-m", help="alias, hub id or local folder; repeat to run several models")]
BeamOption = Annotated[int, typer.Option(min=1, max=16, help="beam size")]
BatchOption = Annotated[int, typer.Option("--batch-size", min=1, help="sentences per batch (upper bound)")]
DeviceOption = Annotated[Device, typer.Option(help="where to run the model")]
BackendOption = Annotated[Backend, typer.Option(help="inference engine (auto: CTranslate2 when available)")]


def notice(message: str) -> None:
    """A one-line notice on stderr."""
    print(f"notice: {message}", file=sys.stderr)


def load(model: str | None, device: Device, beam: int, batch_size: int, backend: Backend):
    """Resolve a model name and load its translator."""
    from translate_cli.models import resolve_model
    from translate_cli.translate import load_translator

    spec = resolve_model(model)
    try:
        return load_translator(spec, device=device.value, beam=beam, batch_size=batch_size,
                               backend=backend.value)
    except UserError as error:
        if model is None and spec.name != "embedded" and not os.environ.get("TRANSLATE_CLI_MODEL"):
            raise UserError(f"{error} (no --model given and the embedded model in models/ is not "
                            "installed: `make model` builds it)") from None
        raise


def version_callback(value: bool) -> None:
    if value:
        print(f"translate-cli {__version__}")
        raise typer.Exit()


@app.callback()
def common(version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                                 help="print the version and exit")] = False) -> None:
    """Translate Indonesian articles into English and judge the result."""


@app.command("segment")
def segment_command(
    file: Annotated[str, typer.Argument(help="text file, or - for stdin")],
    lang: Annotated[Lang, typer.Option(help="language of the text")] = Lang.id,
) -> None:
    """Split a text into sentences: one per line, a blank line between paragraphs."""
    from translate_cli.pipeline import read_article
    from translate_cli.segment import format_segments, segment

    text = read_article(file, notice)
    sys.stdout.write(format_segments(segment(text, lang.value)))


@app.command("translate")
def translate_command(
    file: Annotated[Path, typer.Argument(help="Indonesian article (plain text or Markdown)")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="output folder [default: out/<stem>]")] = None,
    model: ModelOption = None,
    reference: Annotated[Optional[Path], typer.Option("--reference", "-r", help="human English translation to score against")] = None,
    beam: BeamOption = 4,
    batch_size: BatchOption = 32,
    device: DeviceOption = Device.auto,
    backend: BackendOption = Backend.auto,
    force: Annotated[bool, typer.Option(help="translate even if the text does not look Indonesian")] = False,
    presegmented: Annotated[bool, typer.Option(help="one segment per line; do not re-split (test sets)")] = False,
) -> None:
    """Translate one article; write the translation, bitext (TSV, JSONL, TMX, Markdown, HTML) and scores."""
    from translate_cli.batch import model_slug
    from translate_cli.formats import ensure_folder, write_outputs
    from translate_cli.pipeline import article_name, check_indonesian, read_article, translate_article

    text = read_article(file, notice)
    if not force:
        check_indonesian(text, str(file))
    reference_text = read_article(reference, notice) if reference else None
    stem = article_name(file.name)
    outdir = output or Path("out") / stem
    models = model or [None]
    for name in models:
        target_dir = outdir / model_slug(name) if len(models) > 1 else outdir
        ensure_folder(target_dir)
        translator = load(name, device, beam, batch_size, backend)
        result = translate_article(stem, text, translator, reference_text, presegmented=presegmented)
        written = write_outputs(result, target_dir)
        print_summary(result, written)


def print_summary(result, written: list[Path]) -> None:
    """A short rich table of what one translation produced."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{result.name}", show_header=False, box=None)
    n = len(result.source)
    table.add_row("model", result.model)
    table.add_row("sentences", str(n))
    table.add_row("time", f"{result.seconds:.1f} s ({n / max(result.seconds, 1e-9):.1f} sentences/s)")
    if result.scores:
        s = result.scores
        table.add_row("BLEU / chrF / chrF++ / TER", f"{s.bleu:.1f} / {s.chrf:.1f} / {s.chrfpp:.1f} / {s.ter:.1f}")
        table.add_row("reference", f"{s.matched}/{s.ref_segments} segments matched, coverage {s.coverage:.0%}")
    table.add_row("outputs", str(written[0].parent) if written else "-")
    Console(highlight=False).print(table)


@app.command("align")
def align_command(
    src: Annotated[str, typer.Argument(help="source text (Indonesian by default)")],
    tgt: Annotated[str, typer.Argument(help="target text (English by default)")],
    presegmented: Annotated[bool, typer.Option(help="one segment per line; do not re-split")] = False,
    src_lang: Annotated[Lang, typer.Option(help="language of SRC")] = Lang.id,
    tgt_lang: Annotated[Lang, typer.Option(help="language of TGT")] = Lang.en,
    method: Annotated[Method, typer.Option(help="length: no model; translation: translate SRC to compare")] = Method.auto,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="model for --method translation")] = None,
    output_format: Annotated[Format, typer.Option("--format", help="output format")] = Format.tsv,
) -> None:
    """Align the sentences of two texts; print the beads (1-1, 1-2, 2-1, 1-0, 0-1, ...)."""
    from translate_cli.align import align
    from translate_cli.models import is_available, resolve_model
    from translate_cli.pipeline import read_article
    from translate_cli.segment import segment

    def sentences(path: str, lang: Lang) -> list[str]:
        text = read_article(path, notice)
        if presegmented:
            return [line.strip() for line in text.splitlines() if line.strip()]
        return [s.text for s in segment(text, lang.value)]

    source, target = sentences(src, src_lang), sentences(tgt, tgt_lang)
    translation = None
    wants_model = method == Method.translation or (
        method == Method.auto and (model is not None or is_available(resolve_model(None))))
    if wants_model:
        translation = source if src_lang == tgt_lang else load(
            model, Device.auto, 4, 32, Backend.auto).translate(source)
    beads = align(source, target, src_translation=translation,
                  method=method.value if method != Method.auto else ("translation" if translation else "length"))
    for bead in beads:
        row = {"src": list(bead.src), "tgt": list(bead.tgt), "score": round(bead.score, 4),
               "src_text": " ".join(source[i] for i in bead.src),
               "tgt_text": " ".join(target[j] for j in bead.tgt)}
        if output_format == Format.jsonl:
            print(json.dumps(row, ensure_ascii=False))
        else:
            print("\t".join([",".join(map(str, row["src"])), ",".join(map(str, row["tgt"])), f"{row['score']:.4f}",
                             row["src_text"].replace("\t", " "), row["tgt_text"].replace("\t", " ")]))


@app.command("score")
def score_command(
    hyp: Annotated[str, typer.Argument(help="system output")],
    ref: Annotated[str, typer.Argument(help="human reference")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Corpus BLEU, chrF, chrF++ and TER; aligns first when the files' lines do not correspond."""
    from dataclasses import asdict

    from translate_cli.pipeline import read_article
    from translate_cli.score import score_corpus, score_document
    from translate_cli.segment import segment

    hyp_lines = [line.strip() for line in read_article(hyp, notice).splitlines() if line.strip()]
    ref_lines = [line.strip() for line in read_article(ref, notice).splitlines() if line.strip()]
    if len(hyp_lines) == len(ref_lines):
        scores = score_corpus(hyp_lines, ref_lines)
    else:
        hyp_sents = [s.text for line in hyp_lines for s in segment(line, "en")]
        ref_sents = [s.text for line in ref_lines for s in segment(line, "en")]
        notice(f"{hyp} has {len(hyp_lines)} lines and {ref} {len(ref_lines)}: aligned "
               f"{len(hyp_sents)} hypothesis to {len(ref_sents)} reference sentences before scoring")
        scores = score_document(hyp_sents, ref_sents)
    if as_json:
        print(json.dumps(asdict(scores), indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("metric", "score", "signature")
    for label, value, key in [("BLEU", scores.bleu, "bleu"), ("chrF", scores.chrf, "chrf"),
                              ("chrF++", scores.chrfpp, "chrf++"), ("TER", scores.ter, "ter")]:
        table.add_row(label, f"{value:.2f}", scores.signatures.get(key, ""))
    console = Console(highlight=False)
    console.print(table)
    console.print(f"reference segments matched: {scores.matched}/{scores.ref_segments}, "
                  f"coverage {scores.coverage:.1%}" + (" (resegmented)" if scores.resegmented else ""))


@app.command("models")
def models_command() -> None:
    """List the known models, which are available offline, and the default."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from translate_cli.models import model_table

    rows = model_table()
    table = Table(title="models (* default)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)
    for column in ("alias", "hub id or path", "family", "size", "licence", "offline"):
        table.add_column(column, no_wrap=column in ("alias", "hub id or path"))
    for row in rows:
        source = row["source"]
        if Path(source).is_absolute():
            source = os.path.relpath(source) if Path(source).is_relative_to(Path.cwd()) else source
        alias = row["alias"] + (" *" if row["default"] else "")
        table.add_row(alias, source, row["family"], row["size"].split(" ")[0], row["licence"],
                      "yes" if row["available"] else "no")
    Console(highlight=False).print(table)


@app.command("batch")
def batch_command(
    indir: Annotated[Path, typer.Argument(help="folder of Indonesian articles (searched recursively)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="output folder (mirrors INDIR)")],
    model: ModelOption = None,
    references: Annotated[Optional[Path], typer.Option(help="folder of references, matched by relative path and stem")] = None,
    glob: Annotated[Optional[list[str]], typer.Option(help="file patterns [default: *.txt, *.md]")] = None,
    beam: BeamOption = 4,
    batch_size: BatchOption = 32,
    device: DeviceOption = Device.auto,
    backend: BackendOption = Backend.auto,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bars")] = False,
    force: Annotated[bool, typer.Option(help="translate files even if they do not look Indonesian")] = False,
) -> None:
    """Translate a folder of articles: mirrored outputs, resumable, one bad file never stops the batch."""
    from translate_cli.batch import DEFAULT_GLOB, SUMMARY_NAME, BatchJob, model_slug
    from translate_cli.batch import print_summary as print_batch_summary

    models = list(dict.fromkeys(model)) if model else [None]
    failed = []
    for name in models:
        target = output / model_slug(name) if len(models) > 1 else output
        with BatchJob(indir, target, references=references, glob=tuple(glob) if glob else DEFAULT_GLOB,
                      notice=notice) as job:  # folders, patterns and the lock are checked before the model loads
            translator = load(name, device, beam, batch_size, backend)
            summary = job.run(translator, quiet=quiet, force=force)
        print_batch_summary(summary)
        if summary.failed:
            failed.append(f"{len(summary.failed)} of {len(summary.articles)} articles failed; "
                          f"see {target / SUMMARY_NAME}")
    if failed:
        raise UserError("; ".join(failed))


@app.command("compare")
def compare_command(
    runs: Annotated[list[Path], typer.Argument(help="output folders of translate/batch runs; the first is the baseline")],
    references: Annotated[Path, typer.Option(help="folder (or file) of references")],
    html: Annotated[Optional[Path], typer.Option(help="write a self-contained HTML report here")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
) -> None:
    """Compare several runs: metrics, paired bootstrap significance, per-article and per-length tables."""
    from rich.console import Console

    from translate_cli.compare import compare_runs, render_terminal, to_json, write_html

    comparison = compare_runs(runs, references)
    if as_json:
        print(json.dumps(to_json(comparison), indent=2, ensure_ascii=False))
    else:
        render_terminal(comparison, Console(highlight=False))
    if html:
        write_html(comparison, html)
        notice(f"report written to {html}")


def main() -> None:
    """Entry point: run the app, turning user errors into one line and exit code 1."""
    try:
        app()
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    except OSError as error:
        detail = f"{error.strerror}: {error.filename}" if error.filename else str(error)
        print(f"error: {detail}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as error:  # an internal bug: still one line unless debugging
        if os.environ.get("TRANSLATE_CLI_DEBUG"):
            raise
        print(f"error: internal error ({type(error).__name__}: {error}); "
              "set TRANSLATE_CLI_DEBUG=1 for the traceback", file=sys.stderr)
        sys.exit(1)
