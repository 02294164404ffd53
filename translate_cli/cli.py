"""The ``translate-cli`` command line: thin wrappers around the stage modules.

Exit codes: 0 success, 1 a user error (one line on stderr, no traceback), 2 wrong usage, 3 a check of
``check --fail-on`` fired, 130 Ctrl-C, 141 a closed pipe. Heavy libraries (torch, transformers, sacrebleu) are
imported inside the commands.
Everything printed from user data goes through ``terminal.visible``/``shown``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional, get_args

import typer

from translate_cli.engines import Engine
from translate_cli.errors import EachFile, Interrupted, UserError
from translate_cli.records import Method
from translate_cli.translate import DEFAULT_BATCH_SIZE, Backend, ComputeType, Device
from translate_cli.version import VERSION

if TYPE_CHECKING:
    from translate_cli.engines import ModelOptions
    from translate_cli.records import SentenceTranslator

ENVIRONMENT = """\b
Environment:
  TRANSLATE_CLI_MODEL   default --model (else the embedded model, else opus-mt)
  TRANSLATE_CLI_CACHE   cache folder: CTranslate2 conversions in its ct2/
                        [default: $XDG_CACHE_HOME/translate-cli or ~/.cache/translate-cli]
  HF_HUB_OFFLINE=1      use the Hugging Face cache only, never the network
  HF_HOME               where the Hugging Face cache lives
  OMP_NUM_THREADS       CPU threads for the model [default: all usable cores]
  TRANSLATE_CLI_DEBUG=1 show a traceback for internal errors"""

app = typer.Typer(
    add_completion=True,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Translate Indonesian articles into English and judge the result.",
    epilog=ENVIRONMENT,
)


def examples(*lines: str) -> str:
    """A command's help epilog: its examples, kept as written."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def choices(kind: object) -> str:
    """The metavar of an option typed with one of the library's Literal types (``translate.Device``, ...):
    ``[auto|cpu|cuda|mps]``; typer takes the choices from the type, so the CLI never lists them again."""
    return f"[{'|'.join(get_args(kind))}]"


class Format(str, Enum):
    tsv = "tsv"
    jsonl = "jsonl"


class DocumentFormat(str, Enum):
    txt = "txt"
    md = "md"
    html = "html"
    docx = "docx"
    srt = "srt"


ModelOption = Annotated[Optional[list[str]], typer.Option(
    "--model", "-m", metavar="MODEL", help="alias, hub id or local folder; repeat to run several models")]
BeamOption = Annotated[int, typer.Option(min=1, max=16, metavar="INTEGER", help="beam size")]
BatchOption = Annotated[int, typer.Option("--batch-size", min=1, metavar="INTEGER",
                                          help="sentences per batch (upper bound)")]
DeviceOption = Annotated[Device, typer.Option(metavar=choices(Device), help="where to run the model")]
BackendOption = Annotated[Backend, typer.Option(metavar=choices(Backend),
                                                help="inference engine (auto: CTranslate2 when available)")]
ComputeOption = Annotated[ComputeType, typer.Option(
    "--compute-type", metavar=choices(ComputeType),
    help="CTranslate2 quantisation (auto: int8 on CPU, float16 on GPU)")]
RepairOption = Annotated[bool, typer.Option(
    "--repair/--no-repair", help="translate once more a sentence whose translation loops, is cut short or is "
                                 "left untranslated, keeping the better one")]
ForceOption = Annotated[bool, typer.Option("--force", help="translate even if the text does not look Indonesian")]
DocumentFormatOption = Annotated[Optional[DocumentFormat], typer.Option(
    "--format", metavar="[txt|md|html|docx|srt]",
    help="format of FILE where its suffix does not say (stdin: txt unless given)")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="no progress bars")]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]
LANG_HELP = ("ISO 639-1/3 language code: id (and ms) and en use tuned rules; any other language generic ones "
             "(terminal punctuation of many scripts, no abbreviation list)")


def notice(message: str) -> None:
    """A one-line notice on stderr."""
    from translate_cli.terminal import visible

    print(f"notice: {visible(message)}", file=sys.stderr)


def error(message: object) -> None:
    """A user error's one line on stderr."""
    from translate_cli.terminal import visible

    print(f"error: {visible(message)}", file=sys.stderr)


