"""Real parallel documents with gold sentence alignments, and their scoring; corpora are read in place.

Nothing here is copied into the repository. Sources:

* line-aligned Indonesian–English pairs of ``shared/data`` (Bible and Quran verses, TED lines, FLORES-200,
  NTREX-128): each line is split into sentences with :func:`translate_cli.segment.segment`, the gold bead
  of a line holds all its sentences on both sides, and predictions are scored at line (verse) level;
* Text+Berg German–French (the Bleualign test set as shipped in Vecalign's ``bleualign_data``): sentence
  level gold with real 1-0/0-1 and n-m beads;
* MAC-Test Chinese–English (Bertalign's ``corpus/mac/test``): 24 literary chapters, InterText gold links,
  and Bertalign's machine translation of the Chinese (``split/*.trans``);
* Bertalign's Chinese–English Bible (``corpus/bible``): one 5,000 x 6,301 sentence document (English
  source), verse gold, and Bertalign's machine translation of the English into Chinese.

Scores follow Bertalign's ``eval.py`` (after Vecalign's ``score.py``): precision over every predicted
bead, recall over the gold beads that are not 1-0/0-1; a bead is a strict match when identical to a
gold bead and a lax match when it shares a source and a target sentence with one. Verse- and line-level
gold follows Bertalign's ``eval_bible.py``: consecutive predicted beads within one verse are merged first.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from pathlib import Path
from xml.etree import ElementTree

from translate_cli.segment import segment

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

Pair = tuple[tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True)
class Gold:
    """A document to align and its gold beads.

    ``src_units``/``tgt_units`` give the verse (line) of each sentence when the gold is at that level;
    ``translation`` is a real machine translation of ``src`` into the target's language, when the set has one.
    """

    name: str
    src: list[str]
    tgt: list[str]
    beads: list[Pair]
    src_units: list[int] | None = None
    tgt_units: list[int] | None = None
    translation: list[str] | None = None


def read_lines(path: Path) -> list[str]:
    """Lines of a UTF-8 text file, without line ends."""
    return path.read_text(encoding="utf-8").splitlines()


def read_pair(folder: Path, name: str, langs: tuple[str, str] = ("id", "en")) -> tuple[list[str], list[str]]:
    """The ``NAME.<src>`` and ``NAME.<tgt>`` files of a line-aligned pair."""
    src, tgt = read_lines(folder / f"{name}.{langs[0]}"), read_lines(folder / f"{name}.{langs[1]}")
    if len(src) != len(tgt):
        raise ValueError(f"{name}: {len(src)} {langs[0]} lines but {len(tgt)} {langs[1]} lines")
    return src, tgt


def from_lines(name: str, src_lines: Sequence[str], tgt_lines: Sequence[str]) -> Gold:
    """An Indonesian–English document from parallel lines: each line segmented, one gold bead per line."""
    doc = Gold(name, [], [], [], [], [])
    for unit, (src_line, tgt_line) in enumerate(zip(src_lines, tgt_lines)):
        bead = []
        for side, units, line, lang in ((doc.src, doc.src_units, src_line, "id"),
                                        (doc.tgt, doc.tgt_units, tgt_line, "en")):
            texts = [s.text for s in segment(line, lang)]
            bead.append(tuple(range(len(side), len(side) + len(texts))))
            side += texts
            units += [unit] * len(texts)
        doc.beads.append((bead[0], bead[1]))
    return doc


def chunked(folder: Path, name: str, size: int = 100) -> list[Gold]:
    """A line-aligned Indonesian–English pair in document order, cut into documents of ``size`` lines."""
    src, tgt = read_pair(folder, name)
    return [from_lines(f"{name}:{k // size}", src[k : k + size], tgt[k : k + size]) for k in range(0, len(src), size)]


def whole(folder: Path, name: str) -> Gold:
    """A line-aligned Indonesian–English pair as one long document."""
    return from_lines(name, *read_pair(folder, name))


def flores(folder: Path) -> list[Gold]:
    """FLORES-200 devtest: consecutive lines with the same source URL form a document."""
    src, tgt = read_pair(folder, "flores200.devtest")
    urls = [row.split("\t")[0] for row in read_lines(folder / "flores200.devtest.metadata.tsv")[1:]]
    if len(urls) != len(src):
        raise ValueError(f"flores200 metadata has {len(urls)} rows for {len(src)} lines")
    docs, k = [], 0
    for _, group in groupby(urls):
        n = len(list(group))
        docs.append(from_lines(f"flores200:{len(docs)}", src[k : k + n], tgt[k : k + n]))
        k += n
    return docs


def ntrex(folder: Path) -> list[Gold]:
    """NTREX-128 (WMT19 news in document order): an English line without final punctuation (a headline)
    opens a new document, as in ``bench_segment.py``."""
    src, tgt = read_pair(folder, "ntrex128.newstest2019")
    starts = [k for k, line in enumerate(tgt) if k == 0 or not re.search(r"[.!?\"'”’)]$", line.strip())]
    starts = [s for k, s in enumerate(starts) if k == 0 or s - starts[k - 1] > 1]  # a headline + subheading
    bounds = zip(starts, [*starts[1:], len(src)])
    return [from_lines(f"ntrex128:{k}", src[a:b], tgt[a:b]) for k, (a, b) in enumerate(bounds)]


def _vecalign_beads(path: Path) -> list[Pair]:
    """Gold beads in Vecalign's format, one ``[0, 1]:[2]`` per line."""
    beads = []
    for line in read_lines(path):
        src, tgt = line.split(":")
        beads.append((_indices(src), _indices(tgt)))
    return beads


