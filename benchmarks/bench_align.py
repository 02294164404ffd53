"""Sentence-alignment benchmark on real parallel documents with gold alignments (see gold.py).

Sets, tuned on (train/dev material) and confirmed on (held-out test material, never tuned on):

  tune     bible-nt (train: New Testament verses, 100 per document), quran (train: verses, 100 per
           document), ted-dev (dev: TED talk lines, 80 per document), ted-dev short (the same lines, 4 per
           document, as short as FLORES's), ted-dev edited (ted-dev with an edited reference, below) and,
           with --text-berg, text+berg dev (German-French, sentence gold). general.valid is left out: many
           of its line pairs are not translations of each other
  confirm  flores (FLORES-200 devtest, one document per URL), ntrex (NTREX-128, one document per
           headline), ntrex edited (NTREX with 10% of its reference sentences merged with the next and 5%
           deleted, gold.edited: what real references do and the line-aligned sets never show) and,
           when given, text+berg test0-6 (--text-berg), MAC-Test Chinese-English chapters (--mac) and
           the 5,000 x 6,301 sentence English-Chinese Bible (--bible-zh-en)

Systems: translate_cli.align with method ``length``, ``tokens`` and ``auto`` (no model); with a
translation of the source: ``oracle-noisy`` (NOT a model: the gold target of each source sentence with
10% of its words dropped, 20% replaced and 10% swapped, a stand-in for MT), ``tiny random model``
(--tiny-model: a random-weight Marian from translate_cli/devkit/tiny_models.py through the pipeline's Translator, for
the id-en sets; auto must ignore its output), ``real MT`` (Bertalign's machine translation shipped with
MAC and the Bible) and ``model:NAME`` (--model M); against Gale-Church (NLTK) and hunalign (--hunalign,
no dictionary), see baselines.py. Scores are Bertalign's strict and lax precision/recall/F1, at verse or
line level where the gold is (gold.py). A second table cuts each document's target to the gold beads of
its first, middle or last third, and reports the coverage found by ``covered_span`` against the truth.
A third aligns whole corpora as one document each; times are CPU seconds of the aligner alone.

Getting the optional data (read in place, never copied into the repository):
  git clone https://github.com/thompsonb/vecalign           # --text-berg vecalign/bleualign_data
  git clone https://github.com/bfsujason/bertalign && git -C bertalign checkout 9771860
                                                            # --mac bertalign/corpus/mac/test
                                                            # --bible-zh-en bertalign/corpus/bible
  git clone https://github.com/danielvarga/hunalign && make -C hunalign/src/hunalign
                                                            # --hunalign hunalign/src/hunalign/hunalign
  pip install nltk                                          # Gale-Church

    python benchmarks/bench_align.py [--data ../shared/data] [--text-berg DIR] [--mac DIR]
        [--bible-zh-en DIR] [--hunalign BIN] [--tiny-model] [--model M]... [--sets a,b]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import baselines
import gold

from translate_cli.align import align, covered_span
from translate_cli.records import Bead

PARTS = ("first", "middle", "last")
ID_EN = ("bible-nt", "quran", "ted-dev", "ted-dev short", "ted-dev edited", "flores", "ntrex", "ntrex edited")


def tune_sets(data: Path, text_berg: Path | None) -> dict[str, list[gold.Gold]]:
    """Documents of train/dev material, the only ones the aligner's weights were tuned on."""
    sets = {
        "bible-nt": gold.chunked(data / "train", "bible-nt", 100),
        "quran": gold.chunked(data / "train", "quran", 100),
        "ted-dev": gold.chunked(data / "dev", "ted.dev2010", 80),
        "ted-dev short": gold.chunked(data / "dev", "ted.dev2010", 4),
    }
    sets["ted-dev edited"] = edited(sets["ted-dev"])
    if text_berg:
        sets["text+berg dev"] = gold.text_berg(text_berg, ["dev"])
    return sets


def test_sets(data: Path, text_berg: Path | None, mac: Path | None) -> dict[str, list[gold.Gold]]:
    """Held-out documents, for confirmation only."""
    sets = {"flores": gold.flores(data / "test"), "ntrex": gold.ntrex(data / "test")}
    sets["ntrex edited"] = edited(sets["ntrex"])
    if text_berg:
        sets["text+berg test"] = gold.text_berg(text_berg, [f"test{k}" for k in range(7)])
    if mac:
        sets["mac-test zh-en"] = gold.mac(mac)
    return sets


def edited(docs: list[gold.Gold], seed: int = 1) -> list[gold.Gold]:
    """The documents with references edited by gold.edited (10% of sentences merged, 5% deleted)."""
    rng = random.Random(seed)
    return [gold.edited(doc, rng) for doc in docs]