def load(model: str | None, options: ModelOptions, quiet: bool = False) -> SentenceTranslator:
    """Resolve a model name and open its translator (locally with a spinner on a terminal's stderr unless
    ``quiet``)."""
    from translate_cli.engines import open_translator
    from translate_cli.models import resolve_model
    from translate_cli.terminal import console, visible

    spec = resolve_model(model)  # an unknown name fails here, before the spinner
    err = console(stderr=True)
    local = options.engine == "local"
    spinner = local and err.is_terminal and not quiet
    waiting = err.status(f"loading model {visible(spec.name)} ...") if spinner else nullcontext()
    try:
        with waiting:
            return open_translator(spec, options, notice)
    except UserError as error:
        if local and model is None and spec.name != "embedded" and not os.environ.get("TRANSLATE_CLI_MODEL"):
            raise UserError(f"{error} (no --model given and the embedded model in models/ is not "
                            "installed: `make model` builds it)") from None
        raise


RENAMED = {  # old spellings, still taken (hidden from --help) with a notice: command -> {old: new}
    "segment": {"--lang": "--src-lang"},
    "score": {"--ref": "--reference"},
    "batch": {"--references": "--reference"},
    "compare": {"--references": "--reference"},
    "align": {"--format": "--output-format"},  # --format names an input document's format (translate, segment)
}


def respelled(args: list[str], renamed: dict[str, str]) -> list[str]:
    """``args`` with each old option spelling (``--ref``, ``--ref=FILE``) replaced by its new one, saying so
    once per spelling; nothing after ``--`` is an option."""
    out: list[str] = []
    for k, arg in enumerate(args):
        if arg == "--":
            return out + args[k:]
        old, equals, value = arg.partition("=")
        if old in renamed:
            if not any(a.partition("=")[0] == old for a in args[:k]):
                notice(f"{old} is now {renamed[old]}; the old spelling still works")
            arg = renamed[old] + equals + value
        out.append(arg)
    return out


class Command(typer.core.TyperCommand):
    """A command that still takes its options' old spellings (:data:`RENAMED`)."""

    def parse_args(self, ctx, args):
        return super().parse_args(ctx, respelled(list(args), RENAMED.get(self.name or "", {})))


def version_callback(value: bool) -> None:
    if value:
        print(f"translate-cli {VERSION}")
        raise typer.Exit()


@app.callback()
def common(version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                                 help="print the version and exit")] = False) -> None:
    """Translate Indonesian articles into English and judge the result."""


@app.command("segment", cls=Command, epilog=examples("translate-cli segment article.id.txt",
                                                     "translate-cli segment page.html film.srt report.docx",
                                                     "cat reference.txt | translate-cli segment - --src-lang en"))
def segment_command(
    files: Annotated[list[str], typer.Argument(
        metavar="FILE...", help="plain text, .md, .html/.htm, .docx or .srt, or - for stdin")],
    lang: Annotated[str, typer.Option("--src-lang", metavar="CODE", help=f"language of FILE: {LANG_HELP}")] = "id",
    document_format: DocumentFormatOption = None,
) -> None:
    """Split texts into sentences: one per line, a blank line between paragraphs (a document's blocks) and
    between files."""
    from translate_cli.pipeline import read_input, source_segments
    from translate_cli.segment import format_segments
    from translate_cli.terminal import write_text

    each, written = EachFile(files, error), False
    for file in files:
        with each.reported():
            text, document = read_input(file, notice, f".{document_format.value}" if document_format else None)
            lines = format_segments(source_segments(text, document=document, lang=lang))
            write_text(("\n" if written and lines else "") + lines)
            written = written or bool(lines)
    if each.failed:
        raise typer.Exit(1)


@app.command("translate", epilog=examples(
    "translate-cli translate article.id.txt                 # outputs in out/article/",
    "translate-cli translate article.id.txt -r article.en.txt -o runs/a",
    "translate-cli translate a.md b.html c.docx -o runs/x   # runs/x/a/, runs/x/b/, runs/x/c/",
    "echo 'Selamat pagi.' | translate-cli translate -      # the translation on stdout",
    "cat film.srt | translate-cli translate - --format srt > film.en.srt",
    "translate-cli translate test.id --presegmented -o runs/t -m opus-mt -m nllb-600m"))
