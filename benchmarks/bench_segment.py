"""Benchmark translate_cli.segment against sentencex, pysbd, blingfire and spaCy's sentencizer.

Usage: python benchmarks/bench_segment.py [--data DIR] [--ud DIR] [--golden FILE] [--sentencex DIR] [--against REV]
                                          [--sastrawi DIR] [--sets WORD] [--only SYSTEM] [--errors N]
       python benchmarks/bench_segment.py --text FILE [--mb 4] [--against REV]   (speed only, on FILE's lines)

Every set is optional: a set whose path is not given (or does not exist) is skipped. The "use"
column says what a set is for: "tune" sets were looked at while writing the rules and word lists,
"held out" sets never were (../shared/data/test must stay held out).

* --data DIR (default ../shared/data/test), line-aligned test sets, one sentence per line:
  FLORES-200 devtest (consecutive lines with the same URL in flores200.devtest.metadata.tsv form a
  document, joined with single spaces) and NTREX-128 (WMT19 news in document order without ids: an
  English line without final punctuation is a headline; it opens a new pseudo-document and is
  followed by a newline, as in a real article; body lines are joined with single spaces).
* tests/data/segment_hard_{id,en}.txt, the hand-made hard cases (" || " a space, " // " a newline).
* --ud DIR: Universal Dependencies CoNLL-U files (UD_Indonesian-GSD dev/test, -CSUI train/test,
  -PUD test; UD_English-EWT and -GUM dev/test); see benchmarks/segment_suites.py for how running
  text is rebuilt. Dev and train splits are "tune", test splits "held out".
* --golden FILE: pySBD's benchmarks/english_golden_rules.py (the Pragmatic Segmenter's rules).
* --sentencex DIR: sentencex's tests/ folder (en.txt and lists.txt are read); its own failing
  cases are commented out there, so this set flatters sentencex.
* --sastrawi DIR: the features/ folder of sastrawi/sentence-detector (Indonesian).

To obtain them with the session tool `fetch` (github:UniversalDependencies/UD_Indonesian-GSD, ...,
github:nipunsadvilkar/pySBD, github:wikimedia/sentencex, github:sastrawi/sentence-detector), copy
the files out of each snapshot, e.g. ``git -C /work/.mirror/UniversalDependencies+UD_Indonesian-GSD/repo
show HEAD:id_gsd-ud-dev.conllu > suites/ud/id_gsd-ud-dev.conllu``. They are not committed.

A boundary is the number of non-whitespace characters before it, so systems that normalise
whitespace are scored fairly; a boundary found inside a gold sentence counts as a false positive.
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
from segment_suites import (
    Document,
    boundaries,
    document,
    gherkin_features,
    golden_rules,
    nonspace,
    sentencex_tests,
    ud_documents,
)

from translate_cli.segment import segment

ROOT = Path(__file__).resolve().parent.parent

HARD_CASES = ROOT / "tests" / "data"
UD_FILES = {  # file name -> (language, use)
    "id_gsd-ud-dev.conllu": ("id", "tune"),
    "id_csui-ud-train.conllu": ("id", "tune"),
    "en_ewt-ud-dev.conllu": ("en", "tune"),
    "en_gum-ud-dev.conllu": ("en", "tune"),
    "id_gsd-ud-test.conllu": ("id", "held out"),
    "id_csui-ud-test.conllu": ("id", "held out"),
    "id_pud-ud-test.conllu": ("id", "held out"),
    "en_ewt-ud-test.conllu": ("en", "held out"),
    "en_gum-ud-test.conllu": ("en", "held out"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "test")
    parser.add_argument("--ud", type=Path, help="folder with UD .conllu files")
    parser.add_argument("--golden", type=Path, help="pySBD's benchmarks/english_golden_rules.py")
    parser.add_argument("--sentencex", type=Path, help="sentencex's tests/ folder")
    parser.add_argument("--sastrawi", type=Path, help="sastrawi/sentence-detector's features/ folder")
    parser.add_argument("--sets", default="", help="only the sets whose name contains this")
    parser.add_argument("--only", default="", help="only the systems whose name contains this")
    parser.add_argument("--errors", type=int, default=0, help="print N missed/extra boundaries of translate_cli")
    parser.add_argument("--against", metavar="REV", help="also time segment.py of git revision REV (same output)")
    parser.add_argument("--text", type=Path, metavar="FILE",
                        help="time only, on FILE's first --mb MB of lines, 3 a paragraph (e.g. train/combined.id)")
    parser.add_argument("--mb", type=float, default=4.0, help="how much of --text to read (default 4)")
    args = parser.parse_args()

    if args.text:
        time_segment(paragraphs(args.text, args.mb), args.against, ("id",))
        return

    sets = {name: s for name, s in read_sets(args).items() if args.sets in name}
    table = Table(title="Sentence boundaries: precision / recall / F1 (micro), speed per document call")
    for column in ("set", "use", "docs", "boundaries", "system", "P", "R", "F1", "MB/s"):
        table.add_column(column, justify="left" if column in ("set", "use", "system") else "right")
    for name, (lang, use, docs) in sets.items():
        gold_count = sum(len(gold) for _, gold in docs)
        chosen = {system: split for system, split in systems(lang).items() if args.only in system}
        for i, (system, split) in enumerate(chosen.items()):
            p, r, f, speed = evaluate(split, docs)
            first = i == 0
            table.add_row(name if first else "", use if first else "", str(len(docs)) if first else "",
                          str(gold_count) if first else "", system, f"{p:.4f}", f"{r:.4f}", f"{f:.4f}", f"{speed:.2f}")
        table.add_section()
        if args.errors:
            show_errors(name, lang, docs, args.errors)
    Console(width=130).print(table)
    print("FLORES and UD lines sometimes hold two or more sentences: a split inside one counts as a false positive,")
    print("which caps precision for every system. pysbd has no Indonesian rules: it runs with 'en' on both sides.")

    print("all sets as one text:")
    time_segment("\n\n".join(doc for _, _, docs in sets.values() for doc, _ in docs), args.against,
                 ("id", "en", "fr"))


def paragraphs(path: Path, mb: float) -> str:
    """The first lines of ``path`` up to ``mb`` MB, every 3 joined by a space into a paragraph, paragraphs
    separated by a blank line."""
    lines, size = [], 0
    with path.open(encoding="utf-8") as f:
        for line in f:
            if size >= mb * 1e6:
                break
            lines.append(line.strip())
            size += len(lines[-1].encode()) + 1
    return "\n\n".join(" ".join(lines[i:i + 3]) for i in range(0, len(lines), 3))


def time_segment(text: str, against: str | None, langs: tuple[str, ...]) -> None:
    """Print translate_cli.segment's speed on ``text`` (Indonesian rules, CPU time, best of 5), blingfire's,
    and with ``against`` the speed of that revision's segment.py and whether it gives the same segments
    under each of ``langs``' rules."""
    size = len(text.encode()) / 1e6
    seconds = min(cpu_timed(lambda: segment(text)) for _ in range(5))
    print(f"translate_cli.segment on {size:.2f} MB: {size / seconds:.1f} MB/s (CPU time, best of 5)")
    if "blingfire" in systems("id"):
        import blingfire

        peer = min(cpu_timed(lambda: blingfire.text_to_sentences(text)) for _ in range(5))
        print(f"blingfire on the same text: {size / peer:.1f} MB/s; translate_cli at {peer / seconds:.2f}x its speed")
    if against:
        old = segment_at(against)
        same = all(old(text, lang) == segment(text, lang) for lang in langs)
        old_seconds = min(cpu_timed(lambda: old(text, "id")) for _ in range(5))
        print(f"segment.py of {against}: {size / old_seconds:.1f} MB/s; now {old_seconds / seconds:.2f}x as fast; "
              f"same segments ({', '.join(langs)} rules): {same}")


