"""Probe the SubRip reader and writer on real subtitle files (e.g. pysrt's tests/static: utf-8.srt,
windows-1252.srt, capability_tester.srt), read from the paths given; no model: each chain's "translation"
is its own text, so what changes is the layout, never the words.

    python benchmarks/srt_probe.py FILE.srt...

For each file: cues, chains (blocks), segments (what the model is given), formatting tags before and
after, cues changed in timing (must be 0), cues over 2 lines of 42 characters before and after, CRLF and
BOM before and after, and the notices of the writer.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import srt

from translate_cli.documents import read_document, render_document
from translate_cli.pipeline import segment_blocks
from translate_cli.textfile import decode

TAG = re.compile(r"</?[A-Za-z][^>]*>|\{\\[^}]*\}")  # "2<3,5>1" is text


def over(cues) -> int:
    lines = [TAG.sub("", cue.content).splitlines() for cue in cues]
    return sum(len(cue) > 2 or any(len(line) > 42 for line in cue) for cue in lines)


def crlf(data: bytes) -> bool:
    return b"\r\n" in data


def bom(data: bytes) -> bool:
    return data.startswith(b"\xef\xbb\xbf")


def main(paths: list[str]) -> None:
    for path in paths:
        data = Path(path).read_bytes()
        document = read_document(path, data, print)
        notices: list[str] = []
        segments = segment_blocks(document.blocks)
        out = render_document(document, segments, notices.append)
        before = list(srt.parse(decode(data, path)))
        after = list(srt.parse(out.decode("utf-8-sig")))
        moved = sum((a.start, a.end, a.index) != (b.start, b.end, b.index) for a, b in zip(before, after))
        tags = sum(len(TAG.findall(cue.content)) for cue in before), sum(len(TAG.findall(c.content)) for c in after)
        print(f"{Path(path).name}: {len(before)} cues -> {len(after)}, {len(document.blocks)} chains, "
              f"{len(segments)} segments, "
              f"tags {tags[0]} -> {tags[1]}, timings changed {moved}, over 2x42 {over(before)} -> {over(after)}, "
              f"CRLF {crlf(data)} -> {crlf(out)}, BOM {bom(data)} -> {bom(out)}")
        for line in notices:
            print("  notice:", line)


if __name__ == "__main__":
    main(sys.argv[1:])