def translate_command(
    files: Annotated[list[Path], typer.Argument(
        metavar="FILE...", help="Indonesian article: plain text, .md, .html/.htm, .docx or .srt; or - for stdin")],
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", metavar="DIR",
        help="output folder, or - for the translation on stdout [default: out/STEM]")] = None,
    model: ModelOption = None,
    reference: Annotated[Optional[Path], typer.Option(
        "--reference", "-r", metavar="FILE", help="human English translation to score against")] = None,
    beam: BeamOption = 4,
    batch_size: BatchOption = DEFAULT_BATCH_SIZE,
    device: DeviceOption = "auto",
    backend: BackendOption = "auto",
    compute_type: ComputeOption = "auto",
    repair: RepairOption = True,
    force: ForceOption = False,
    presegmented: Annotated[bool, typer.Option(
        "--presegmented", help="one segment per line, translated one line per line (test sets)")] = False,
    document_format: DocumentFormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Translate articles; write the translation (also as STEM.en.SUFFIX for a .md, .html, .docx or .srt
    document), bitext (TSV, JSONL, TMX, Markdown, HTML) and scores.

    With FILE or -o as -, the translation goes to stdout and nothing else does: a document in its own
    format (a .docx only when stdout is not a terminal), plain text paragraph for paragraph. Several FILEs
    are translated in turn, each into DIR/STEM/ (default out/STEM/) or onto stdout one after the other,
    a blank line apart; one that fails says why in its line, the others still go, and the exit status is 1.
    """
    from translate_cli.engines import ModelOptions
    from translate_cli.translate_report import TerminalShow
    from translate_cli.translate_runs import translate_files

    options = ModelOptions(beam, batch_size, device, backend, compute_type, repair=repair)
    failed = translate_files(files, output, model, lambda name: load(name, options, quiet), TerminalShow(notice),
                             reference=reference, suffix=f".{document_format.value}" if document_format else None,
                             force=force, presegmented=presegmented, quiet=quiet,
                             stdout_is_terminal=sys.stdout.isatty(), notice=notice, on_error=error)
    if failed:
        raise typer.Exit(1)


@app.command("align", cls=Command, epilog=examples(
    "translate-cli align article.id.txt article.en.txt",
    "translate-cli align a.id b.en --presegmented --output-format jsonl"))
def align_command(
    src: Annotated[str, typer.Argument(metavar="SRC", help="source text (Indonesian by default), or -")],
    tgt: Annotated[str, typer.Argument(metavar="TGT", help="target text (English by default), or -")],
    presegmented: Annotated[bool, typer.Option("--presegmented", help="one segment per line; do not re-split")] = False,
    src_lang: Annotated[str, typer.Option(metavar="CODE", help=f"language of SRC: {LANG_HELP}")] = "id",
    tgt_lang: Annotated[str, typer.Option(metavar="CODE", help="language of TGT (as --src-lang)")] = "en",
    method: Annotated[Method, typer.Option(
        metavar=choices(Method),
        help="length: sentence lengths; tokens: lengths and what both texts share (numbers, names, cognates, "
             "quotes), no model; translation: translate SRC with the model and compare; auto: the best of these "
             "that tells the sentences apart")] = "auto",
    model: Annotated[Optional[str], typer.Option("--model", "-m", metavar="MODEL",
                                                 help="model for --method translation")] = None,
    output_format: Annotated[Format, typer.Option("--output-format", metavar="[tsv|jsonl]",
                                                  help="output format")] = Format.tsv,
) -> None:
    """Align the sentences of two texts; print the beads (1-1, 1-2, 2-1, 1-0, 0-1, ...), as TSV after a
    header row (src_ids, tgt_ids, score, src_text, tgt_text) or as JSON Lines."""
    from translate_cli.engines import ModelOptions
    from translate_cli.formats import bead_row, json_line, tsv_fields, tsv_header, tsv_line
    from translate_cli.models import is_available, resolve_model
    from translate_cli.pipeline import align_text, read_input, sentence_texts

    if src == tgt == "-":
        raise UserError("standard input can be read only once: give at most one of SRC and TGT as -")
    # documents (.md, .html, ...) are read as their text, as translate, batch and score read them
    src_text, tgt_text = read_input(src, notice)[0], read_input(tgt, notice)[0]
    source = sentence_texts(src_text, src_lang, presegmented)
    translation = None
    wants_model = method == "translation" or (
        method == "auto" and (model is not None or is_available(resolve_model(None))))
    if wants_model:
        translation = source if src_lang == tgt_lang else load(model, ModelOptions()).translate(source)
    # the beads of translate's and batch's rows for the same texts (pipeline.align_text)
    target, beads = align_text(source, tgt_text, translation, lang=tgt_lang, presegmented=presegmented,
                               method=method)
    if output_format == Format.tsv:
        print(tsv_line(tsv_header(reference=False, findings=False)))  # translate's first columns
    for bead in beads:
        row = bead_row(bead, source, target)
        if output_format == Format.jsonl:
            sys.stdout.write(json_line(row))
        else:
            print(tsv_line(tsv_fields(row)))


class ArgsKeptCommand(Command):
    """A command that keeps its arguments in the order given (``ctx.meta["args"]``), where click's parsed
    values lose it: ``score REF -i S1 S2`` needs to know that S2 follows -i."""

    def parse_args(self, ctx, args):
        ctx.meta["args"] = list(args)
        return super().parse_args(ctx, args)


@app.command("score", cls=ArgsKeptCommand, epilog=examples(
    "translate-cli score out/a/a.en.txt a.en.txt            # HYP REF",
    "translate-cli score out/a/a.en.txt -r ref1.en -r ref2.en -m bleu,chrf --confidence",
    "translate-cli score ref.en -i system.en --tokenize intl   # sacrebleu's order: REF -i HYP",
    "translate-cli score ref.en -i base.en new.en --paired-bs  # several systems, one row each"))
def score_command(
    ctx: typer.Context,
    files: Annotated[Optional[list[str]], typer.Argument(
        metavar="[HYP] [REF]...", help="HYP then REF(s); with -i, the references; with -r, the hypothesis")] = None,
    refs: Annotated[Optional[list[str]], typer.Option(
        "--reference", "-r", metavar="FILE", help="a human reference; repeat for several (line-aligned)")] = None,
    hyp_option: Annotated[Optional[list[str]], typer.Option(
        "--hyp", "-i", metavar="FILE...", help="the system output(s), as sacrebleu's -i: every file after -i up "
        "to the next option is a system (-i H1 H2, or -i H1 -i H2), scored one row each")] = None,
    metrics: Annotated[Optional[list[str]], typer.Option(
        "--metrics", "-m", metavar="NAMES", help="metrics to compute: bleu, chrf, chrf++, ter (comma-separated or "
        "repeated) [default: all]")] = None,
    tokenize: Annotated[Optional[str], typer.Option(
        metavar="NAME",
        help="BLEU tokenizer, as sacrebleu's --tokenize (13a, intl, char, none, flores200, ...)")] = None,
    lowercase: Annotated[bool, typer.Option("--lowercase", "-lc",
                                            help="case-insensitive BLEU (sacrebleu's -lc)")] = False,
    chrf_lowercase: Annotated[bool, typer.Option("--chrf-lowercase", help="case-insensitive chrF and chrF++")] = False,
    ter_case_sensitive: Annotated[bool, typer.Option(
        "--ter-case-sensitive", help="case-sensitive TER (sacrebleu's TER ignores case by default)")] = False,
    confidence: Annotated[bool, typer.Option("--confidence", help="95% confidence intervals (1000 bootstrap "
                                             "resamples, sacrebleu's; one system)")] = False,
    paired_bs: Annotated[bool, typer.Option("--paired-bs", help="several systems: paired bootstrap resampling "
                                            "against the first (1000 resamples, sacrebleu's)")] = False,
    paired_ar: Annotated[bool, typer.Option("--paired-ar", help="several systems: paired approximate "
                                            "randomization against the first (10000 trials, sacrebleu's)")] = False,
    as_json: JsonOption = False,
) -> None:
    """Corpus BLEU, chrF, chrF++ and TER with sacrebleu's defaults, line by line when the files correspond.

    Files with the same number of lines are scored line by line, exactly as sacrebleu does; otherwise both
    are split into sentences, aligned, and missing or inserted sentences are scored as such.
    """
    from dataclasses import replace

    from translate_cli.pipeline import read_article, read_input
    from translate_cli.score import (
        METRIC_LABELS,
        PairedResult,
        ScoreOptions,
        coverage_warning,
        paired_test,
        pairings_scores,
        score_pairings,
        scored_texts,
    )

    hyps, references = _score_files(files or [], refs or [], hyp_option, ctx.meta.get("args", []))
    chosen = [m.strip().lower() for value in (metrics or ["bleu,chrf,chrf++,ter"])
              for m in value.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in METRIC_LABELS]
    if unknown:
        raise UserError(f"unknown metric {unknown[0]!r}: use {', '.join(METRIC_LABELS)}")
    if paired_bs and paired_ar:
        raise UserError("--paired-bs and --paired-ar exclude each other: choose one")
    test = "bs" if paired_bs else "ar" if paired_ar else None
    if test and len(hyps) == 1:
        raise UserError("paired tests need several systems: score REF -i BASELINE SYSTEM...")
    if confidence and len(hyps) > 1:
        raise UserError("--confidence is for one system; for several use --paired-bs (as sacrebleu)")
    options = ScoreOptions(tokenize, lowercase, 1000 if confidence else 1, chrf_lowercase, ter_case_sensitive,
                           tuple(dict.fromkeys(chosen)))
    # a reference that is a document (.md, .html, ...) is read as its text, as translate and batch read it
    ref_texts = [read_input(ref, notice)[0] for ref in references]
    pairings = [score_pairings(read_article(hyp, notice), ref_texts) for hyp in hyps]
    scores = [pairings_scores(p, options) for p in pairings]
    if reason := next((s.ter_skipped for s in scores if s.ter_skipped), ""):
        if metrics:
            raise UserError(f"{reason}; leave it out with -m bleu,chrf,chrf++")
        notice(f"{reason}; it is left out")
        options = replace(options, metrics=tuple(m for m in options.metrics if m != "ter"))
        chosen.remove("ter")
    if test:
        if not all(p.by_line for pairing in pairings for p in pairing):
            raise UserError("paired tests need every system line-aligned with the references (as many lines); "
                            "compare aligns systems that are not")
        paired: Sequence[PairedResult | None] = paired_test(hyps, [scored_texts(p) for p in pairings], options, test)
    else:
        paired = [None] * len(hyps)
    systems = list(zip(hyps, scores, paired))
    for hyp, system_scores, _ in systems:
        if warning := coverage_warning(system_scores):
            notice(f"{hyp}: {warning}" if len(systems) > 1 else warning)
    if as_json:
        rows = [_score_json(hyp, scores, chosen, paired) for hyp, scores, paired in systems]
        data = {**rows[0], "references": references} if len(rows) == 1 else {"references": references, "systems": rows}
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if len(systems) == 1:
        print_scores(systems[0][1], chosen, hyps[0], references)
    else:
        print_systems(systems, chosen, references, test)


def _score_json(hyp: str, scores, chosen: list[str], paired) -> dict:
    """One system's scores as ``score --json`` prints them: only the chosen metrics."""
    from dataclasses import asdict

    from translate_cli.score import METRIC_FIELDS

    data = asdict(scores)
    for key, field in METRIC_FIELDS.items():
        if key not in chosen:
            del data[field]
            data["signatures"].pop(key, None)
            data["ci"].pop(key, None)
    if paired:
        data["paired"] = {key: {"mean": paired.means[key], "ci": paired.ci[key], "p_value": paired.p_values[key],
                                "signature": paired.signatures[key]} for key in chosen}
    return {"hypothesis": hyp, **data}


