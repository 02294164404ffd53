"""How reading and writing back documents scales on hostile ones: a page whose one paragraph holds N inline
<code> elements (anchors), a .docx with N empty paragraphs, and a .docx zip bomb.

Usage: python benchmarks/bench_documents.py [--n 20000] [--bomb-mb 1024]

For N and 4N it prints the seconds of ``read_document`` and ``render_document`` (the translation being the
source text itself) and their ratio: about 4 when the work is linear, 16 when quadratic. Then the seconds
and the peak memory (ru_maxrss) of refusing a .docx of about 1 MB whose document.xml unpacks to
``--bomb-mb`` MB.
"""

from __future__ import annotations

import argparse
import io
import resource
import time
import zipfile

from translate_cli.documents import read_document, render_document
from translate_cli.errors import UserError
from translate_cli.records import Segment


def code_page(n: int) -> bytes:
    body = "".join(f"kata nomor {i} memakai <code>fn{i % 50}()</code> lalu " for i in range(n))
    return f"<html><head><title>Judul</title></head><body><article><p>{body}akhir.</p></article></body></html>".encode()


def empty_paragraphs(n: int) -> bytes:
    import docx
    from docx.oxml import OxmlElement

    document = docx.Document()
    document.add_paragraph("Banjir melanda kota itu pada hari Senin.")
    section = document.element.body[-1]
    for _ in range(n):
        section.addprevious(OxmlElement("w:p"))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def round_trip(name: str, data: bytes) -> tuple[float, float]:
    started = time.perf_counter()
    document = read_document(name, data)
    read = time.perf_counter() - started
    started = time.perf_counter()
    render_document(document, [Segment(block.text, k, 0, 0) for k, block in enumerate(document.blocks)])
    return read, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--bomb-mb", type=int, default=1024)
    args = parser.parse_args()
    for label, make, name in (("<code> in one paragraph", code_page, "a.html"),
                              ("empty .docx paragraphs", empty_paragraphs, "a.docx")):
        times = []
        for n in (args.n, 4 * args.n):
            data = make(n)
            read, render = round_trip(name, data)
            times.append(read + render)
            print(f"{label:24} N={n:>7} ({len(data) / 1e6:5.2f} MB): read {read:6.2f}s  render {render:6.2f}s")
        print(f"{label:24} 4N/N time ratio {times[1] / max(times[0], 1e-9):.1f} (linear 4, quadratic 16)")
    base = zipfile.ZipFile(io.BytesIO(empty_paragraphs(0)))
    head, tail = base.read("word/document.xml").split(b"<w:body>", 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in base.infolist():
            if item.filename != "word/document.xml":
                archive.writestr(item, base.read(item))
        with archive.open("word/document.xml", "w") as member:  # the body padded with bomb-mb MB of spaces
            member.write(head + b"<w:body>")
            for _ in range(args.bomb_mb):
                member.write(b" " * 2**20)
            member.write(tail)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    try:
        read_document("bomb.docx", out.getvalue())
        outcome = "read"
    except UserError as error:
        outcome = f"refused: {error}"
    print(f"zip bomb ({len(out.getvalue()) / 1e6:.1f} MB -> {args.bomb_mb} MB): {time.perf_counter() - started:.2f}s, "
          f"peak RSS {before:.0f} -> {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB ({outcome})")


if __name__ == "__main__":
    main()
