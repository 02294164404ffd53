"""Benchmark translate_cli.segment against sentencex, pysbd, blingfire and spaCy's sentencizer.

Usage: python benchmarks/bench_segment.py [--data DIR]   (DIR defaults to ../shared/data/test)

Gold documents are rebuilt from line-aligned test sets, one sentence per line:

* FLORES-200 devtest: consecutive lines with the same URL in flores200.devtest.metadata.tsv form a
  document; its sentences are joined with single spaces into one paragraph.
* NTREX-128 (WMT19 news, document order, no document ids): an English line without final
  punctuation is a headline or subheading; it opens a new pseudo-document and is followed by a
  newline, as in a real article. Body lines are joined with single spaces.
* tests/data/segment_hard_id.txt: the hand-made hard cases (" || " joins with a space, " // " with
  a newline).

A boundary is the number of non-whitespace characters before it, so systems that normalise
whitespace are scored fairly; a boundary found inside a gold line counts as a false positive.
pysbd has no Indonesian: it runs with language "en" on both sides.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from itertools import groupby
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translate_cli.segment import segment  # noqa: E402

HARD_CASES = ROOT / "tests" / "data" / "segment_hard_id.txt"
Document = tuple[str, list[int]]  # text and its gold boundaries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "test")
    args = parser.parse_args()

    sets = {}
    for lang in ("id", "en"):
        sets[f"flores200 {lang}"] = (lang, flores(args.data, lang))
        sets[f"ntrex128 {lang}"] = (lang, ntrex(args.data, lang))
    sets["hard cases id"] = ("id", hard_cases(HARD_CASES))

    table = Table(title="Sentence boundaries: precision / recall / F1 (micro), speed per document call")
    for column in ("set", "docs", "boundaries", "system", "P", "R", "F1", "MB/s"):
        table.add_column(column, justify="left" if column in ("set", "system") else "right")
    for name, (lang, docs) in sets.items():
        gold_count = sum(len(gold) for _, gold in docs)
        for i, (system, split) in enumerate(systems(lang).items()):
            p, r, f, speed = evaluate(split, docs)
            table.add_row(name if i == 0 else "", str(len(docs)) if i == 0 else "", str(gold_count) if i == 0 else "",
                          system, f"{p:.4f}", f"{r:.4f}", f"{f:.4f}", f"{speed:.2f}")
        table.add_section()
    Console(width=120).print(table)
    print("FLORES lines sometimes hold two or more sentences: a split inside one counts as a false positive,")
    print("which caps precision for every system. pysbd has no Indonesian rules: it runs with 'en' on both sides.")

    text = "\n\n".join(doc for _, docs in sets.values() for doc, _ in docs)
    size = len(text.encode()) / 1e6
    seconds = min(timed(lambda: segment(text)) for _ in range(3))
    print(f"translate_cli.segment on all sets as one text ({size:.2f} MB): {size / seconds:.1f} MB/s")


def systems(lang: str) -> dict:
    """Each system as a function from text to its list of sentence strings."""
    import blingfire
    import pysbd
    import sentencex
    import spacy

    pysbd_segmenter = pysbd.Segmenter(language="en", clean=False)
    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    return {
        "translate_cli": lambda text: [s.text for s in segment(text, lang)],
        "sentencex": lambda text: list(sentencex.segment(lang, text)),
        "pysbd (en rules)" if lang == "id" else "pysbd": pysbd_segmenter.segment,
        "blingfire": lambda text: blingfire.text_to_sentences(text).split("\n"),
        "spacy sentencizer": lambda text: [s.text for s in nlp(text).sents],
    }


def evaluate(split, docs: list[Document]) -> tuple[float, float, float, float]:
    """Micro precision, recall, F1 of the boundaries ``split`` finds, and its speed in MB/s."""
    tp = fp = fn = 0
    seconds = 0.0
    for text, gold in docs:
        start = time.perf_counter()
        sentences = split(text)
        seconds += time.perf_counter() - start
        found = boundaries(sentences)
        if found[-1:] != [nonspace(text)]:
            raise SystemExit(f"a system changed the text of: {text[:80]!r}")
        found_set, gold_set = set(found[:-1]), set(gold)
        tp += len(found_set & gold_set)
        fp += len(found_set - gold_set)
        fn += len(gold_set - found_set)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    size = sum(len(text.encode()) for text, _ in docs) / 1e6
    return precision, recall, f1, size / seconds


def boundaries(sentences: list[str]) -> list[int]:
    """Non-whitespace characters before the end of each non-blank sentence."""
    ends, total = [], 0
    for sentence in sentences:
        if sentence.strip():
            total += nonspace(sentence)
            ends.append(total)
    return ends


def nonspace(text: str) -> int:
    return len(text) - sum(map(len, re.findall(r"\s+", text)))


def document(sentences: list[str], separators: list[str]) -> Document:
    """Join sentences with the given separators (one fewer than sentences) into a gold document."""
    text = sentences[0] + "".join(sep + s for sep, s in zip(separators, sentences[1:]))
    return text, boundaries(sentences)[:-1]


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def flores(data: Path, lang: str) -> list[Document]:
    urls = [row.split("\t")[0] for row in read_lines(data / "flores200.devtest.metadata.tsv")[1:]]
    lines = read_lines(data / f"flores200.devtest.{lang}")
    docs, i = [], 0
    for _, group in groupby(urls):
        n = len(list(group))
        docs.append(document(lines[i : i + n], [" "] * (n - 1)))
        i += n
    return docs


def ntrex(data: Path, lang: str) -> list[Document]:
    english = read_lines(data / "ntrex128.newstest2019.en")
    lines = read_lines(data / f"ntrex128.newstest2019.{lang}")
    headline = [line.rstrip("\"'”’)»").rstrip()[-1:] not in ".!?…:;," for line in english]
    docs, start = [], 0
    for i in range(1, len(lines) + 1):
        if i == len(lines) or (headline[i] and not headline[i - 1]):
            seps = ["\n" if headline[j] else " " for j in range(start, i - 1)]
            docs.append(document(lines[start:i], seps))
            start = i
    return docs


def hard_cases(path: Path) -> list[Document]:
    docs = []
    for line in read_lines(path):
        if line.strip() and not line.startswith("#"):
            parts = re.split(r" (\|\||//) ", line)
            docs.append(document(parts[::2], [" " if sep == "||" else "\n" for sep in parts[1::2]]))
    return docs


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
