"""Compare translation runs (folders written by ``batch`` or ``translate``) against references.

Each system's hypothesis is aligned to the reference sentences (``align``) and regrouped
(``score.regroup``) to segments that every system shares: consecutive reference sentences stay
together where any system's alignment joins them. All systems are so scored on the same segments, as
paired significance needs; it is sacrebleu's own paired bootstrap resampling against the first run
(1000 resamples, seed from ``SACREBLEU_SEED``, default 12345), with 95% confidence intervals.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sacrebleu.significance import PairedTest

from translate_cli.align import align
from translate_cli.batch import CURRENT, SUMMARY_NAME
from translate_cli.document import Bead
from translate_cli.errors import UserError
from translate_cli.formats import atomic_write_text
from translate_cli.pipeline import read_article
from translate_cli.score import METRIC_LABELS, regroup, score_corpus, sentence_chrf
from translate_cli.score import corpus_metrics as score_metrics
from translate_cli.segment import segment

LENGTH_EDGES = (10, 20, 30, 40)  # reference length buckets in words: 1-10, 11-20, 21-30, 31-40, 41+
TOP_DIFFERENCES = 10
SIGNIFICANCE = 0.05


@dataclass
class MetricResult:
    """One corpus metric of one system: score, bootstrap mean and 95% CI, p-value against the baseline."""

    score: float
    mean: float
    ci: float
    p_value: float | None = None  # None for the baseline (first system)


@dataclass
class System:
    name: str
    path: str
    metrics: dict[str, MetricResult] = field(default_factory=dict)


@dataclass
class ArticleScores:
    """chrF and BLEU of every system on one article (lists follow ``Comparison.systems``)."""

    article: str
    segments: int
    chrf: list[float]
    bleu: list[float]


@dataclass
class Bucket:
    """Corpus chrF of every system on the segments whose reference length falls in ``label``."""

    label: str
    segments: int
    chrf: list[float]


@dataclass
class Difference:
    """A reference segment where the systems' sentence chrF differs most."""

    article: str
    reference: str
    hypotheses: list[str]
    chrf: list[float]

    @property
    def spread(self) -> float:
        return max(self.chrf) - min(self.chrf)


@dataclass
class Comparison:
    systems: list[System]
    signatures: dict[str, str]
    articles: list[ArticleScores]
    buckets: list[Bucket]
    differences: list[Difference]
    skipped: dict[str, str]  # article -> why it was left out


def article_key(relpath: Path, run: bool) -> str:
    """Match key of an article file, without suffixes and language tags (``b.id.txt``, ``b.en.txt`` -> ``b``).

    In a run folder the batch layout ``a/b/b.en.txt`` is keyed ``a/b`` (``translate``'s ``b.en.txt`` is ``b``).
    """
    parts = list(relpath.parts)
    name = re.sub(r"(\.(id|en))*\.(txt|md)$", "", parts.pop())
    if run and parts and re.sub(r"(\.(id|en))*$", "", parts[-1]) == name:
        parts.pop()
    return "/".join(parts + [name])


def _files(folder: Path, patterns: tuple[str, ...], run: bool) -> dict[str, Path]:
    """Article files under ``folder`` by match key; hidden paths left out."""
    found = {}
    for pattern in patterns:
        for path in sorted(folder.rglob(pattern)):
            rel = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                found.setdefault(article_key(rel, run), path)
    return found