def _score_files(files: list[str], refs: list[str], hyps: list[str] | None,
                 args: list[str]) -> tuple[list[str], list[str]]:
    """Which files are hypotheses (systems) and which references, refusing an order that looks swapped.

    As in sacrebleu, every file after -i up to the next option is a system (``REF -i S1 S2``); click hands
    those after the first to ``files``, so the order given (``args``) tells them apart."""
    if hyps:
        given = _systems_given(args)
        for name, follows in given:
            if follows:
                files.remove(name)  # click took it for a positional file
        hyps = [name for name, _ in given]
        references = files + refs
        if not references:
            raise UserError("no reference given: as in sacrebleu, every file after -i is a system; put the "
                            "references first (score REF -i HYP) or name them with -r")
        return hyps, references
    if refs:
        if len(files) != 1:
            raise UserError("with -r REF, give exactly one hypothesis file (or name it with -i)")
        return files, refs
    if len(files) < 2:
        raise UserError("give HYP and REF (or REF -i HYP..., or HYP with -r REF)")
    hyp, references = files[0], files[1:]
    if _looks_like(hyp, _REFERENCE_WORDS) and not _looks_like(references[0], _REFERENCE_WORDS):
        raise UserError(f"{hyp} looks like a reference but is given first, where the hypothesis goes; "
                        f"say which is which: score -i HYP -r REF")
    return [hyp], references


