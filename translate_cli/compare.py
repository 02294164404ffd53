"""Compare translation runs (folders written by ``batch`` or ``translate``) against references.

Each system's translation (its ``.en.txt``) is paired with the reference as ``score.score_texts`` does,
line by line when every system's lines correspond to the reference's, else by aligned sentences. Each
system's corpus and per-article scores are computed on its own segments, so they are the figures of
``score``, ``translate`` and ``batch`` and never depend on which other systems are compared. Paired
significance needs segments that every system shares: consecutive reference sentences stay together where
any system's regrouping joins them; on those runs sacrebleu's own paired bootstrap resampling against the
first run (1000 resamples, seed from ``SACREBLEU_SEED``, default 12345), giving the means, 95% confidence
intervals and p-values, and the analyses below.

On the same segments come compare-mt's analyses (``analysis``): n-gram match differences, word accuracy by
word frequency, segments by sentence chrF and by reference length, and the segments where the systems
differ most, beside their source text (from the first run's ``.jsonl``) with word-level differences.
Reports: JSON data, terminal tables (``compare_report``) and an HTML page (``templates/compare.html.j2``)
that links each article's page in every run. Finding the systems, their files and the shared articles is
``compare_load``'s job.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sacrebleu.significance import PairedTest, Result

from translate_cli.align import align
from translate_cli.analysis import (
    NgramComparison,
    ScoreBucket,
    WordBucket,
    ngram_differences,
    ngram_matches,
    read_word_frequencies,
    score_buckets,
    tokenize,
    word_accuracy,
    word_changes,
    word_frequencies,
)
from translate_cli.batch import refresh_links
from translate_cli.checks import CODES, check_pairs, count_findings
from translate_cli.compare_load import article_page, load_runs, translated_rows
from translate_cli.errors import UserError
from translate_cli.formats import atomic_write_text
from translate_cli.layout import INDEX_NAME
from translate_cli.pages import LOWER_IS_BETTER, METRIC_DIRECTIONS, article_files, page_link, render_page
from translate_cli.pipeline import read_article, read_input
from translate_cli.score import (
    METRIC_LABELS,
    SegmentGroups,
    chrf_of_stats,
    corpus_metrics,
    corresponding_line_stats,
    group_texts,
    pair_texts,
    score_corpus_metric,
    segments_of,
    sentence_chrf,
    text_lines,
)

LENGTH_EDGES = (10, 20, 30, 40)  # reference length buckets in words: 1-10, 11-20, 21-30, 31-40, 41+
TOP_DIFFERENCES = 10
SIGNIFICANCE = 0.05


@dataclass
class MetricResult:
    """One corpus metric of one system: score (on the system's own segments), bootstrap mean and 95% CI and
    p-value against the baseline (on the segments all systems share)."""

    score: float
    mean: float
    ci: float
    p_value: float | None = None  # None for the baseline (first system)


@dataclass
class System:
    """One run: its corpus metrics, the sentences each translation check flagged in the compared articles
    (``checks.check_pairs`` on its ``.jsonl`` rows and their model confidences, so runs written before the
    checks are counted too), and the mean of those confidences (None where no row has one: ``check``, a
    stand-in, a run from before confidences)."""

    name: str
    path: str
    metrics: dict[str, MetricResult] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    confidence: float | None = None
    model: str | None = None  # the model, engine and beam the run says it used (``model_label``), if it says


@dataclass
class ArticleScores:
    """chrF and BLEU of every system on one article (lists follow ``Comparison.systems``)."""

    article: str
    segments: int
    chrf: list[float]
    bleu: list[float]
    pages: list[str | None] = field(default_factory=list)  # each run's HTML page of the article, if any


@dataclass
class Bucket:
    """Corpus chrF of every system on the segments whose reference length falls in ``label``."""

    label: str
    segments: int
    chrf: list[float]


@dataclass
class Difference:
    """A reference segment where the systems' sentence chrF differs most, with its source text.

    ``changes`` holds each hypothesis as runs of words, flagged where it differs from the first system's
    (``analysis.word_changes``).
    """

    article: str
    reference: str
    hypotheses: list[str]
    chrf: list[float]
    source: str = ""
    changes: list[list[tuple[str, bool]]] = field(default_factory=list)
    unaligned: list[bool] = field(default_factory=list)  # empty because alignment gave the system no text here

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
    score_buckets: list[ScoreBucket] = field(default_factory=list)
    word_accuracy: list[WordBucket] = field(default_factory=list)
    frequency_source: str = "references"  # what the word frequencies were counted on
    ngrams: list[NgramComparison] = field(default_factory=list)  # the first system against each other one
    lengths: list[int] = field(default_factory=list)  # reference words of each shared segment
    sentence_chrf: list[list[float]] = field(default_factory=list)  # each shared segment's chrF per system


def compare_runs(run_dirs: list[Path], references: Path, n_samples: int = 1000,
                 frequency_corpus: Path | None = None, names: Sequence[str] | None = None) -> Comparison:
    """Score each run on the articles that every run and the reference folder share.

    A run is a folder that ``translate`` or ``batch`` wrote (one written with several models counts as one
    run per model), or a plain hypothesis file, as compare-mt takes systems. ``names`` labels the systems
    (default: their paths, shortened to what tells them apart). Word frequencies for the word-accuracy
    buckets are counted on ``frequency_corpus`` (a training text, one sentence a line) when given, else on
    the references.
    """
    loaded = load_runs(run_dirs, references, frequency_corpus, names)
    run_dirs, runs, refs, names, skipped = loaded.run_dirs, loaded.runs, loaded.refs, loaded.names, loaded.skipped
    models, common = loaded.models, loaded.common

    # segments[i] is (article, reference segment, [hypothesis of each system]); sources[i] its source text
    segments: list[tuple[str, str, list[str]]] = []
    sources: list[str] = []
    unaligned: list[list[bool]] = []  # per segment, which systems alignment left without text there
    own: list[list[tuple[str, str, str]]] = [[] for _ in runs]  # each system's (article, hypothesis, reference)
    units: dict[str, int] = {}  # reference units of each article
    flagged = [dict.fromkeys(CODES, 0) for _ in runs]
    confidences: list[list[float]] = [[] for _ in runs]  # each system's known row confidences
    chrf: list[list[float]] = []  # each segment's sentence chrF per system
    stats: list[list[list[int]] | None] = []  # each segment's chrF statistics per system, when scored by line
    article_stats: dict[str, list[list[list[int]]]] = {}  # the line statistics of each system, by article
    for key in common:
        try:
            ref_text = read_input(refs[key])[0]  # as translate, batch and score read a reference
            hyp_texts = [read_article(run[key]) for run in runs]
            rows = [translated_rows(run[key]) for run in runs]  # a damaged run folder is not trusted
        except UserError as exc:
            skipped[key] = str(exc)
            continue
        # the scoring path of score.score_texts, with one choice of lines or sentences for all systems
        line_stats = _line_stats(hyp_texts, ref_text)
        by_line = line_stats is not None
        pairings = [pair_texts(h, ref_text, by_line) for h in hyp_texts]
        scored = [segments_of(p) for p in pairings]
        groups = shared_segments(scored)
        for system, segs in zip(own, scored):
            system += [(key, hyp, ref) for hyp, ref in zip(segs.hyps, segs.refs)]
        units[key] = len(pairings[0].ref)
        per_system = [group_texts(g, p.hyp, p.ref) for g, p in zip(groups, pairings)]
        added = [(key, ref, [hyps[i] for hyps, _ in per_system]) for i, ref in enumerate(per_system[0][1])]
        segments += added
        # by line, a segment is a line: the line check's statistics give its chrF
        if line_stats is not None:
            article_stats[key] = line_stats
            by_segment = [[system[i] for system in line_stats] for i in range(len(added))]
            stats += by_segment
            chrf += [[chrf_of_stats([row]) for row in segment] for segment in by_segment]
        else:
            stats += [None] * len(added)
            chrf += [[sentence_chrf(h, ref) for h in hyps] for _, ref, hyps in added]
        unaligned += [[not by_line and not system[i][0] for system in groups] for i in range(len(groups[0]))]
        unit_sources = _unit_sources(pairings[0].hyp, rows[0])
        sources += [" ".join(unit_sources[i] for i in src if unit_sources[i]) for src, _ in groups[0]]
        for counts, known, system_rows in zip(flagged, confidences, rows):
            system_rows = system_rows or []
            found = check_pairs([row[2] for row in system_rows], [row[1] for row in system_rows],
                                [row[3] for row in system_rows])
            for code, n in count_findings(found).items():
                counts[code] += n
            known += [row[3] for row in system_rows if row[3] is not None]
    if not segments:
        raise UserError("no article could be compared: " + "; ".join(f"{k}: {v}" for k, v in skipped.items()))
    common = [key for key in common if key not in skipped]

    systems, signatures = _significance(names, run_dirs, segments, n_samples, own)
    for row, counts, known, model in zip(systems, flagged, confidences, models):
        row.flagged, row.model = counts, model
        row.confidence = sum(known) / len(known) if known else None
    articles = _per_article(common, own, units, article_stats)
    for article in articles:
        article.pages = [article_page(run[article.article]) for run in runs]
    comparison = Comparison(systems, signatures, articles, _buckets(segments, len(names), stats),
                            _differences(segments, sources, chrf, unaligned), skipped, score_buckets(chrf),
                            lengths=[len(ref.split()) for _, ref, _ in segments], sentence_chrf=chrf)
    _add_word_analyses(comparison, segments, frequency_corpus)
    return comparison


def _line_stats(hyp_texts: Sequence[str], ref_text: str) -> list[list[list[int]]] | None:
    """Each hypothesis's line chrF statistics when every one corresponds to the reference line by line
    (``score.corresponding_line_stats``), else None."""
    ref = text_lines(ref_text)
    found = []
    for text in hyp_texts:
        stats = corresponding_line_stats(text_lines(text), ref)
        if stats is None:
            return None
        found.append(stats)
    return found


def shared_segments(systems: list[SegmentGroups]) -> list[list[tuple[list[int], list[int]]]]:
    """Regroup every system's segments (from ``score.segments_of`` on the same reference units) to one
    segmentation of the reference that all of them respect: a segment starts only where every system's
    does. Returns each system's (hypothesis ids, reference ids) groups; one system keeps its own."""
    starts = set.intersection(*({tgt[0] for _, tgt in s.groups if tgt} for s in systems))
    shared: list[list[tuple[list[int], list[int]]]] = []
    for system in systems:
        merged: list[tuple[list[int], list[int]]] = []
        for src, tgt in system.groups:
            if not merged or (tgt and tgt[0] in starts):
                merged.append((list(src), list(tgt)))
            else:
                merged[-1][0].extend(src)
                merged[-1][1].extend(tgt)
        shared.append([(sorted(src), tgt) for src, tgt in merged])
    return shared


def _unit_sources(units: list[str], rows: list[tuple[list[int], str, str, float | None]] | None) -> list[str]:
    """The source text of each hypothesis unit, through the run's ``.jsonl`` rows (translation, source):
    units and row translations are aligned (the same text, maybe split otherwise) and each bead's source
    goes to its first unit."""
    found = [""] * len(units)
    if not rows:
        return found
    translations = [row[1] for row in rows]
    for bead in align(units, translations, src_translation=units):
        if bead.src:
            found[bead.src[0]] = " ".join(rows[j][2] for j in bead.tgt)
    return found


def labelled_metrics() -> dict:
    """The sacrebleu metrics of ``score.score_corpus``, keyed by display label, for the paired test."""
    return {METRIC_LABELS[key]: metric for key, metric in corpus_metrics().items()}


def _significance(names, run_dirs, segments, n_samples, own) -> tuple[list[System], dict[str, str]]:
    """Corpus scores on each system's own segments (``own``), with paired bootstrap CIs and p-values against
    the first system on the shared ``segments`` (sacrebleu's PairedTest)."""
    refs = [ref for _, ref, _ in segments]
    named: list[tuple[str, Sequence[str]]] = [(name, [hyps[i] for _, _, hyps in segments])
                                              for i, name in enumerate(names)]
    metrics = labelled_metrics()
    signatures, results = PairedTest(named, metrics, [refs], test_type="bs", n_samples=n_samples)()
    del results["System"]
    systems = [System(name, str(path)) for name, path in zip(names, run_dirs)]
    # sacrebleu keys results by score name (chrF2, chrF2++); its dicts keep the order of ``metrics``
    # sacrebleu gives p = 1/(n+1) to a system identical to the baseline (no resample differs); say 1.0
    same = [hyps == named[0][1] for _, hyps in named]
    for label, column in zip(metrics, results.values()):
        for system, result, identical in zip(systems, column, same):
            # sacrebleu types each column as names or Results: the names ("System") are deleted above, and the
            # bootstrap test sets mean and ci
            assert isinstance(result, Result) and result.mean is not None and result.ci is not None
            p_value = 1.0 if identical and result.p_value is not None else result.p_value
            system.metrics[label] = MetricResult(result.score, float(result.mean), float(result.ci), p_value)
    for k, (system, (_, hyps)) in enumerate(zip(systems, named)):
        own_hyps, own_refs = [hyp for _, hyp, _ in own[k]], [ref for _, _, ref in own[k]]
        if (own_hyps, own_refs) != (hyps, refs):  # merged for the others: score the system's own segments
            for label, metric in metrics.items():
                system.metrics[label].score = metric.corpus_score(own_hyps, [own_refs]).score
    return systems, {label: sig.format() for label, sig in zip(metrics, signatures.values())}


def _per_article(keys, own, units: dict[str, int],
                 line_stats: dict[str, list[list[list[int]]]]) -> list[ArticleScores]:
    """chrF and BLEU of each system on each article, on the system's own segments; ``segments`` counts the
    article's reference units, the same for every system. chrF comes from the line statistics of an article
    scored by line (``line_stats``; its own segments are its lines)."""
    by_article: list[dict[str, list[tuple[str, str]]]] = [{} for _ in own]
    for system, grouped in zip(own, by_article):
        for article, hyp, ref in system:
            grouped.setdefault(article, []).append((hyp, ref))
    table = []
    for key in keys:
        rows = [grouped[key] for grouped in by_article]
        chrf = ([chrf_of_stats(system) for system in line_stats[key]] if line_stats.get(key)
                else [score_corpus_metric("chrf", [h for h, _ in r], [ref for _, ref in r]) for r in rows])
        bleu = [score_corpus_metric("bleu", [h for h, _ in r], [ref for _, ref in r]) for r in rows]
        table.append(ArticleScores(key, units[key], chrf, bleu))
    return table


def _bucket_label(words: int) -> str:
    low = 1
    for edge in LENGTH_EDGES:
        if words <= edge:
            return f"{low}-{edge}"
        low = edge + 1
    return f"{low}+"


def _buckets(segments, n_systems, stats: list[list[list[int]] | None]) -> list[Bucket]:
    """Corpus chrF per reference-length bucket, in increasing length; from the segments' chrF statistics
    (``stats``, per system) where every segment of a bucket has them."""
    groups: dict[str, list[tuple[str, list[str], list[list[int]] | None]]] = {}
    for (_, ref, hyps), by_system in zip(segments, stats):
        groups.setdefault(_bucket_label(len(ref.split())), []).append((ref, hyps, by_system))
    labels = [_bucket_label(edge) for edge in LENGTH_EDGES] + [_bucket_label(LENGTH_EDGES[-1] + 1)]
    buckets = []
    for label in (label for label in labels if label in groups):
        rows = groups[label]
        refs = [ref for ref, _, _ in rows]
        known = [segment for _, _, segment in rows if segment is not None]
        chrf = ([chrf_of_stats([segment[i] for segment in known]) for i in range(n_systems)] if len(known) == len(rows)
                else [score_corpus_metric("chrf", [hyps[i] for _, hyps, _ in rows], refs) for i in range(n_systems)])
        buckets.append(Bucket(label, len(rows), chrf))
    return buckets


def _differences(segments, sources: list[str], chrf: list[list[float]],
                 unaligned: list[list[bool]]) -> list[Difference]:
    """The reference segments where the systems' sentence chrF spreads most (only with two systems or more);
    each says which hypotheses are empty because alignment gave that system no text there."""
    if not segments or len(segments[0][2]) < 2:
        return []
    diffs = [Difference(article, ref, hyps, scores, source, unaligned=empty)
             for (article, ref, hyps), source, scores, empty in zip(segments, sources, chrf, unaligned)]
    top = sorted(diffs, key=lambda d: -d.spread)[:TOP_DIFFERENCES]
    for diff in top:
        diff.changes = word_changes(diff.hypotheses)
    return top


def _add_word_analyses(comparison: Comparison, segments, frequency_corpus: Path | None) -> None:
    """compare-mt's word accuracy by frequency and n-gram differences (first system against each other)."""
    refs = [tokenize(ref) for _, ref, _ in segments]
    outputs = [[tokenize(hyps[i]) for _, _, hyps in segments] for i in range(len(comparison.systems))]
    if frequency_corpus is not None:
        frequencies = read_word_frequencies(Path(frequency_corpus))
        comparison.frequency_source = str(frequency_corpus)
    else:
        frequencies = word_frequencies(refs)
    comparison.word_accuracy = word_accuracy(refs, outputs, frequencies)
    matches = [ngram_matches(refs, hyps) for hyps in outputs]
    names = [s.name for s in comparison.systems]
    comparison.ngrams = [ngram_differences((names[0], names[i]), matches[0], matches[i])
                         for i in range(1, len(names))]


def to_json(comparison: Comparison) -> dict:
    """Everything as plain JSON data for scripts."""
    data = dataclasses.asdict(comparison)
    for item, diff in zip(data["differences"], comparison.differences):
        item["spread"] = diff.spread
    return data


def significant(result: MetricResult, baseline: MetricResult) -> bool:
    """Whether to star ``result``: p below 0.05 against the baseline and a difference in the shown (rounded) score."""
    return (result.p_value is not None and result.p_value < SIGNIFICANCE
            and f"{result.score:.1f}" != f"{baseline.score:.1f}")


def metric_cell(result: MetricResult, baseline: MetricResult) -> str:
    text = f"{result.score:.1f} ± {result.ci:.1f}"
    if result.p_value is not None:
        text += f" (p={result.p_value:.3f}){'*' if significant(result, baseline) else ''}"
    return text


def better(result: MetricResult, baseline: MetricResult, metric: str) -> bool:
    return (result.score < baseline.score) == (metric in LOWER_IS_BETTER)


def render_comparison_html(comparison: Comparison, base: Path | None = None) -> str:
    """One self-contained HTML page (template ``compare.html.j2``) linking each run's article pages and batch
    index; links are relative to folder ``base``."""
    base = Path(base) if base is not None else Path.cwd()
    metrics = list(comparison.systems[0].metrics)
    baseline = comparison.systems[0].metrics
    scores = [[{"text": metric_cell(system.metrics[m], baseline[m]),
                "significant": significant(system.metrics[m], baseline[m]),
                "better": better(system.metrics[m], baseline[m], m)} for m in metrics]
              for system in comparison.systems]
    links = {a.article: [page_link(Path(page), base) if page else None for page in a.pages]
             for a in comparison.articles}
    files = {a.article: [[(label, page_link(path, base)) for label, path in article_files(Path(page))] if page else []
                         for page in a.pages] for a in comparison.articles}
    indexes = [page_link(Path(s.path) / INDEX_NAME, base) if (Path(s.path) / INDEX_NAME).is_file() else None
               for s in comparison.systems]
    # the score chart's top: the highest interval end, rounded up to the next 20 (TER may pass 100)
    score_top = 20 * max(1, math.ceil(max(r.score + r.ci for s in comparison.systems for r in s.metrics.values()) / 20))
    return render_page("compare.html.j2", comparison=comparison, names=[s.name for s in comparison.systems],
                       metrics=metrics, scores=scores, links=links, files=files, indexes=indexes,
                       directions=METRIC_DIRECTIONS,
                       score_top=score_top, length_top=10 * max(1, math.ceil(max(comparison.lengths) / 10)))


def write_html(comparison: Comparison, path: Path) -> str | None:
    """Write ``render_comparison_html`` atomically to ``path``, linking article pages relative to its folder; in a
    batch's OUTDIR, its index (and a run's article pages) are updated to link the report: ``"run"`` or ``"models"``
    then (``batch.refresh_links``), else None."""
    path = Path(path)
    atomic_write_text(path, render_comparison_html(comparison, path.parent))
    return refresh_links(path.parent)