def _indices(text: str) -> tuple[int, ...]:
    return tuple(int(k) for k in re.findall(r"\d+", text))


def text_berg(folder: Path, names: Iterable[str]) -> list[Gold]:
    """Text+Berg German–French documents (``NAME.de``, ``NAME.fr``, gold ``NAME.defr``) of Vecalign's
    ``bleualign_data`` folder; ``dev`` is for tuning, ``test0`` to ``test6`` for testing."""
    return [
        Gold(f"text+berg:{name}", read_lines(folder / f"{name}.de"), read_lines(folder / f"{name}.fr"),
             _vecalign_beads(folder / f"{name}.defr"))
        for name in names
    ]


def mac(folder: Path) -> list[Gold]:
    """MAC-Test (Bertalign's ``corpus/mac/test``): Chinese–English chapters with InterText gold links and
    Bertalign's machine translation of the Chinese sentences."""
    docs = []
    for links in sorted((folder / "intertext").glob("corpus_test.*_zh.*_en.xml")):
        k = links.name.split(".")[1].split("_")[0]
        ids = {}
        for lang in ("zh", "en"):
            sentences = ElementTree.parse(folder / "intertext" / f"corpus_test.{k}_{lang}.xml").iter("s")
            ids[lang] = {s.get("id"): n for n, s in enumerate(sentences)}
        beads = []
        for link in ElementTree.parse(links).iter("link"):
            tgt, src = link.get("xtargets").split(";")  # InterText: toDoc (English) ids first
            beads.append((tuple(ids["zh"][s] for s in src.split()), tuple(ids["en"][t] for t in tgt.split())))
        doc = Gold(f"mac:{k}", read_lines(folder / "split" / f"{k}.zh"), read_lines(folder / "split" / f"{k}.en"),
                   beads, translation=read_lines(folder / "split" / f"{k}.trans"))
        if (len(doc.src), len(doc.tgt)) != (len(ids["zh"]), len(ids["en"])):
            raise ValueError(f"{doc.name}: split files do not match the InterText sentences")
        docs.append(doc)
    return docs


def bible_en_zh(folder: Path) -> Gold:
    """Bertalign's Chinese-English Bible (``corpus/bible``), text 001, with English as the source: its
    shipped machine translation (``split/001.trans``) is of the English into Chinese. Verse gold from
    ``*.verse``."""
    src, tgt = read_lines(folder / "split" / "001.en"), read_lines(folder / "split" / "001.zh")
    src_verse, tgt_verse = read_lines(folder / "en.verse")[: len(src)], read_lines(folder / "zh.verse")[: len(tgt)]
    number = {v: n for n, v in enumerate(dict.fromkeys(src_verse + tgt_verse))}
    src_units, tgt_units = [number[v] for v in src_verse], [number[v] for v in tgt_verse]
    return Gold("bible-en-zh", src, tgt, _unit_beads(src_units, tgt_units), src_units, tgt_units,
                read_lines(folder / "split" / "001.trans"))


def _unit_beads(src_units: Sequence[int], tgt_units: Sequence[int]) -> list[Pair]:
    """One gold bead per unit: its sentences on each side."""
    sides: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for i, unit in enumerate(src_units):
        sides[unit][0].append(i)
    for j, unit in enumerate(tgt_units):
        sides[unit][1].append(j)
    return [(tuple(s), tuple(t)) for _, (s, t) in sorted(sides.items())]


def partial(doc: Gold, part: str) -> Gold:
    """The document with its target cut to the gold beads of its first, middle or last third
    (``part``: ``first``, ``middle``, ``last``); the source sentences left uncovered become 1-0 beads."""
    thirds = {"first": (0, 1), "middle": (1, 2), "last": (2, 3)}[part]
    start, end = (round(len(doc.beads) * k / 3) for k in thirds)
    kept = sorted(j for src, tgt in doc.beads[start:end] for j in tgt)
    new = {j: n for n, j in enumerate(kept)}
    beads = []
    for k, (src, tgt) in enumerate(doc.beads):
        if start <= k < end:
            beads.append((src, tuple(new[j] for j in tgt)))
        elif doc.src_units is not None and src:
            beads.append((src, ()))
        else:
            beads += [((i,), ()) for i in src]
    return replace(
        doc, name=f"{doc.name}:{part}", tgt=[doc.tgt[j] for j in kept], beads=beads,
        tgt_units=None if doc.tgt_units is None else [doc.tgt_units[j] for j in kept],
    )


