"""Read the held-out Indonesian–English test sets as documents, straight from ``shared/data``.

The corpora are read in place (read-only) and never copied into the repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "test"
SETS = ("flores200", "ntrex128")


@dataclass(frozen=True)
class Document:
    """One document: parallel Indonesian and English sentences, line-aligned."""

    name: str
    id: list[str]
    en: list[str]


def read_lines(path: Path) -> list[str]:
    """Lines of a UTF-8 text file, without line ends."""
    return path.read_text(encoding="utf-8").splitlines()


def read_pair(data: Path, name: str) -> tuple[list[str], list[str]]:
    """The ``NAME.id`` and ``NAME.en`` files of a line-aligned pair."""
    src, tgt = read_lines(data / f"{name}.id"), read_lines(data / f"{name}.en")
    if len(src) != len(tgt):
        raise ValueError(f"{name}: {len(src)} Indonesian lines but {len(tgt)} English lines")
    return src, tgt


def flores_documents(data: Path = DEFAULT_DATA) -> list[Document]:
    """flores200.devtest split into documents: consecutive lines with the same source URL."""
    src, tgt = read_pair(data, "flores200.devtest")
    urls = [row.split("\t")[0] for row in read_lines(data / "flores200.devtest.metadata.tsv")[1:]]
    if len(urls) != len(src):
        raise ValueError(f"flores200 metadata has {len(urls)} rows for {len(src)} lines")
    docs: list[Document] = []
    for k, url in enumerate(urls):
        if k == 0 or url != urls[k - 1]:
            docs.append(Document(f"flores200:{len(docs)}", [], []))
        docs[-1].id.append(src[k])
        docs[-1].en.append(tgt[k])
    return docs


def chunked_documents(data: Path, name: str, size: int = 80) -> list[Document]:
    """A line-aligned pair in document order, cut into pseudo-documents of ``size`` lines."""
    src, tgt = read_pair(data, name)
    return [
        Document(f"{name}:{k // size}", src[k : k + size], tgt[k : k + size])
        for k in range(0, len(src), size)
    ]


def ntrex_documents(data: Path = DEFAULT_DATA, size: int = 80) -> list[Document]:
    """ntrex128.newstest2019 (lines in document order) cut into documents of ``size`` lines."""
    return chunked_documents(data, "ntrex128.newstest2019", size)


def load(name: str, data: Path = DEFAULT_DATA) -> list[Document]:
    """Documents of one set by short name: ``flores200``, ``ntrex128`` or any ``NAME`` pair in ``data``."""
    if name == "flores200":
        return flores_documents(data)
    if name == "ntrex128":
        return ntrex_documents(data)
    return chunked_documents(data, name)
