"""Make a folder of articles (and one of references) from a line-aligned held-out set, for batch/compare.

    python benchmarks/make_articles.py --data ../shared/data/test --set news.test --n 50 --out /tmp/articles

writes OUT/src/<group>/article-NN.id.txt and OUT/ref/<group>/article-NN.en.txt: consecutive lines, a few
sentences per paragraph. The held-out text stays outside the project.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared/data/test")
    parser.add_argument("--set", default="news.test")
    parser.add_argument("--n", type=int, default=50, help="number of articles")
    parser.add_argument("--lines", type=int, default=20, help="lines per article")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    src = (args.data / f"{args.set}.id").read_text(encoding="utf-8").splitlines()
    ref = (args.data / f"{args.set}.en").read_text(encoding="utf-8").splitlines()
    for n in range(min(args.n, len(src) // args.lines)):
        rows = range(n * args.lines, (n + 1) * args.lines)
        for side, lines, lang in (("src", src, "id"), ("ref", ref, "en")):
            paragraphs = [" ".join(lines[i] for i in rows[p:p + 4]) for p in range(0, len(rows), 4)]
            path = args.out / side / f"group-{n // 10}" / f"article-{n:02d}.{lang}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    print(f"{min(args.n, len(src) // args.lines)} articles in {args.out}/src, references in {args.out}/ref")


if __name__ == "__main__":
    main()
