"""Readers for public sentence-segmentation test suites, each turned into gold documents.

A gold document is a text and its gold boundaries, each boundary written as the number of
non-whitespace characters before it (so systems that normalise whitespace are scored fairly).
None of these suites is shipped with the project; bench_segment.py takes their paths.

* Universal Dependencies (``*.conllu``): the ``# text`` lines of one ``# newdoc`` document form the
  running text, sentences joined by a space, or by a newline where ``# newpar`` opens a paragraph.
  Treebanks without documents (the Indonesian ones) are cut into pseudo-documents of 10 sentences.
* pySBD / Pragmatic Segmenter "Golden Rules" (English): ``benchmarks/english_golden_rules.py`` of
  pySBD, a Python list literal read with ``ast.literal_eval`` (never executed).
* sentencex's test files (``tests/en.txt``, ``tests/lists.txt``): "input / --- / one segment a
  line / ===" blocks; lines starting with "#" are comments (its failing cases are commented out).
* Sastrawi sentence-detector's Gherkin features (Indonesian): the text after "Given" and the
  expected sentences after "Then", each inside triple quotes.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

Document = tuple[str, list[int]]  # text and its gold boundaries
UD_DOCUMENT_SENTENCES = 10  # sentences per pseudo-document where a treebank has no documents


def nonspace(text: str) -> int:
    return len(text) - sum(map(len, re.findall(r"\s+", text)))


def boundaries(sentences: list[str]) -> list[int]:
    """Non-whitespace characters before the end of each non-blank sentence."""
    ends, total = [], 0
    for sentence in sentences:
        if sentence.strip():
            total += nonspace(sentence)
            ends.append(total)
    return ends


def document(sentences: list[str], separators: list[str]) -> Document:
    """Join sentences with the given separators (one fewer than sentences) into a gold document."""
    text = sentences[0] + "".join(sep + s for sep, s in zip(separators, sentences[1:]))
    return text, boundaries(sentences)[:-1]


def expected_document(text: str, sentences: list[str]) -> Document | None:
    """A suite's input text with its expected sentences, or None where they do not spell the text."""
    if nonspace("".join(sentences)) != nonspace(text) or not sentences:
        return None
    return text, boundaries(sentences)[:-1]


def ud_documents(path: Path) -> list[Document]:
    """Running-text documents from one CoNLL-U file (see the module docstring)."""
    docs: list[Document] = []
    sentences: list[str] = []
    separators: list[str] = []
    new_paragraph = False

    def close() -> None:
        if sentences:
            docs.append(document(sentences, separators[1:]))
        sentences.clear()
        separators.clear()

    has_documents = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# newdoc"):
            has_documents = True
            close()
        elif line.startswith("# newpar"):
            new_paragraph = True
        elif line.startswith("# text = "):
            if not has_documents and len(sentences) == UD_DOCUMENT_SENTENCES:
                close()
            separators.append("\n" if new_paragraph else " ")
            sentences.append(line[len("# text = ") :].strip())
            new_paragraph = False
    close()
    return docs


def golden_rules(path: Path) -> list[Document]:
    """pySBD's english_golden_rules.py: a list of (text, expected sentences) pairs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pairs = next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign))
    return [doc for text, expected in pairs if (doc := expected_document(text, expected))]


def sentencex_tests(path: Path) -> list[Document]:
    """One of sentencex's tests/*.txt files: input, "---", expected segments, "===" per case."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    docs = []
    for block in "\n".join(lines).split("\n===\n"):
        if "\n---\n" in block:
            text, expected = block.split("\n---\n", 1)
            sentences = [line.replace("\\n", "\n") for line in expected.splitlines() if line.strip()]
            if doc := expected_document(text.strip("\n"), sentences):
                docs.append(doc)
    return docs


def gherkin_features(path: Path) -> list[Document]:
    """Sastrawi's *.feature files: the text after "Given" and the sentences after "Then"."""
    docs = []
    for feature in sorted(path.glob("*.feature")):
        strings = re.findall(r'"""\n(.*?)\n\s*"""', feature.read_text(encoding="utf-8"), re.DOTALL)
        for given, then in zip(strings[::2], strings[1::2]):
            text = "\n".join(line.strip() for line in given.splitlines())
            if doc := expected_document(text, [line.strip() for line in then.splitlines() if line.strip()]):
                docs.append(doc)
    return docs