def noisy(sentence: str, vocabulary: Sequence[str], rng: random.Random) -> str:
    """A stand-in for an MT output: drop 10%, replace 20% and swap 10% of adjacent words."""
    words = [w for w in sentence.split() if rng.random() >= 0.10] or sentence.split()[:1]
    words = [rng.choice(vocabulary) if rng.random() < 0.20 else w for w in words]
    for k in range(len(words) - 1):
        if rng.random() < 0.10:
            words[k], words[k + 1] = words[k + 1], words[k]
    return " ".join(words)


def oracle_noisy(doc: gold.Gold, vocabulary: Sequence[str], rng: random.Random) -> list[str]:
    """One noisy 'translation' per source sentence: the gold target of its bead made noisy, its words
    shared among the bead's source sentences by length; random words where the gold has no target."""
    out = [""] * len(doc.src)
    for src, tgt in doc.beads:
        if not src:
            continue
        if tgt:
            words = noisy(" ".join(doc.tgt[j] for j in tgt), vocabulary, rng).split()
        else:
            words = [rng.choice(vocabulary) for _ in range(max(1, sum(len(doc.src[i]) for i in src) // 6))]
        lengths = [len(doc.src[i]) for i in src]
        cuts = [round(len(words) * sum(lengths[:k]) / max(sum(lengths), 1)) for k in range(len(src) + 1)]
        for k, i in enumerate(src):
            out[i] = " ".join(words[cuts[k] : cuts[k + 1]])
    return out


def tiny_random_translator() -> Callable[[list[str]], list[str]]:
    """A random-weight Marian model (translate_cli/devkit/tiny_models.py) behind the pipeline's Translator."""
    from translate_cli.devkit.tiny_models import build_marian
    from translate_cli.models import resolve_model
    from translate_cli.translate import load_translator

    folder = build_marian(Path(tempfile.mkdtemp()) / "tiny-random-marian")
    return load_translator(resolve_model(str(folder)), beam=1, backend="transformers").translate


def model_translator(model: str) -> Callable[[list[str]], list[str]]:
    from translate_cli.models import resolve_model
    from translate_cli.translate import load_translator

    return load_translator(resolve_model(model), beam=4).translate


@dataclass(frozen=True)
class System:
    """One aligner: translate_cli.align with a method (and the translation it reads), or a baseline."""

    label: str
    method: str = ""
    translation: str | None = None  # key into the set's translations

    def predict(self, doc: gold.Gold, translations: dict[str, list[str]], hunalign: Path | None) -> list[Bead]:
        if self.label == GALE_CHURCH:
            return [Bead(s, t, 0.0) for s, t in baselines.gale_church(doc.src, doc.tgt)]
        if self.label == HUNALIGN:
            return [Bead(s, t, 0.0) for s, t in baselines.hunalign(doc.src, doc.tgt, hunalign)]
        translation = translations[self.translation] if self.translation else None
        return align(doc.src, doc.tgt, src_translation=translation, method=self.method)


GALE_CHURCH, HUNALIGN = "Gale-Church (NLTK)", "hunalign (no dictionary)"


def systems_for(translations: dict, hunalign: Path | None, long: bool = False) -> list[System]:
    """The systems run on a set: the aligner without a model, with each translation (a model's through
    ``auto``, as the tool uses it; a stand-in or shipped MT through ``translation``), and the baselines
    that are installed (Gale-Church only on documents of up to a few hundred sentences)."""
    systems = [System("length", "length"), System("tokens", "tokens"), System("auto (no model)", "auto")]
    for key in translations:
        method = "auto" if key.startswith(("model:", "tiny")) else "translation"
        systems.append(System(f"{method} + {key}", method, key))
    if not long and importlib.util.find_spec("nltk"):
        systems.append(System(GALE_CHURCH))
    if hunalign:
        systems.append(System(HUNALIGN))
    return systems


def as_pairs(beads: Sequence[Bead]) -> list[gold.Pair]:
    return [(b.src, b.tgt) for b in beads]


def translations_for(name: str, docs: list[gold.Gold], translators: dict[str, Callable],
                     seed: int) -> dict[str, list[list[str]]]:
    """Per system label, one translation per source sentence of each document."""
    vocabulary = sorted({w for doc in docs for s in doc.tgt for w in s.split()})
    rng = random.Random(seed)
    out = {"oracle-noisy": [oracle_noisy(doc, vocabulary, rng) for doc in docs]}
    if docs[0].translation is not None:
        out["real MT (Bertalign's)"] = [doc.translation for doc in docs]
    if name in ID_EN:
        for label, translate in translators.items():
            flat = translate([s for doc in docs for s in doc.src])
            out[label], k = [], 0
            for doc in docs:
                out[label].append(flat[k : k + len(doc.src)])
                k += len(doc.src)
    return out


def header(title: str, columns: str) -> None:
    print(f"\n{title}\n{columns}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=gold.DATA,
                        help="the shared/data folder (train, dev, test), or its test folder as `make bench` passes")
    parser.add_argument("--text-berg", type=Path, help="Vecalign's bleualign_data folder")
    parser.add_argument("--mac", type=Path, help="Bertalign's corpus/mac/test folder")
    parser.add_argument("--bible-zh-en", type=Path, help="Bertalign's corpus/bible folder")
    parser.add_argument("--hunalign", type=Path, help="hunalign binary")
    parser.add_argument("--tiny-model", action="store_true", help="also align with a tiny random-weight model")
    parser.add_argument("--model", action="append", default=[], help="also align with this model's translation")
    parser.add_argument("--sets", help="comma-separated set names to run (default: all)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not (args.data / "train").is_dir() and (args.data.parent / "train").is_dir():
        args.data = args.data.parent

    translators = {f"model:{Path(m).name}": model_translator(m) for m in args.model}
    if args.tiny_model:
        translators["tiny random model"] = tiny_random_translator()
    groups = {"tune": tune_sets(args.data, args.text_berg), "confirm": test_sets(args.data, args.text_berg, args.mac)}
    if args.sets:
        wanted = args.sets.split(",")
        groups = {g: {k: v for k, v in sets.items() if k in wanted} for g, sets in groups.items()}

    width = 40
    header("Strict/lax bead F1 (Bertalign's definitions); verse/line-level gold where the set has it",
           f"{'group':<8}{'set':<16}{'system':<{width}}{'docs':>5}{'gold':>6}{'P':>7}{'R':>7}{'F1':>7}{'lax F1':>8}"
           f"{'cpu s':>8}")
    partial_rows = []
    for group, sets in groups.items():
        for name, docs in sets.items():
            translations = translations_for(name, docs, translators, args.seed)
            for system in systems_for(translations, args.hunalign):
                counts, seconds = gold.Counts(), 0.0
                parts = {part: [gold.Counts(), 0, 0] for part in PARTS}  # counts, true and found coverage
                for k, doc in enumerate(docs):
                    mine = {key: value[k] for key, value in translations.items()}
                    beads, took = timed(system.predict, doc, mine, args.hunalign)
                    counts.add(doc, as_pairs(beads))
                    seconds += took
                    for part in PARTS:
                        cut = gold.partial(doc, part)
                        beads, _ = timed(system.predict, cut, mine, args.hunalign)
                        parts[part][0].add(cut, as_pairs(beads))
                        parts[part][1] += gold.coverage(cut) * len(cut.src)
                        parts[part][2] += len(covered_span(beads)[0])
                print(f"{group:<8}{name:<16}{system.label:<{width}}{len(docs):>5}{sum(len(d.beads) for d in docs):>6}"
                      f"{counts.precision():>7.3f}{counts.recall():>7.3f}{counts.f1():>7.3f}{counts.f1(lax=True):>8.3f}"
                      f"{seconds:>8.2f}", flush=True)
                partial_rows.append((group, name, system.label, parts, sum(len(d.src) for d in docs)))

    header("Partial references: the target cut to the gold beads of the first / middle / last third; cov = share "
           "of source sentences covered, true / found (covered_span: first to last bead of both sides)",
           f"{'group':<8}{'set':<16}{'system':<{width}}"
           + "".join(f"{p + ' F1':>10}{'lax':>6}{'cov':>11}" for p in PARTS))
    for group, name, label, parts, total in partial_rows:
        cells = "".join(f"{c.f1():>10.3f}{c.f1(lax=True):>6.3f}{true / total:>6.2f}/{found / total:.2f}"
                        for c, true, found in parts.values())
        print(f"{group:<8}{name:<16}{label:<{width}}{cells}", flush=True)

    long_docs = [("tune", gold.whole(args.data / "train", "bible-nt")),
                 ("tune", gold.whole(args.data / "train", "quran")),
                 ("confirm", gold.whole(args.data / "test", "ntrex128.newstest2019"))]
    if args.bible_zh_en:
        long_docs.append(("confirm", gold.bible_en_zh(args.bible_zh_en)))
    header("Whole corpora as one document each (cpu s: the aligner alone)",
           f"{'group':<8}{'document':<24}{'system':<{width}}{'src x tgt':>12}{'F1':>7}{'lax F1':>8}{'cpu s':>8}")
    for group, doc in long_docs:
        translations = {k: v[0] for k, v in translations_for(doc.name, [doc], {}, args.seed).items()}
        for system in systems_for(translations, args.hunalign, long=True):
            beads, took = timed(system.predict, doc, translations, args.hunalign)
            counts = gold.Counts()
            counts.add(doc, as_pairs(beads))
            print(f"{group:<8}{doc.name:<24}{system.label:<{width}}{f'{len(doc.src)}x{len(doc.tgt)}':>12}"
                  f"{counts.f1():>7.3f}{counts.f1(lax=True):>8.3f}{took:>8.2f}", flush=True)


def timed(function, *args):
    """``function(*args)`` and the CPU seconds it took."""
    start = time.process_time()
    result = function(*args)
    return result, time.process_time() - start


if __name__ == "__main__":
    main()