def _systems_given(args: list[str]) -> list[tuple[str, bool]]:
    """The system files in the order given: each value of -i/--hyp (also -iFILE, --hyp=FILE), and the files
    that follow one up to the next option (``-i S1 S2``: S2), marked True."""
    systems, taking = [], False
    for k, arg in enumerate(args):
        if arg == "--":
            break
        if k and args[k - 1] in ("-i", "--hyp"):
            systems.append((arg, False))
            taking = True
        elif arg.startswith(("-i", "--hyp=")) and arg not in ("-i", "--hyp"):
            systems.append((arg.removeprefix("--hyp=") if arg.startswith("--") else arg[2:], False))
            taking = False
        elif arg.startswith("-") and arg != "-":
            taking = False
        elif taking:
            systems.append((arg, True))
    return systems


_REFERENCE_WORDS = frozenset({"ref", "refs", "reference", "references", "gold"})


def _looks_like(path: str, words: frozenset[str]) -> bool:
    import re

    return bool(words & set(re.split(r"[^a-z0-9]+", Path(path).name.lower())))


def print_systems(systems: list, chosen: list[str], references: list[str], test: str | None) -> None:
    """Several systems, one row each (as sacrebleu's multi-system table), with the paired test's means,
    intervals and p-values against the first system when one was run."""
    from rich.table import Table

    from translate_cli.score import METRIC_LABELS, metric_values
    from translate_cli.terminal import console, shown

    table = Table("system", *(METRIC_LABELS[key] for key in chosen))
    for number, (hyp, scores, paired) in enumerate(systems):
        values, cells = metric_values(scores), []
        for key in chosen:
            cell = f"{values[key]:.2f}"
            if paired and paired.ci[key] is not None:
                cell += f" ({paired.means[key]:.2f} ± {paired.ci[key]:.2f})"
            if paired and paired.p_values[key] is not None:
                cell += f" p = {paired.p_values[key]:.4f}"
            cells.append(cell)
        table.add_row(("baseline: " if paired and not number else "") + shown(hyp), *cells)
    out = console()
    out.print(f"reference{'s' if len(references) > 1 else ''} " + ", ".join(shown(r) for r in references))
    out.print(table)
    signatures = systems[0][2].signatures if systems[0][2] else systems[0][1].signatures
    for key in chosen:
        out.print(f"{METRIC_LABELS[key]}: {signatures[key]}")
    if test:
        out.print("paired " + ("bootstrap resampling (1000 resamples; mean ± 95% CI)" if test == "bs" else
                               "approximate randomization (10000 trials)") + ", p-values against the baseline")
    for hyp, scores, _ in systems:
        if scores.resegmented:
            out.print(f"{shown(hyp)}: the lines do not correspond: sentences aligned to {scores.ref_segments} "
                      f"reference segments, coverage {scores.coverage:.1%} of the hypothesis")