def edited(doc: Gold, rng: random.Random, merge: float = 0.10, delete: float = 0.05) -> Gold:
    """The document (line or verse gold) with a reference edited as careless translators and segmenters
    do: each target sentence deleted with probability ``delete``, else merged with the next one with
    probability ``merge``. A merge joins the two lines into one gold bead; a line left without target
    sentences is a 1-0 bead."""
    root: dict[int, int] = {}  # line -> the earlier line a merge joined it to
    tgt, tgt_units, j = [], [], 0
    while j < len(doc.tgt):
        roll = rng.random()
        unit = doc.tgt_units[j]
        if roll < delete:
            j += 1
            continue
        if roll < delete + merge and j + 1 < len(doc.tgt):
            root[doc.tgt_units[j + 1]] = root.get(unit, unit)
            tgt.append(f"{doc.tgt[j]} {doc.tgt[j + 1]}")
            j += 1
        else:
            tgt.append(doc.tgt[j])
        tgt_units.append(unit)
        j += 1
    src_units = [root.get(u, u) for u in doc.src_units]
    tgt_units = [root.get(u, u) for u in tgt_units]
    return replace(doc, name=f"{doc.name}:edited", tgt=tgt, beads=_unit_beads(src_units, tgt_units),
                   src_units=src_units, tgt_units=tgt_units)


def coverage(doc: Gold) -> float:
    """Share of the source sentences that the target covers."""
    covered = sum(len(src) for src, tgt in doc.beads if tgt)
    return covered / max(len(doc.src), 1)


def merge_to_units(beads: Iterable[Pair], src_units: Sequence[int], tgt_units: Sequence[int]) -> list[Pair]:
    """Bertalign's verse-level merge: consecutive beads within one verse (a bead's empty side takes the
    verse of its other side) become one bead; beads across verses stay as they are."""
    merged: list[Pair] = []
    last = None
    for src, tgt in beads:
        units = {src_units[i] for i in src} | {tgt_units[j] for j in tgt}
        unit = units.pop() if len(units) == 1 else None
        if unit is not None and unit == last:
            merged[-1] = (merged[-1][0] + src, merged[-1][1] + tgt)
        else:
            merged.append((src, tgt))
        last = unit
    return merged


def _matches(gold: Iterable[Pair], test: Iterable[Pair]) -> tuple[int, int, int]:
    """Strict and lax matches of the ``test`` beads among ``gold`` beads, and the number of test beads."""
    gold = {b for b in gold if b[0] or b[1]}
    test = {b for b in test if b[0] or b[1]}
    linked = defaultdict(set)  # source sentence -> target sentences of its gold bead
    for src, tgt in gold:
        for i in src:
            linked[i].update(tgt)
    strict = lax = 0
    for src, tgt in test:
        if (src, tgt) in gold:
            strict += 1
            lax += 1
        elif any(j in linked[i] for i in src for j in tgt):
            lax += 1
    return strict, lax, len(test)


@dataclass
class Counts:
    """Summed strict/lax counts over documents: precision over predicted beads, recall over gold ones."""

    p_strict: int = 0
    p_lax: int = 0
    predicted: int = 0
    r_strict: int = 0
    r_lax: int = 0
    expected: int = 0

    def add(self, doc: Gold, predicted: Iterable[Pair]) -> None:
        """Count one document's predicted beads against its gold beads."""
        predicted = list(predicted)
        if doc.src_units is not None:
            predicted = merge_to_units(predicted, doc.src_units, doc.tgt_units)
        strict, lax, n = _matches(doc.beads, predicted)
        self.p_strict, self.p_lax, self.predicted = self.p_strict + strict, self.p_lax + lax, self.predicted + n
        strict, lax, n = _matches([b for b in predicted if b[0] and b[1]], [b for b in doc.beads if b[0] and b[1]])
        self.r_strict, self.r_lax, self.expected = self.r_strict + strict, self.r_lax + lax, self.expected + n

    def f1(self, lax: bool = False) -> float:
        """Strict (or lax) F1."""
        p = (self.p_lax if lax else self.p_strict) / max(self.predicted, 1)
        r = (self.r_lax if lax else self.r_strict) / max(self.expected, 1)
        return 2 * p * r / (p + r) if p + r else 0.0

    def precision(self) -> float:
        return self.p_strict / max(self.predicted, 1)

    def recall(self) -> float:
        return self.r_strict / max(self.expected, 1)
