"""Reference aligners for the benchmark: Gale-Church (NLTK) and hunalign (no dictionary), as beads.

* Gale & Church (1993) as implemented in ``nltk.translate.gale_church`` (``pip install nltk``), on
  character lengths with its default parameters; it searches the full matrix in pure Python, so it
  is only run on documents of up to a few hundred sentences.
* hunalign (Varga et al. 2005) with an empty dictionary, so it aligns on sentence length and identical
  tokens (numbers, names). Not packaged for Debian 12; build it outside the repository:
  ``git clone https://github.com/danielvarga/hunalign && make -C hunalign/src/hunalign`` and pass
  ``--hunalign hunalign/src/hunalign/hunalign``.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

Pair = tuple[tuple[int, ...], tuple[int, ...]]


def gale_church(src: Sequence[str], tgt: Sequence[str]) -> list[Pair]:
    """NLTK's Gale-Church alignment, its sentence links grouped into beads."""
    from nltk.translate.gale_church import LanguageIndependent, align_blocks

    if not src or not tgt:
        return [((i,), ()) for i in range(len(src))] + [((), (j,)) for j in range(len(tgt))]
    src_len, tgt_len = [max(len(s), 1) for s in src], [max(len(t), 1) for t in tgt]

    class Parameters(LanguageIndependent):  # Gale & Church's c: target characters per source character
        AVERAGE_CHARACTERS = sum(tgt_len) / sum(src_len)

    links = align_blocks(src_len, tgt_len, Parameters)
    return _beads_from_links(links, len(src), len(tgt))


def _beads_from_links(links, n: int, m: int) -> list[Pair]:
    """Monotonic links (i, j) grouped into beads (links sharing a sentence chained together), with the
    sentences in between as 1-0 / 0-1 beads, in document order."""
    groups: list[tuple[list[int], list[int]]] = []
    for i, j in sorted(links):
        if groups and (i == groups[-1][0][-1] or j == groups[-1][1][-1]):
            groups[-1][0].extend([i] if i != groups[-1][0][-1] else [])
            groups[-1][1].extend([j] if j != groups[-1][1][-1] else [])
        else:
            groups.append(([i], [j]))
    beads: list[Pair] = []
    i = j = 0
    for src, tgt in [*groups, ([n], [m])]:
        beads += [((k,), ()) for k in range(i, src[0])] + [((), (k,)) for k in range(j, tgt[0])]
        beads.append((tuple(src), tuple(tgt)))
        i, j = src[-1] + 1, tgt[-1] + 1
    return beads[:-1]


def hunalign(src: Sequence[str], tgt: Sequence[str], binary: Path) -> list[Pair]:
    """hunalign's ladder with an empty dictionary, turned into beads."""
    if not src or not tgt:
        return [((i,), ()) for i in range(len(src))] + [((), (j,)) for j in range(len(tgt))]
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, side in (("null.dic", []), ("src.txt", src), ("tgt.txt", tgt)):
            path = Path(tmp) / name
            path.write_text("".join(f"{_tokenize(s)}\n" for s in side), encoding="utf-8")
            paths.append(str(path))
        out = subprocess.run([str(binary), "-utf", *paths], capture_output=True, text=True, check=True).stdout
    rungs = [tuple(int(x) for x in line.split("\t")[:2]) for line in out.splitlines() if line.strip()]
    beads = []
    for (i0, j0), (i1, j1) in zip(rungs, rungs[1:]):
        if i1 > i0 or j1 > j0:
            beads.append((tuple(range(i0, i1)), tuple(range(j0, j1))))
    return beads


def _tokenize(text: str) -> str:
    """Words (each Chinese character one), punctuation marks separated by spaces, as hunalign expects."""
    return " ".join(re.findall(r"[\u3400-\u9fff]|[^\W\u3400-\u9fff]+|[^\w\s]", text)) or "."