def print_scores(scores, chosen: list[str], hyp: str, references: list[str]) -> None:
    """The metrics with their signatures, and how the hypothesis was paired with the reference."""
    from rich.table import Table

    from translate_cli.pages import LOWER_IS_BETTER
    from translate_cli.score import METRIC_LABELS, metric_values
    from translate_cli.terminal import console, shown

    values = metric_values(scores)
    table = Table("metric", "score", "better", "signature")
    for key in chosen:
        value = f"{values[key]:.2f}" + (f" ± {scores.ci[key]:.2f}" if key in scores.ci else "")
        label = METRIC_LABELS[key]
        table.add_row(label, value, "lower" if label in LOWER_IS_BETTER else "higher", scores.signatures[key])
    out = console()
    out.print(f"hypothesis {shown(hyp)}; reference{'s' if len(references) > 1 else ''} "
              + ", ".join(shown(r) for r in references))
    out.print(table)
    if scores.words:
        out.print(f"the lines do not correspond and sentence alignment found little: the hypothesis words were "
                  f"re-split to the {scores.ref_segments} reference sentences; {scores.missing} left empty")
    elif scores.resegmented:
        out.print(f"the lines do not correspond: sentences aligned to {scores.ref_segments} reference segments; "
                  f"{scores.inserted} inserted and {scores.missing} missing sentences scored, "
                  f"coverage {scores.coverage:.1%} of the hypothesis")
    else:
        out.print(f"{scores.ref_segments} segments scored line by line")


@app.command("models", epilog=examples("translate-cli models", "translate-cli models --json"))
def models_command(as_json: JsonOption = False) -> None:
    """List the known models, which are available offline, and the default."""
    from rich import box
    from rich.table import Table

    from translate_cli.models import model_table
    from translate_cli.terminal import console, shown

    rows = model_table()
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title="models (* default)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)
    for column in ("alias", "hub id or path", "family", "size", "licence", "offline"):
        table.add_column(column, no_wrap=column in ("alias", "hub id or path"))
    for row in rows:
        source = row["source"]
        if Path(source).is_absolute():
            source = os.path.relpath(source) if Path(source).is_relative_to(Path.cwd()) else source
        alias = row["alias"] + (" *" if row["default"] else "")
        table.add_row(alias, shown(source), row["family"], row["size"].split(" ")[0], row["licence"],
                      "yes" if row["available"] else "no")
    console().print(table)


@app.command("batch", cls=Command, epilog=examples(
    "translate-cli batch articles/ -o runs/base",
    "translate-cli batch articles/ -o runs/cmp -m opus-mt -m nllb-600m -r refs/",
    "translate-cli batch articles/ -o runs/base --glob 'news/**/*.txt' --json",
    "translate-cli batch s3://news/id -o s3://news/runs/base --engine ray --address auto"))
