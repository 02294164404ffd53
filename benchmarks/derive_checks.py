"""Learn what translate_cli.checks needs from training corpora: the id->en length ratio and the common words.

Usage: python benchmarks/derive_checks.py ../shared/data/train/combined [--min-count 5]

PREFIX.id / PREFIX.en are line-aligned training text (never a test/ file). Prints the median English/Indonesian
character ratio and its 0.5% and 99.5% quantiles over pairs whose source has at least 20 characters (paste them
into ``checks.py``), and writes ``translate_cli/data/checks_words_id.txt``: the words a translation translates even
when they are capitalised (``Universitas``, ``Pantai``, ``Samudera``), not names it must keep. A word seen
capitalised at least twice is listed when its English line keeps it (itself or a near spelling, as the names check
reads it) less than half the time, other words when they are written in lower case at least MIN_COUNT times, and
not a name the source never writes in lower case and the English side writes as a name (``Yusuf``, which
translations of the Bible render ``Joseph``); common words kept at least 80% of the time (``Indonesia``,
``Global``, ``Partai``) in a section of their own: a name, unless a name follows it (``Partai Republik``,
``Gubernur Anies``: a title or a kind of place), and among them those the English side writes alike in lower case
(``Terminal``, ``Bank``, ``Museum``): part of the name even before one (``Terminal Kalideres``: ``Kalideres
Terminal``), since a translation has no word to put instead.
Also writes ``translate_cli/data/checks_words_en.txt``: the common words that the English side writes in lower case
at least as often (``and``, ``time``, ``series``): English words that Indonesian text borrows, no sign that a line
is Indonesian; and ``translate_cli/data/checks_names_en.txt``: the words the English side writes capitalised
mid-sentence and never in lower case, shaped like Indonesian words (``Haiti``, ``Amazon``): names even when they open a
sentence alone, where an unknown Indonesian-shaped word (``Kari adalah``) is taken for a rare common word.
"""

from __future__ import annotations

import argparse
import math
import re
from collections import Counter
from pathlib import Path

from translate_cli.checks import _INDONESIAN_SHAPE, _rendering

WORD = re.compile(r"[^\W\d_]+")
OUT = Path(__file__).resolve().parent.parent / "translate_cli" / "data" / "checks_words_id.txt"
NAMES_OUT = OUT.with_name("checks_names_en.txt")
ENGLISH_OUT = OUT.with_name("checks_words_en.txt")
MID_SENTENCE = re.compile(r"[^.!?:\"“'(\s]\s*$")  # what precedes a word that does not open a sentence


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("prefix", help="PREFIX.id and PREFIX.en, line-aligned")
    parser.add_argument("--min-count", type=int, default=2)
    args = parser.parse_args()
    source = Path(f"{args.prefix}.id").read_text(encoding="utf-8").splitlines()
    target = Path(f"{args.prefix}.en").read_text(encoding="utf-8").splitlines()

    ratios = sorted(math.log(len(t.strip()) / len(s.strip()))
                    for s, t in zip(source, target) if len(s.strip()) >= 20 and t.strip())
    quantile = lambda q: math.exp(ratios[int(q * (len(ratios) - 1))])  # noqa: E731
    print(f"pairs {len(ratios)}: LENGTH_RATIO = {quantile(0.5):.3f}, "
          f"LENGTH_BOUNDS = ({quantile(0.005):.3f}, {quantile(0.995):.3f})")

    lower = Counter(word for line in source for word in WORD.findall(line) if word.islower())
    capital: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    for line, english in zip(source, target):
        target_words = {w.lower(): w for w in WORD.findall(english)}
        for word in set(WORD.findall(line)):
            if word[0].isupper() and not word.isupper():
                capital[word.lower()] += 1
                kept[word.lower()] += _rendering(word, target_words) is not None
    english_lower = Counter(word for line in target for word in WORD.findall(line) if word.islower())
    # words the English side writes capitalised mid-sentence and never in lower case: its names
    english_names = {m[0] for line in target for m in WORD.finditer(line)
                     if m[0][0].isupper() and m[0][1:].islower() and MID_SENTENCE.search(line[:m.start()])}
    english_names = {w for w in english_names if w.lower() not in english_lower}
    # a name the translations drop or render otherwise (Yusuf: Joseph) is still no common word: never written
    # in lower case in the source, and a name in English
    named = {w.lower() for w in english_names} - set(lower)
    translated = {w for w, n in capital.items() if n >= 2 and kept[w] < n / 2 and w not in named}
    names = {w for w, n in capital.items() if n >= 2 and kept[w] >= 0.8 * n}
    common = translated | {w for w, n in lower.items() if n >= args.min_count}
    kept_words = common & names
    # English's own word, not one left untranslated (bupati): at least half as often in English lower case
    alike = {w for w in kept_words if english_lower[w] >= max(args.min_count, lower[w] / 2)}
    words = sorted(common - names) + ["[kept]"] + sorted(kept_words - alike) + ["[english]"] + sorted(alike)
    OUT.write_text(f"# Common Indonesian words for translate_cli.checks, learned by\n"
                   f"# python benchmarks/derive_checks.py {args.prefix} --min-count {args.min_count}\n"
                   f"# Words after [kept] are common words that translations keep when capitalised (Indonesia);\n"
                   f"# after [english] those that English writes alike (Terminal, Bank): part of a name, no title.\n"
                   + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words written to {OUT}")

    borrowed = sorted(w for w in common - names if english_lower[w] >= max(2, lower[w]))
    ENGLISH_OUT.write_text(f"# English words of the common Indonesian words for translate_cli.checks (written in\n"
                           f"# lower case at least as often on the English side), learned by\n"
                           f"# python benchmarks/derive_checks.py {args.prefix}\n" + "\n".join(borrowed) + "\n",
                           encoding="utf-8")
    print(f"{len(borrowed)} English words written to {ENGLISH_OUT}")

    names = {w for w in english_names if _INDONESIAN_SHAPE.fullmatch(w.lower())}
    NAMES_OUT.write_text(f"# Names of the English side for translate_cli.checks, learned by\n"
                         f"# python benchmarks/derive_checks.py {args.prefix}\n" + "\n".join(sorted(names)) + "\n",
                         encoding="utf-8")
    print(f"{len(names)} names written to {NAMES_OUT}")


if __name__ == "__main__":
    main()