def segment_at(revision: str):
    """``segment`` as it was in git revision ``revision`` (its data files as they are now)."""
    import importlib.util
    import subprocess
    import tempfile

    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:translate_cli/segment.py"],
                            capture_output=True, text=True, check=True).stdout
    folder = Path(tempfile.mkdtemp())
    (folder / "segment_then.py").write_text(source, encoding="utf-8")
    (folder / "data").symlink_to(ROOT / "translate_cli" / "data")
    spec = importlib.util.spec_from_file_location("segment_then", folder / "segment_then.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["segment_then"] = module  # dataclasses look their module up
    sys.modules.setdefault("translate_cli.document", importlib.import_module("translate_cli.records"))  # its old name
    spec.loader.exec_module(module)
    return module.segment


def read_sets(args) -> dict[str, tuple[str, str, list[Document]]]:
    """Every set whose path was given: name -> (language, use, gold documents)."""
    sets = {}
    if args.data.is_dir():
        for lang in ("id", "en"):
            sets[f"flores200 {lang}"] = (lang, "held out", flores(args.data, lang))
            sets[f"ntrex128 {lang}"] = (lang, "held out", ntrex(args.data, lang))
    for lang in ("id", "en"):
        sets[f"hard cases {lang}"] = (lang, "tune", hard_cases(HARD_CASES / f"segment_hard_{lang}.txt"))
    if args.ud:
        for file_name, (lang, use) in UD_FILES.items():
            if (args.ud / file_name).is_file():
                sets["ud " + file_name.removesuffix(".conllu").replace("-ud-", " ")] = (
                    lang, use, ud_documents(args.ud / file_name))
    if args.golden:
        sets["golden rules en"] = ("en", "tune", golden_rules(args.golden))
    if args.sentencex:
        sets["sentencex tests en"] = ("en", "tune", [
            doc for name in ("en.txt", "lists.txt") for doc in sentencex_tests(args.sentencex / name)])
    if args.sastrawi:
        sets["sastrawi tests id"] = ("id", "tune", gherkin_features(args.sastrawi))
    return sets


def show_errors(name: str, lang: str, docs: list[Document], limit: int) -> None:
    """Print translate_cli's missed (-) and extra (+) boundaries in context, at most ``limit``."""
    shown = 0
    for text, gold in docs:
        found = set(boundaries([s.text for s in segment(text, lang)])[:-1])
        for position in sorted(found ^ set(gold)):
            if shown == limit:
                return
            at = char_index(text, position)
            sign = "+" if position in found else "-"
            print(f"{name} {sign} {text[max(0, at - 60):at]!r} | {text[at:at + 40]!r}")
            shown += 1


def char_index(text: str, nonspace_count: int) -> int:
    """The index in ``text`` just after its first ``nonspace_count`` non-whitespace characters."""
    seen = 0
    for i, char in enumerate(text):
        if not char.isspace():
            seen += 1
            if seen == nonspace_count:
                return i + 1
    return len(text)


def systems(lang: str) -> dict:
    """Each system as a function from text to its list of sentence strings."""
    from importlib.util import find_spec

    import blingfire
    import pysbd
    import sentencex

    pysbd_segmenter = pysbd.Segmenter(language="en", clean=False)
    chosen = {
        "translate_cli": lambda text: [s.text for s in segment(text, lang)],
        "sentencex": lambda text: list(sentencex.segment(lang, text)),
        "pysbd (en rules)" if lang == "id" else "pysbd": pysbd_segmenter.segment,
        "blingfire": lambda text: blingfire.text_to_sentences(text).split("\n"),
    }
    if find_spec("spacy"):  # the largest peer to install: left out when absent
        import spacy

        nlp = spacy.blank(lang)
        nlp.add_pipe("sentencizer")
        chosen["spacy sentencizer"] = lambda text: [s.text for s in nlp(text).sents]
    return chosen


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


def cpu_timed(function) -> float:
    """CPU seconds of one call: steadier than wall time on a shared machine."""
    start = time.process_time()
    function()
    return time.process_time() - start


if __name__ == "__main__":
    main()