def batch_command(
    indir: Annotated[str, typer.Argument(
        metavar="INDIR", help="folder of Indonesian articles (searched recursively), or an fsspec URL (s3://...)")],
    output: Annotated[str, typer.Option(
        "--output", "-o", metavar="OUTDIR", help="output folder (mirrors INDIR), or an fsspec URL")],
    model: ModelOption = None,
    references: Annotated[Optional[str], typer.Option(
        "--reference", "-r", metavar="REFDIR",
        help="folder (or URL) of references, matched by relative path and stem")] = None,
    glob: Annotated[Optional[list[str]], typer.Option(
        metavar="PATTERN", help="file pattern relative to INDIR; repeat for several "
                           "[default: *.txt, *.md, *.html, *.htm, *.docx, *.srt]")] = None,
    beam: BeamOption = 4,
    batch_size: BatchOption = DEFAULT_BATCH_SIZE,
    device: DeviceOption = "auto",
    backend: BackendOption = "auto",
    compute_type: ComputeOption = "auto",
    repair: RepairOption = True,
    quiet: QuietOption = False,
    force: Annotated[bool, typer.Option("--force", help="translate files even if they do not look Indonesian")] = False,
    presegmented: Annotated[bool, typer.Option(
        "--presegmented", help="one segment per line in every file, translated line for line (test sets)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON instead of tables")] = False,
    engine: Annotated[Engine, typer.Option(
        metavar=choices(Engine), help="where to translate: this process, or workers on a Ray cluster")] = "local",
    address: Annotated[Optional[str], typer.Option(
        metavar="ADDRESS", help="Ray cluster to join: auto or ray://HOST:PORT [default: start one here]")] = None,
    workers: Annotated[Optional[int], typer.Option(
        min=1, metavar="INTEGER", help="Ray workers, one model each [default: as many as fit]")] = None,
    cpus_per_worker: Annotated[float, typer.Option(min=0.01, metavar="FLOAT", help="CPUs per Ray worker")] = 1,
    gpus_per_worker: Annotated[float, typer.Option(min=0, metavar="FLOAT", help="GPUs per Ray worker")] = 0,
) -> None:
    """Translate a folder of articles: mirrored outputs, resumable, one bad file never stops the batch."""
    from translate_cli.batch_report import print_batch_summary
    from translate_cli.batch_runs import failures, run_models
    from translate_cli.engines import ModelOptions

    options = ModelOptions(beam, batch_size, device, backend, compute_type, engine, address,
                           workers, cpus_per_worker, gpus_per_worker, repair)
    quiet = quiet or as_json
    runs = run_models(indir, output, model, lambda name: load(name, options, quiet), references=references, glob=glob,
                      quiet=quiet, force=force, presegmented=presegmented, notice=notice,
                      on_summary=None if as_json else print_batch_summary)
    if as_json:
        summaries = [run.summary.to_json() for run in runs]
        print(json.dumps(summaries[0] if len(summaries) == 1 else summaries, indent=2, ensure_ascii=False))
    failed = failures(runs)
    if failed:
        raise UserError(failed)


@app.command("compare", cls=Command, epilog=examples(
    "translate-cli compare runs/base runs/new -r refs/",
    "translate-cli compare runs/base runs/new -r refs/ --html report.html",
    "translate-cli compare base.txt new.txt -r test.en --names base,new   # plain hypothesis files",
    "translate-cli compare out/article -r article.en.txt   # translate -m A -m B: one system a model"))
def compare_command(
    runs: Annotated[list[Path], typer.Argument(
        metavar="RUN...", help="output folders of translate/batch runs (one with a sub-folder per model counts as "
        "one system per model), or plain hypothesis files; the first is the baseline")],
    references: Annotated[Path, typer.Option("--reference", "-r", metavar="REFS",
                                             help="folder (or file) of references")],
    names: Annotated[Optional[str], typer.Option(metavar="NAMES", help=(
        "comma-separated labels for the systems, in order (default: their paths, shortened)"))] = None,
    html: Annotated[Optional[Path], typer.Option(metavar="FILE",
                                                 help="write a self-contained HTML report here")] = None,
    as_json: JsonOption = False,
    frequency_corpus: Annotated[Optional[Path], typer.Option(metavar="FILE", help=(
        "English training text (one sentence a line) to count word frequencies on; default: the references"))] = None,
) -> None:
    """Compare several runs: metrics with paired bootstrap significance, and compare-mt's analyses."""
    from translate_cli.compare import compare_runs, to_json, write_html
    from translate_cli.compare_report import compare_console, render_terminal
    from translate_cli.layout import INDEX_NAME

    labels = [name.strip() for name in names.split(",")] if names is not None else None
    if labels is not None and not all(labels):
        raise UserError(f"--names: an empty name in {names!r}")
    comparison = compare_runs(runs, references, frequency_corpus=frequency_corpus, names=labels)
    if as_json:
        print(json.dumps(to_json(comparison), indent=2, ensure_ascii=False))
    else:
        render_terminal(comparison, compare_console())
    if html:
        linked = write_html(comparison, html)
        pages = {"run": " and the run's article pages", "models": " (the models' runs)"}
        linked_from = f", linked from {html.parent / INDEX_NAME}{pages[linked]}" if linked else ""
        notice(f"report written to {html}{linked_from}")