def read_hypotheses(path: Path) -> list[str]:
    """The translated sentences of one article: the ``.jsonl`` rows beside ``path``, else its segmented text.

    JSON Lines are split on ``\\n`` only (a translation may hold U+2028); a truncated or malformed file is a
    UserError naming the line.
    """
    jsonl = path.with_name(path.name.removesuffix(".en.txt") + ".jsonl")
    if not jsonl.is_file():
        return [s.text for s in segment(read_article(path), lang="en")]
    rows = []
    for number, line in enumerate(read_article(jsonl).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows.append((list(row["tgt"]), str(row["tgt_text"])))
        except (ValueError, KeyError, TypeError):
            raise UserError(f"{jsonl}: line {number} is not a translate-cli row (truncated or edited?)") from None
    return [text for tgt, text in sorted(rows) if tgt]


def _references(references: Path, runs: list[dict[str, Path]]) -> dict[str, Path]:
    """Reference files by match key; a single reference file goes with runs of one article each."""
    if references.is_dir():
        return _files(references, ("*.txt", "*.md"), run=False)
    if any(len(run) != 1 for run in runs):
        raise UserError("a reference file fits runs of one article each; pass a folder of references")
    key = article_key(Path(references.name), run=False)
    for run in runs:
        run[key] = run.pop(next(iter(run)))
    return {key: references}


def _run_names(run_dirs: list[Path]) -> list[str]:
    """A distinct label per run: the folder's name, numbered when two runs share it (``out``, ``out (2)``)."""
    names: list[str] = []
    for path in run_dirs:
        name = path.resolve().name or str(path)
        label, number = name, 1
        while label in names:
            number += 1
            label = f"{name} ({number})"
        names.append(label)
    return names


def _stale(folder: Path, run: dict[str, Path]) -> dict[str, str]:
    """Articles of a batch run whose outputs are not current, with the reason (from its ``summary.json``)."""
    summary_path = folder / SUMMARY_NAME
    if not summary_path.is_file():
        return {}
    try:
        articles = json.loads(summary_path.read_text(encoding="utf-8"))["articles"]
        status = {article_key(Path(a["relpath"]), run=False): (a["status"], a.get("reason", "")) for a in articles}
    except (ValueError, KeyError, TypeError):
        raise UserError(f"{summary_path}: is not a translate-cli batch summary (damaged?)") from None
    stale = {}
    for key in run:
        state, reason = status.get(key, ("absent", ""))
        if state not in CURRENT:
            stale[key] = (f"stale output in {folder}: the last batch run marked it {state}"
                          + (f" ({reason})" if reason else "") if state != "absent"
                          else f"stale output in {folder}: not part of the last batch run")
    return stale


def compare_runs(run_dirs: list[Path], references: Path, n_samples: int = 1000) -> Comparison:
    """Score each run on the articles that every run and the reference folder share."""
    run_dirs = [Path(p) for p in run_dirs]
    references = Path(references)
    for folder in run_dirs:
        if not folder.is_dir():
            raise UserError(f"run folder not found: {folder}")
    if not references.exists():
        raise UserError(f"references not found: {references}")
    runs = [_files(folder, ("*.en.txt",), run=True) for folder in run_dirs]
    for folder, run in zip(run_dirs, runs):
        if not run:
            raise UserError(f"{folder}: not a translate or batch output folder (it holds no *.en.txt translation)")
    skipped = {}
    for folder, run in zip(run_dirs, runs):
        for key, reason in _stale(folder, run).items():
            skipped.setdefault(key, reason)
            del run[key]
    refs = _references(references, runs)
    names = _run_names(run_dirs)

    for key in sorted(set().union(*runs)):
        missing = [name for name, run in zip(names, runs) if key not in run]
        if missing:
            skipped.setdefault(key, f"missing in {', '.join(missing)}")
        elif key not in refs:
            skipped[key] = "no reference"
    common = sorted(set.intersection(*(set(run) for run in runs)) & set(refs))
    if not common:
        left_out = "; ".join(f"{key}: {reason}" for key, reason in list(skipped.items())[:3])
        raise UserError("the runs share no article that has a reference" + (f" (left out: {left_out})" if left_out else ""))

    # segments[i] is (article, reference segment, [hypothesis of each system])
    segments: list[tuple[str, str, list[str]]] = []
    for key in common:
        try:
            ref = [s.text for s in segment(read_article(refs[key]), "en")]
            hyps = [read_hypotheses(run[key]) for run in runs]
        except UserError as exc:
            skipped[key] = str(exc)
            continue
        pairs = shared_segments([align(h, ref, src_translation=h) for h in hyps], hyps, ref)
        segments += [(key, r, [h[i] for h, _ in pairs]) for i, r in enumerate(pairs[0][1])]
    if not segments:
        raise UserError("no article could be compared: " + "; ".join(f"{k}: {v}" for k, v in skipped.items()))
    common = [key for key in common if key not in skipped]

    systems, signatures = _significance(names, run_dirs, segments, n_samples)
    return Comparison(systems, signatures, _per_article(common, segments, len(names)),
                      _buckets(segments, len(names)), _differences(segments), skipped)


def shared_segments(system_beads: list[list[Bead]], hyps: list[list[str]], ref: list[str]):
    """Regroup every system's hypothesis to one segmentation of ``ref`` that all alignments respect.

    A reference segment starts only where every system has a bead starting; each system's beads are
    merged accordingly and passed to ``score.regroup``. Returns one (hyps, refs) pair per system.
    """
    starts = set(range(1, len(ref)))
    for beads in system_beads:
        starts &= {b.tgt[0] for b in beads if b.tgt}
    bounds = [0, *sorted(starts), len(ref)]
    group_of = [g for g, (lo, hi) in enumerate(zip(bounds, bounds[1:])) for _ in range(lo, hi)]
    pairs = []
    for beads, hyp in zip(system_beads, hyps):
        sources: list[list[int]] = [[] for _ in bounds[1:]]
        for bead in beads:
            if bead.tgt:
                sources[group_of[bead.tgt[0]]] += bead.src
        merged = [Bead(tuple(src), tuple(range(lo, hi)), 0.0) for src, lo, hi in zip(sources, bounds, bounds[1:])]
        pairs.append(regroup(merged, hyp, ref))
    return pairs


def corpus_metrics() -> dict:
    """The sacrebleu metrics of ``score.score_corpus``, keyed by display label, for the paired test."""
    return {METRIC_LABELS[key]: metric for key, metric in score_metrics().items()}


def _significance(names, run_dirs, segments, n_samples) -> tuple[list[System], dict[str, str]]:
    """Corpus scores with paired bootstrap CIs and p-values against the first system (sacrebleu's PairedTest)."""
    refs = [ref for _, ref, _ in segments]
    named = [(name, [hyps[i] for _, _, hyps in segments]) for i, name in enumerate(names)]
    metrics = corpus_metrics()
    signatures, results = PairedTest(named, metrics, [refs], test_type="bs", n_samples=n_samples)()
    del results["System"]
    systems = [System(name, str(path)) for name, path in zip(names, run_dirs)]
    # sacrebleu keys results by score name (chrF2, chrF2++); its dicts keep the order of ``metrics``
    # sacrebleu gives p = 1/(n+1) to a system identical to the baseline (no resample differs); say 1.0
    same = [hyps == named[0][1] for _, hyps in named]
    for label, column in zip(metrics, results.values()):
        for system, result, identical in zip(systems, column, same):
            p_value = 1.0 if identical and result.p_value is not None else result.p_value
            system.metrics[label] = MetricResult(result.score, float(result.mean), float(result.ci), p_value)
    return systems, {label: sig.format() for label, sig in zip(metrics, signatures.values())}


def _per_article(keys, segments, n_systems) -> list[ArticleScores]:
    by_article: dict[str, list[tuple[str, list[str]]]] = {key: [] for key in keys}
    for article, ref, hyps in segments:
        by_article[article].append((ref, hyps))
    table = []
    for key, rows in by_article.items():
        refs = [ref for ref, _ in rows]
        scores = [score_corpus([hyps[i] for _, hyps in rows], refs) for i in range(n_systems)]
        table.append(ArticleScores(key, len(rows), [s.chrf for s in scores], [s.bleu for s in scores]))
    return table


def _bucket_label(words: int) -> str:
    low = 1
    for edge in LENGTH_EDGES:
        if words <= edge:
            return f"{low}-{edge}"
        low = edge + 1
    return f"{low}+"


def _buckets(segments, n_systems) -> list[Bucket]:
    """Corpus chrF per reference-length bucket, in increasing length."""
    groups: dict[str, list[tuple[str, list[str]]]] = {}
    for _, ref, hyps in segments:
        groups.setdefault(_bucket_label(len(ref.split())), []).append((ref, hyps))
    labels = [_bucket_label(edge) for edge in LENGTH_EDGES] + [_bucket_label(LENGTH_EDGES[-1] + 1)]
    buckets = []
    for label in (label for label in labels if label in groups):
        rows = groups[label]
        refs = [ref for ref, _ in rows]
        chrf = [score_corpus([hyps[i] for _, hyps in rows], refs).chrf for i in range(n_systems)]
        buckets.append(Bucket(label, len(rows), chrf))
    return buckets


def _differences(segments) -> list[Difference]:
    """The reference segments where the systems' sentence chrF spreads most (only with two systems or more)."""
    if not segments or len(segments[0][2]) < 2:
        return []
    diffs = [Difference(article, ref, hyps, [sentence_chrf(h, ref) for h in hyps]) for article, ref, hyps in segments]
    return sorted(diffs, key=lambda d: -d.spread)[:TOP_DIFFERENCES]


def to_json(comparison: Comparison) -> dict:
    """Everything as plain JSON data for scripts."""
    data = dataclasses.asdict(comparison)
    for item, diff in zip(data["differences"], comparison.differences):
        item["spread"] = diff.spread
    return data


def _metric_cell(result: MetricResult) -> str:
    text = f"{result.score:.1f} ± {result.ci:.1f}"
    if result.p_value is not None:
        star = "*" if result.p_value < SIGNIFICANCE else ""
        text += f" (p={result.p_value:.3f}){star}"
    return text


def render_terminal(comparison: Comparison, console: Console) -> None:
    """Print the systems, per-article, length-bucket and largest-difference tables."""
    names = [escape(s.name) for s in comparison.systems]
    metrics = list(comparison.systems[0].metrics)
    table = Table(title="Corpus scores (95% CI; p-value against the first system, * below 0.05)")
    table.add_column("system")
    for metric in metrics:
        table.add_column(metric, justify="right")
    for system in comparison.systems:
        table.add_row(escape(system.name), *(_metric_cell(system.metrics[m]) for m in metrics))
    console.print(table)

    table = Table(title="chrF per article")
    for column in ["article", "segments", *names]:
        table.add_column(column, justify="left" if column == "article" else "right")
    for article in comparison.articles:
        table.add_row(escape(article.article), str(article.segments), *(f"{x:.1f}" for x in article.chrf))
    console.print(table)

    table = Table(title="chrF by reference length (words)")
    for column in ["length", "segments", *names]:
        table.add_column(column, justify="right")
    for bucket in comparison.buckets:
        table.add_row(bucket.label, str(bucket.segments), *(f"{x:.1f}" for x in bucket.chrf))
    console.print(table)

    if comparison.differences:
        table = Table(title="Largest differences (sentence chrF)", show_lines=True)
        for column in ["article", "reference", *names]:
            table.add_column(column, overflow="fold")
        for diff in comparison.differences:
            table.add_row(escape(diff.article), escape(diff.reference),
                          *(f"{escape(hyp)}\n[dim]chrF {chrf:.1f}[/]" for hyp, chrf in zip(diff.hypotheses, diff.chrf)))
        console.print(table)
    for article, reason in comparison.skipped.items():
        console.print(f"[yellow]left out[/] {escape(article)}: {escape(reason)}")


_COLORS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948", "#9c755f")

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:80em}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}
th{background:#f0f0f0}
td.num{text-align:right;white-space:nowrap}
.sig{font-weight:bold}
small{color:#666}
"""


def _bar_chart(comparison: Comparison) -> str:
    """Inline SVG: grouped bars of chrF (0-100) per length bucket, one colour per system."""
    n = len(comparison.systems)
    bar, gap, height, top, left = 18, 24, 200, 20, 40
    group = n * bar + gap
    width = left + group * len(comparison.buckets) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + top + 40}" '
             f'role="img" aria-label="chrF by reference length">']
    for tick in (0, 25, 50, 75, 100):
        y = top + height * (1 - tick / 100)
        parts.append(f'<line x1="{left}" x2="{width}" y1="{y}" y2="{y}" stroke="#ddd"/>'
                     f'<text x="{left - 5}" y="{y + 4}" font-size="11" text-anchor="end">{tick}</text>')
    for b, bucket in enumerate(comparison.buckets):
        x0 = left + b * group + gap / 2
        for i, value in enumerate(bucket.chrf):
            h = height * max(0.0, min(value, 100.0)) / 100
            parts.append(f'<rect x="{x0 + i * bar}" y="{top + height - h:.1f}" width="{bar - 2}" height="{h:.1f}" '
                         f'fill="{_COLORS[i % len(_COLORS)]}"><title>{html.escape(comparison.systems[i].name)}: '
                         f'{value:.1f}</title></rect>'
                         f'<text x="{x0 + i * bar + (bar - 2) / 2}" y="{top + height - h - 3:.1f}" font-size="9" '
                         f'text-anchor="middle">{value:.0f}</text>')
        parts.append(f'<text x="{x0 + n * bar / 2}" y="{top + height + 16}" font-size="12" text-anchor="middle">'
                     f'{bucket.label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(comparison: Comparison) -> str:
    """One self-contained HTML page (inline CSS and SVG, no external assets)."""
    esc = html.escape
    names = [s.name for s in comparison.systems]
    metrics = list(comparison.systems[0].metrics)
    legend = " ".join(f'<span style="color:{_COLORS[i % len(_COLORS)]}">&#9632;</span> {esc(n)}'
                      for i, n in enumerate(names))

    def head(cells):
        return "<tr>" + "".join(f"<th>{esc(c)}</th>" for c in cells) + "</tr>"

    def num(value):
        return f'<td class="num">{value:.1f}</td>'

    out = ["<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Translation comparison</title>",
           f"<style>{_STYLE}</style></head><body>\n<h1>Translation comparison</h1>",
           "<h2>Corpus scores</h2><p><small>95% confidence intervals from paired bootstrap resampling; "
           "p-values against the first system; bold: p &lt; 0.05.</small></p>",
           "<table>" + head(["system", "run", *metrics])]
    for system in comparison.systems:
        cells = []
        for metric in metrics:
            r = system.metrics[metric]
            css = ' sig' if r.p_value is not None and r.p_value < SIGNIFICANCE else ""
            cells.append(f'<td class="num{css}">{esc(_metric_cell(r))}</td>')
        out.append(f"<tr><td>{esc(system.name)}</td><td>{esc(system.path)}</td>{''.join(cells)}</tr>")
    out.append("</table><p><small>" + "<br>".join(f"{esc(m)}: {esc(s)}" for m, s in comparison.signatures.items())
               + "</small></p>")
    out.append("<h2>chrF by reference length (words)</h2>" + _bar_chart(comparison) + f"<p>{legend}</p>")
    out.append("<table>" + head(["length", "segments", *names]))
    out += [f'<tr><td>{b.label}</td><td class="num">{b.segments}</td>{"".join(num(x) for x in b.chrf)}</tr>'
            for b in comparison.buckets]
    out.append("</table><h2>Per article (chrF / BLEU)</h2><table>" + head(["article", "segments", *names]))
    for a in comparison.articles:
        cells = "".join(f'<td class="num">{c:.1f} / {b:.1f}</td>' for c, b in zip(a.chrf, a.bleu))
        out.append(f'<tr><td>{esc(a.article)}</td><td class="num">{a.segments}</td>{cells}</tr>')
    out.append("</table>")
    if comparison.differences:
        out.append("<h2>Largest differences (sentence chrF)</h2><table>" + head(["article", "reference", *names]))
        for d in comparison.differences:
            cells = "".join(f"<td>{esc(h)}<br><small>chrF {c:.1f}</small></td>" for h, c in zip(d.hypotheses, d.chrf))
            out.append(f"<tr><td>{esc(d.article)}</td><td>{esc(d.reference)}</td>{cells}</tr>")
        out.append("</table>")
    if comparison.skipped:
        out.append("<h2>Left out</h2><ul>" + "".join(f"<li>{esc(k)}: {esc(v)}</li>"
                                                     for k, v in comparison.skipped.items()) + "</ul>")
    out.append("</body></html>\n")
    return "\n".join(out)


def write_html(comparison: Comparison, path: Path) -> None:
    """Write ``render_html`` atomically to ``path``."""
    atomic_write_text(Path(path), render_html(comparison))