@app.command("check", epilog=examples(
    "translate-cli check article.id.txt out/article/article.en.txt",
    "translate-cli check test.id system.en --json",
    "translate-cli check test.id system.en --fail-on numbers,names   # exit 3 when either fires"))
def check_command(
    source: Annotated[str, typer.Argument(metavar="SOURCE", help="the Indonesian source text, or -")],
    translation: Annotated[str, typer.Argument(metavar="TRANSLATION", help="its English translation, any system's")],
    fail_on: Annotated[Optional[str], typer.Option(
        "--fail-on", metavar="CODES", help="exit with status 3 when any of these checks fires (comma-separated: "
        "numbers, names, untranslated, degenerate, brackets, consistency, or all)")] = None,
    as_json: JsonOption = False,
) -> None:
    """Check a translation without a reference: numbers, names, untranslated text, loops, truncation,
    brackets and consistency, sentence by sentence.

    Files with as many non-blank lines are paired line by line; otherwise both are split into sentences
    and aligned.
    """
    from dataclasses import asdict

    from translate_cli.checks import CODES, check_texts, count_findings, parse_codes
    from translate_cli.pipeline import read_article

    failing = parse_codes(fail_on) if fail_on is not None else set()
    if source == translation == "-":
        raise UserError("standard input can be read only once: give at most one of SOURCE and TRANSLATION as -")
    checked = check_texts(read_article(source, notice), read_article(translation, notice))
    counts = count_findings(checked.findings)
    if as_json:
        rows = [{"sentence": i + 1, "source": s, "translation": t, "flags": [asdict(f) for f in found]}
                for i, (s, t, found) in enumerate(zip(checked.sources, checked.translations, checked.findings))]
        print(json.dumps({"source": source, "translation": translation, "by_line": checked.by_line,
                          "sentences": len(rows), "flagged": sum(bool(f) for f in checked.findings),
                          "counts": counts, "rows": rows}, indent=2, ensure_ascii=False))
    else:
        print_checks(checked, counts, CODES)
    if any(counts[code] for code in failing):
        raise typer.Exit(3)


def print_checks(checked, counts: dict[str, int], codes: tuple[str, ...]) -> None:
    """The flagged sentences with their reasons, then the count per check."""
    from rich.table import Table

    from translate_cli.terminal import console, shown

    out = console()
    table = Table("#", "check", "reason", "source", "translation")
    for i, found in enumerate(checked.findings):
        for finding in found:
            table.add_row(str(i + 1), finding.code, shown(finding.reason), shown(checked.sources[i]),
                          shown(checked.translations[i]))
    if table.row_count:
        out.print(table)
    flagged = sum(bool(found) for found in checked.findings)
    out.print(f"{flagged} of {len(checked.findings)} sentences flagged "
              f"({'line by line' if checked.by_line else 'sentences aligned'}): "
              + ", ".join(f"{code} {counts[code]}" for code in codes))


def main() -> None:
    """Entry point: run the app, turning user errors into one line and exit code 1."""
    try:
        import signal

        from translate_cli.terminal import visible

        if hasattr(signal, "SIGPIPE"):  # `translate-cli ... | head`: end quietly (status 141), as cat does
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    except KeyboardInterrupt:  # Ctrl-C while rich loads, before typer takes it over: ended as typer ends it
        sys.exit(130)
    try:
        app()  # typer handles wrong usage (exit 2) and a Ctrl-C outside the long commands (exit 130)
    except UserError as error:
        print(f"error: {visible(error)}", file=sys.stderr)
        sys.exit(1)
    except Interrupted as interrupt:  # Ctrl-C in translate or batch, after saving what was done
        print(visible(interrupt), file=sys.stderr)
        sys.exit(130)
    except OSError as error:
        detail = f"{error.strerror}: {error.filename}" if error.filename else str(error)
        print(f"error: {visible(detail)}", file=sys.stderr)
        sys.exit(1)
    except Exception as error:  # an internal bug: still one line unless debugging
        if os.environ.get("TRANSLATE_CLI_DEBUG"):
            raise
        print(f"error: internal error ({type(error).__name__}: {visible(error)}); "
              "set TRANSLATE_CLI_DEBUG=1 for the traceback", file=sys.stderr)
        sys.exit(1)
