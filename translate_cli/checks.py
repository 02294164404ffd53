"""Translation checks without a reference: which sentences of a translation to distrust, and why.

A text stage beside ``score``: source and translation in, findings out (no model). Each check is the kind of
rule localisation QA tools (Okapi CheckMate, Xbench, Verifika) run, read for Indonesian -> English:

* ``numbers``: every number of the source is in the translation and none is added, read with each language's
  conventions (``1.500.000`` / ``1,500,000``, ``2,5`` / ``2.5``, ``1,5 triliun`` / ``1.5 trillion``, ``10.30`` /
  ``10:30``, month names, Roman numerals, decades ``1970-an`` / ``1970s``, ``Rp 40 M``, year ranges ``2010-11``);
  spelled-out numbers (``dua``, ``puluhan ribu``, ``ten``, ``six point four``) count as present but are never
  flagged themselves, because ``satu``/``one`` are as often articles as numbers.
* ``names``: URLs, e-mail addresses, @handles and #hashtags kept verbatim; acronyms and capitalised words of the
  source that are not common Indonesian words (``data/checks_words_id.txt``, learned from training text) kept,
  near spellings (``Kanada``/``Canada``) and known renderings (``data/checks_renderings.txt``, plurals and
  demonyms too: ``North Koreans``; Indonesian institutional acronyms in ``data/checks_acronyms_id.txt``, ``DKI``
  -> ``Jakarta``) accepted; a name of common words kept untranslated keeps all of it (``Kota Tua``).
* ``untranslated``: the translation is the source unchanged, or still mostly Indonesian by a function-word test
  (more Indonesian than English function words, and at least two).
* ``degenerate``: empty; a loop (one to four words repeated three times or more in a row, as small and
  random-weight models produce); a length ratio outside what 99% of training pairs show; ending mid-sentence,
  and short, where the source ends a sentence (truncated output).
* ``brackets``: brackets or double quotes unbalanced in the translation, or present on one side only.
* ``consistency`` (:func:`check_pairs` only): the same source sentence translated differently, and a name of
  the source rendered in different ways.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from functools import cache, lru_cache
from importlib import resources

from translate_cli.errors import UserError
from translate_cli.records import Finding
from translate_cli.segment import segment

CODES = ("numbers", "names", "untranslated", "degenerate", "brackets", "consistency", "confidence")

# Learned from ../shared/data/train/combined by `python benchmarks/derive_checks.py ../shared/data/train/combined`:
# median English/Indonesian character ratio and its 0.5% and 99.5% quantiles (pairs with 20+ source characters).
LENGTH_RATIO = 0.920
LENGTH_BOUNDS = (0.467, 1.738)
_MIN_LENGTH = 20  # source characters below which a length ratio says nothing
_LOOP_REPEATS = 3  # a phrase of 1-4 words repeated this often in a row is a loop
# The model's least confident sentences (Fomicheva et al. 2020: low length-normalised log-probability goes with
# low quality): the lowest CONFIDENCE_SHARE of an article (at least one), of those only the ones under
# CONFIDENCE_FLOOR, a mean log-probability per token of -1 (perplexity e), so a wholly confident article has none.
CONFIDENCE_SHARE = 0.1
CONFIDENCE_FLOOR = -1.0
_TITLE_CASE = 0.75  # share of capitalised words (of 4+ letters, 3 at least) from which a line is a title-case headline
_TRUNCATED = 0.8  # share of the expected length below which output ending mid-sentence counts as truncated


@dataclass(frozen=True)
class CheckedText:
    """A source text and its translation paired sentence by sentence, and each pair's findings.

    ``by_line`` says whether the files were paired line by line (same number of non-blank lines) or split into
    sentences and aligned; a source sentence the aligner left without a translation is paired with ``""``.
    """

    sources: list[str]
    translations: list[str]
    findings: list[list[Finding]]
    by_line: bool


# --- numbers ---------------------------------------------------------------------------------------------------

_NUMERAL = re.compile(r"\d+(?:[.,:]\d+)*")
_CURRENCY = "£$€¥"
_SCALES = {"ribu": 3, "juta": 6, "miliar": 9, "milyar": 9, "triliun": 12, "trilyun": 12,
           "thousand": 3, "million": 6, "billion": 9, "trillion": 12}
_SHORT_SCALES = {"k": 3, "m": 6, "mn": 6, "bn": 9, "b": 9, "tn": 12}  # only after a currency symbol (£125m)
_RUPIAH_SCALES = {"rb": 3, "jt": 6, "m": 9, "t": 12}  # Indonesian ones after Rp, spaced too (Rp 40 M: 40 miliar)
_RUPIAH = re.compile(r"\bRp\.?\s?$")
# decades and ages: 1970-an / 1970s / the seventies / 70s, usia 40-an / in their forties
_DECADE_AFTER = re.compile(r"-an\b|'?s\b")
_DECADES = {w: 10 * n for n, w in enumerate("twenties thirties forties fifties sixties seventies eighties "
                                            "nineties".split(), 2)}
_SCALE_AFTER = re.compile(r"\s?([A-Za-z]+)")
_YEAR_RANGE = re.compile(r"\b((?:1[89]|20)\d\d)\s?[-–/]\s?$")  # a year and a dash before two digits: 2010-11
_MONTHS = {name: n for n, names in enumerate([
    "Januari January Jan", "Februari February Feb", "Maret March Mar", "April Apr", "Mei May", "Juni June Jun",
    "Juli July Jul", "Agustus August Agu Aug", "September Sept Sep", "Oktober October Okt Oct",
    "November Nov", "Desember December Des Dec"], start=1) for name in names.split()}
_MONTH = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b")
_ID_UNITS = {"nol": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
             "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100}
_EN_UNITS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                        "thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_EN_UNITS |= {w: 10 * n for n, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_EN_UNITS |= {"dozen": 12}
# ordinals: ke-24 / twenty-fourth, abad ke-20 / twentieth century (the ke- of Indonesian ordinals, ketiga, is
# read by _spelled)
_EN_UNITS |= {w: n for n, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
                                         "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth "
                                         "eighteenth nineteenth".split(), 1)}
_EN_UNITS |= {w: 10 * n for n, w in enumerate("twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth "
                                              "ninetieth".split(), 2)}
_ID_TIMES = {"belas": None, "puluh": 10, "ratus": 100}  # belas: unit + 10 (dua belas = 12)
_WORD_SCALES = _SCALES | {"seribu": 3, "sejuta": 6, "semiliar": 9}
# vague amounts: puluhan ribu = tens of thousands; an order of magnitude each
_VAGUE = {"puluhan": 1, "belasan": 1, "tens": 1, "dozens": 1, "ratusan": 2, "hundreds": 2, "ribuan": 3,
          "thousands": 3, "jutaan": 6, "millions": 6, "miliaran": 9, "billions": 9}
_NUMBER_WORD = re.compile(r"[a-z]+|[^\sa-z-]")  # words, and any other character, which ends a number


def _canonical(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _grouped(text: str, thousands: str, decimal: str) -> Decimal | None:
    """``text`` read with these separators (thousands groups of exactly three digits), or None."""
    whole, _, fraction = text.partition(decimal) if text.count(decimal) == 1 else (text, "", "")
    if decimal in fraction or thousands in fraction or decimal in whole:
        return None
    groups = whole.split(thousands)
    if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    try:
        return Decimal("".join(groups) + ("." + fraction if fraction else ""))
    except InvalidOperation:
        return None


def _readings(numeral: str, scale: int) -> set[str]:
    """Every value a numeral can mean (Indonesian and English separators; a time ``10.30``/``10:30``)."""
    time = re.fullmatch(r"(\d{1,2})[.:](\d{2})", numeral)
    keys = {f"t{int(time[1])}:{time[2]}"} if time and int(time[1]) <= 24 and int(time[2]) < 60 else set()
    if ":" in numeral:
        return keys or {"r" + numeral}
    values = {v for v in (_grouped(numeral, ".", ","), _grouped(numeral, ",", ".")) if v is not None}
    keys |= {_canonical(v.scaleb(scale)) for v in values}
    return keys or {"r" + numeral}


# a clock time's marker after it: 12-hour "pm"/"p.m." (also closing a range, "10:00-11:00 pm"), or the
# 24-hour "1200 GMT" of news agencies; Indonesian writes the 24-hour "22.00" (pukul 22.00 = 10:00 pm)
_CLOCK = re.compile(r"(?:\s?[-–]\s?\d{1,2}(?:[.:]\d{2})?)?\s?(?:([ap])\.?m\b\.?|(GMT|UTC|hours|hrs)\b)",
                    re.IGNORECASE)


def _clock(numeral: str, marker: re.Match[str] | None) -> set[str]:
    """The 24-hour reading of a time written ``10:30 pm``, ``5pm`` or ``1200 GMT`` (none without a marker)."""
    if marker is None:
        return set()
    if marker[2]:
        military = re.fullmatch(r"([01]\d|2[0-3])([0-5]\d)", numeral)
        return {f"t{int(military[1])}:{military[2]}"} if military else set()
    time = re.fullmatch(r"(\d{1,2})(?:[.:](\d{2}))?", numeral)
    if not time or not 1 <= int(time[1]) <= 12:
        return set()
    hour = int(time[1]) % 12 + (12 if marker[1].lower() == "p" else 0)
    return {f"t{hour}:{time[2] or '00'}"}


def _scale_after(text: str, end: int, short: dict[str, int], spaced: bool) -> tuple[int, int]:
    """The power of ten of a scale word right after a number (``juta``; one of ``short`` right after it, or also
    after a space where ``spaced``: ``bn`` after a currency symbol, ``M`` after Rp), and its end."""
    match = _SCALE_AFTER.match(text, end)
    if not match:
        return 0, end
    word = match[1].lower()
    scale = _SCALES.get(word) or (short.get(word, 0) if spaced or match.start(1) == end else 0)
    return scale, match.end() if scale else end


# the upper end of a range after a number (50-100 juta, 5 to 10 million, 3 hingga 4 miliar)
_RANGE_TO = re.compile(r"\s*(?:[-–—]|to\b|hingga\b|sampai\b)\s*(?:Rp\.?\s?|[$£€¥])?\d+(?:[.,:]\d+)*")


def _numerals(text: str) -> list[tuple[str, set[str]]]:
    """Each number written with digits or a month name: (as written, its possible readings)."""
    found = []
    for match in _NUMERAL.finditer(text):
        currency = match.start() > 0 and text[match.start() - 1] in _CURRENCY
        rupiah = _RUPIAH.search(text, max(0, match.start() - 4), match.start()) is not None
        short = _RUPIAH_SCALES if rupiah else _SHORT_SCALES if currency else {}
        scale, end = _scale_after(text, match.end(), short, rupiah)
        readings, clock = _readings(match[0], scale), _clock(match[0], _CLOCK.match(text, match.end()))
        if clock:  # 7:30 pm is 19:30, not 7:30
            readings = {key for key in readings if not key.startswith("t")} | clock
        decade = _DECADE_AFTER.match(text, match.end()) if match[0].isdigit() and int(match[0]) % 10 == 0 else None
        if decade:  # 1970-an is 1970s, "the seventies" and 70s; English 1970s only 1970s (not 1170s)
            readings.add(f"d{int(match[0])}")
            if decade[0] == "-an":
                readings.add(f"d{int(match[0]) % 100}")
        upper = _RANGE_TO.match(text, match.end()) if not scale else None
        if upper:  # Rp 50-100 million: 50 million, the scale after the range's upper end
            readings |= _readings(match[0], _scale_after(text, upper.end(), short, rupiah)[0])
        year = _YEAR_RANGE.search(text, 0, match.start()) if len(match[0]) == 2 else None
        if year:  # 2010-11 is 2010-2011
            readings.add(str(int(year[1]) // 100 * 100 + int(match[0])))
        found.append((text[match.start():end], readings))
    found += [(m[0], {f"month{_MONTHS[m[0]]}"}) for m in _MONTH.finditer(text)]
    found += [(m[0], {str(_roman(m[0]))}) for m in _ROMAN.finditer(text)]
    return found


# Roman numerals of two letters or more from I, V and X (abad XIX, kelas VII, Perang Dunia II; not the pronoun I)
_ROMAN = re.compile(r"(?<![\w'’])(?=[IVX]{2,}\b)X{0,3}(?:IX|IV|V?I{0,3})\b")


def _roman(numeral: str) -> int:
    values = [{"I": 1, "V": 5, "X": 10}[letter] for letter in numeral]
    return sum(-v if v < after else v for v, after in zip(values, [*values[1:], 0]))


_AND_A_HALF = re.compile(r"[\s-]+and[\s-]+a[\s-]+half\b")


def _spelled(text: str) -> set[str]:
    """Readings of the numbers written in words, in either language (``dua puluh lima`` 25, ``tiga juta``,
    ``puluhan ribu`` and ``tens of thousands`` ~10^4)."""
    keys: set[str] = set()
    total = group = last = 0
    seen, vague, fraction = False, None, None
    lower = text.lower()
    if "half" in lower:  # seven-and-a-half million, one and a half percent: 7.5 million, 1.5 percent
        lower = _AND_A_HALF.sub(" point five", lower)
    for word in [*_NUMBER_WORD.findall(lower), ""]:
        if vague is not None and (word in _SCALES or _VAGUE.get(word, 0) >= 3):
            keys.add(f"~{vague + _SCALES.get(word, _VAGUE.get(word, 0))}")
            vague = None
            continue
        if vague is not None and word == "of":
            continue
        vague = None
        if word in ("point", "koma") and seen and not total and not group and last < 10 and fraction is None:
            fraction = ""  # six point four billion, enam koma empat miliar: 6.4, its digits one word each
        elif fraction is not None and _ID_UNITS.get(word, _EN_UNITS.get(word, 10)) < 10:
            fraction += str(_ID_UNITS.get(word, _EN_UNITS.get(word)))
        elif fraction and word in _SCALES:
            keys.add(_canonical(Decimal(f"{last}.{fraction}").scaleb(_SCALES[word])))
            total = group = last = 0
            seen, fraction = False, None
        elif word in _VAGUE:
            vague = _VAGUE[word]
            keys.add(f"~{vague}")
        elif word in _DECADES:
            keys.add(f"d{_DECADES[word]}")
        elif word in ("hundred", "hundredth"):
            group, last, seen = (group + (last or 1)) * 100, 0, True
        elif word in _ID_UNITS or word in _EN_UNITS or (word.startswith("ke") and word[2:] in _ID_UNITS):
            last += _ID_UNITS.get(word, _EN_UNITS.get(word, _ID_UNITS.get(word[2:], 0)))
            seen = True
        elif word in _ID_TIMES and seen:
            times = _ID_TIMES[word]
            group, last = group + (last + 10 if times is None else last * times), 0
        elif word in _WORD_SCALES and (seen or word.startswith("se")):
            total, group, last, seen = total + (group + last or 1) * 10 ** _WORD_SCALES[word], 0, 0, True
        elif word == "and" and seen:
            continue
        elif seen:
            if fraction:
                keys.add(_canonical(Decimal(f"{last}.{fraction}")))
            fraction = None
            keys.add(_canonical(Decimal(total + group + last)))
            total = group = last = 0
            seen = False
    return keys


def _numbers(source: str, translation: str) -> list[Finding]:
    src, tgt = _numerals(source), _numerals(translation)
    src_keys = set().union(*(keys for _, keys in src), _spelled(source))
    tgt_keys = set().union(*(keys for _, keys in tgt), _spelled(translation))
    missing = [written for written, keys in src if not keys & tgt_keys]
    # English "May" is as often a name or a verb as the month: present when the source has it, never added
    added = [written for written, keys in tgt if not keys & src_keys and written != "May"]
    findings = []
    if missing:
        findings.append(Finding("numbers", f"{', '.join(missing)} of the source not in the translation"))
    if added:
        findings.append(Finding("numbers", f"{', '.join(added)} in the translation, not in the source"))
    return findings


# --- names and protected tokens --------------------------------------------------------------------------------

# URLs (without a final punctuation mark), e-mail addresses, @handles and #hashtags
_PROTECTED = re.compile(r"(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]]|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
                        r"|(?<![\w@])[@#]\w+")
_WORD = re.compile(r"[^\W\d_]+")
_FUZZY_WORDS = 300  # near spellings are looked for in sentences of at most this many distinct words (linear time)
_NEAR_SHORT = 0.6  # the same for a name under 5 letters and a capitalised word with its first two letters
_COGNATE = 9  # letters from which a word in lower case of the translation may be a name's cognate (a common noun)
_NEAR = 0.7  # SequenceMatcher ratio from which a word of 5+ letters counts as the same name spelled otherwise


def _data_lines(name: str) -> list[str]:
    """The lines of a file of ``translate_cli/data`` that are neither empty nor a ``#`` comment."""
    text = resources.files("translate_cli").joinpath("data", name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def _word_lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Common Indonesian words that translations translate, those they keep when capitalised, and of those the
    ones English writes alike (``Terminal``, ``Bank``: part of a name, not a title a translation may drop)."""
    words = _data_lines("checks_words_id.txt")
    kept, english = words.index("[kept]"), words.index("[english]")
    return frozenset(words[:kept]), frozenset(words[kept + 1:english] + words[english + 1:]), \
        frozenset(words[english + 1:])


@cache
def _english_names() -> frozenset[str]:
    """Indonesian-shaped words that English text writes as names (Haiti, Amazon): ``data/checks_names_en.txt``."""
    return frozenset(_data_lines("checks_names_en.txt"))


def _common_words() -> frozenset[str]:
    return _word_lists()[0]


@cache
def _borrowed_words() -> frozenset[str]:
    """Common Indonesian words that are English words too (and, time, series): ``data/checks_words_en.txt``."""
    return frozenset(_data_lines("checks_words_en.txt"))


@cache
def _renderings() -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
    """The known renderings of names (``data/checks_renderings.txt``) and of Indonesian institutional acronyms
    (``data/checks_acronyms_id.txt``): a pattern matching any source name of the tables, and name -> renderings
    (none for an acronym marked ``*``, translated too freely to list: any translation keeps it)."""
    table = {}
    for line in _data_lines("checks_renderings.txt") + _data_lines("checks_acronyms_id.txt"):
        name, _, renderings = line.partition("=")
        table[name.strip()] = tuple(r.strip() for r in renderings.split("|") if r.strip() != "*")
    # alternatives grouped by their first letter, longest first: the engine tries a dozen at a word, not hundreds
    by_letter: dict[str, list[str]] = defaultdict(list)
    for name in sorted(table, key=len, reverse=True):
        by_letter[name[0]].append(re.escape(name[1:]))
    groups = (re.escape(letter) + "(?:" + "|".join(rests) + ")" for letter, rests in by_letter.items())
    return re.compile(r"\b(?:" + "|".join(groups) + r")\b"), table


@lru_cache(maxsize=1 << 12)  # the tables' renderings, looked for in every sentence with their names
def _phrase(phrase: str, inflected: bool) -> re.Pattern[str]:
    ending = r"(?:n|an|ese|i)?(?:e?s)?" if inflected else ""
    return re.compile(r"(?<!\w)" + re.escape(phrase) + ending + r"(?!\w)", re.IGNORECASE)


def _has_phrase(text: str, phrase: str, inflected: bool = False) -> bool:
    """Whether the text has the phrase as words; ``inflected``: or with an English plural or demonym ending
    (North Korea: North Koreans, South Africans, Japanese, Iraqis)."""
    return _phrase(phrase, inflected).search(text) is not None


_PREFIXES = ("meng", "meny", "mem", "men", "me", "peng", "peny", "pem", "pen", "pe", "ber", "be", "per", "ter",
             "di", "ke", "se", "kau", "ku", "pra")  # kau-/ku-: the pronoun prefixed to a verb (Kuharap, Kaubilang)
# meN-/peN- replace a stem's first consonant by its nasal (tari -> penari, peran -> pemeran, temu -> penemu,
# selinap -> menyelinap, kirim -> pengirim): the recoding step of the Nazief-Adriani stemmer (Adriani et al.
# 2007, "Stemming Indonesian"), which gives the stem back before a vowel
_NASALS = (("meny", "s"), ("peny", "s"), ("meng", "k"), ("peng", "k"), ("mem", "p"), ("pem", "p"), ("men", "t"),
           ("pen", "t"))
# interjections of subtitles and speech, capitalised but never names
_INTERJECTIONS = frozenset("hei hey oh wow yeah ok okay ah eh hmm unh ayuh wah aduh".split())
_SUFFIXES = ("nya", "lah", "kah", "kan", "an", "ku", "mu", "i")
# what a sentence's first word follows: nothing, or a sentence end (with closing quotes), or an opening quote
_SENTENCE_START = re.compile(r"(?:^|[.!?:…][\"'”’)\]]*\s+|[\"'“‘(\[])[^\w]*")
# Indonesian spelling against English for near names: Pasifik/Pacific, Kolombia/Colombia, Filipina/Philippine
_SPELLING = str.maketrans({"k": "c", "q": "c", "z": "s", "y": "i", "j": "i", "v": "f"})


# Indonesian syllables: at most two consonants, one vowel or a diphthong, one final consonant or ng (Sneddon,
# "Indonesian: A Comprehensive Grammar", 1996, 1.3): Sanggurdi, Kru, Perancah are shaped so, Schneider, Sphinx,
# Sundarbans, Ruth are not
_INDONESIAN_SHAPE = re.compile(r"(?:[bcdfghjklmnprstwyz]{0,2}(?:ai|au|oi|[aeiou])(?:ng|[bcdfghjklmnprstwyz])?)+")


@lru_cache(maxsize=1 << 16)  # a word of every sentence, many of them the same
def _is_common(word: str) -> bool:
    """Whether a word is a common Indonesian word, itself or with one prefix and/or suffix taken off."""
    common = _common_words()
    lower = word.lower()
    if lower not in common and word in _english_names():  # Kenya is no ke-nya, Saudi no saud-i: a name in English
        return False
    stems = {lower} | {lower[len(p):] for p in _PREFIXES if lower.startswith(p)}
    stems |= {c + lower[len(p):] for p, c in _NASALS if lower.startswith(p) and lower[len(p):len(p) + 1] in "aeiou"}
    stems |= {stem[:-len(s)] for stem in list(stems) for s in _SUFFIXES if stem.endswith(s)}
    return any(len(stem) >= 3 and stem in common for stem in stems) or lower in common


def _openers(text: str) -> set[int]:
    """Where each sentence of a text starts: its start, after a sentence end or after an opening quote."""
    return {m.end() for m in _SENTENCE_START.finditer(text)}


def _headline(source: str, words: list[str]) -> bool:
    """Whether a line is a headline in title case (Tanggul Jebol di Pluit Diperbaiki): each word capitalised."""
    long = [w for w in words if len(w) > 3]
    return len(long) >= 3 and sum(w[0].isupper() for w in long) >= _TITLE_CASE * len(long) \
        and not _ENDS_SENTENCE.search(source)


def _name_tokens(source: str) -> list[tuple[str, bool, bool]]:
    """The source's words a translation keeps: acronyms and capitalised words that are not common words, each
    with whether it is a common word kept as part of a name (``Partai``, ``Presiden``): optional before a name,
    and whether it only opens sentences, alone (``Kari adalah``): maybe a common word rarer than the word list."""
    matches = list(_WORD.finditer(source))
    words = [m[0] for m in matches]
    if sum(w.isupper() for w in words) > len(words) / 2:  # a headline in capitals: no acronyms to tell apart
        return []
    kept = _word_lists()[1]
    # a word opening a sentence is capitalised by its position: no name where it is a common word (even one kept
    # as a name), written in lower case elsewhere in the source (Perancah ... perancah), or a verb or noun by its
    # suffix (Taburkan, Pramuniaganya)
    # a headline in title case (Tanggul Jebol di Pluit Diperbaiki) capitalises each word by its position too
    headline = _headline(source, words)
    lower = {w for w in words if w.islower()}
    starts = {m.start() for m in matches} if headline else _openers(source)
    openers = {k for k, m in enumerate(matches) if m.start() in starts and not m[0].isupper()
               and (m[0].lower() in kept or m[0].lower() in lower or _is_common(m[0])
                    or m[0].lower().endswith(("kan", "nya")) and m[0] not in _english_names())}
    # a name for sure: capitalised other than first in a sentence (as the segmenter splits them: not after Dr. or
    # an opening bracket), or followed by a capitalised word (Lakkha Singh)
    firsts = starts if headline else {first.start() + piece.start for piece in segment(source, "id")
                                      if (first := _WORD.search(piece.text))}
    # in a title-case headline, a word after a lower-case one (a preposition: di Pekojan, dan Kopaja) or an
    # acronym (RSUD Pasarrebo) is a name: its capital is not the headline's
    named = {w for k, (w, m) in enumerate(zip(words, matches)) if m.start() not in firsts
             or not headline and words[k + 1:k + 2] and words[k + 1][0].isupper()
             or headline and k and (words[k - 1].islower() or words[k - 1].isupper())
             or not _INDONESIAN_SHAPE.fullmatch(w.lower()) or w in _english_names()}
    english = _word_lists()[2]
    return [(w, w.lower() in kept and w.lower() not in english, w not in named) for k, w in enumerate(words)
            if w[0].isupper() and len(w) > 1
            and w not in _MONTHS and k not in openers and w.lower() not in _INTERJECTIONS
            and (w.lower() in kept or not ((not w.isupper() or len(w) > 3) and _is_common(w)))]


# two or more capitalised words in a row, spaced or hyphenated (Kota Tua, Coca-Cola)
_CAPITALISED_RUN = re.compile(r"(?<![\w'-])[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+(?![\w'-])")


def _common_runs(text: str) -> list[list[str]]:
    """The common words of names that start with one (Kota Tua, Tanah Merah; Singkong Keju Teh Ade, whose Ade
    the name check covers): runs of two or more capitalised words within a sentence, not in a headline, each
    reduced to its words that are not a name, a kept word or a month by themselves; a hyphenated one (Coca-Cola)
    with an empty head, ``""``, first."""
    matches = list(_CAPITALISED_RUN.finditer(text))
    words = _WORD.findall(text) if matches else []
    if not matches or _headline(text, words) or sum(w.isupper() for w in words) > len(words) / 2:
        return []
    kept, starts, runs = _word_lists()[1], _openers(text), []
    for match in matches:
        parts = _WORD.findall(match[0])[match.start() in starts:]  # a sentence's first word: capitalised anyway
        common = [w for w in parts if _is_common(w) and w.lower() not in kept and w not in _MONTHS]
        if len(parts) >= 2 and common and common[0] == parts[0] and (len(common) >= 2 or " " not in match[0]):
            runs.append(common if " " in match[0] else ["", *common])  # hyphenated (Coca-Cola): no head
    return runs


def _kept_untranslated(run: list[str], translation: str, target_words: dict[str, str]) -> bool:
    """Whether the translation keeps a name of common words as written: its head, the first word (Kota of Kota
    Tua; English may translate it as a kind of place, Pasar Rumput: Rumput Market), not after a capitalised word
    (Run Ayam in English order, Chicken Run, is translated); any word of a hyphenated one (Coca-Cola)."""
    if not run[0]:
        return any(target_words.get(w.lower()) == w for w in run[1:])
    for match in re.finditer(rf"\b{run[0]}\b", translation):
        before = _WORD.findall(translation, 0, match.start())[-1:]
        if not before or not before[0][0].isupper() or before[0].lower() in _EN_FUNCTION:
            return True
    return False


@lru_cache(maxsize=1 << 16)  # each translation word is compared with every name of its source
def _near(word: str) -> str:
    return word.replace("ph", "f").translate(_SPELLING)


def _rendering(name: str, target_words: dict[str, str], others: frozenset[str] = frozenset()) -> str | None:
    """The translation's word that renders ``name`` (itself, or a near spelling), or None; no near spelling
    among ``others``, the source's other names kept as written (Yayat is no rendering of Hidayat)."""
    lower = name.lower()
    if lower in target_words or (name.isupper() and lower + "s" in target_words):  # AM, AMs
        return lower
    if len(target_words) > _FUZZY_WORDS:
        return None
    near = _near(lower)
    # the same start first (Bahrain: Bahraini before Britain), then other spellings
    if len(near) >= 5 and (word := next((w for w in target_words if _near(w).startswith(near[:5])
                                         and w not in others), None)):
        return word
    for word in target_words:
        # a name spelled otherwise is still a name: capitalised (Thomas is not "those"), and no function word
        # capitalised at a sentence's start (Asia is not "As such", Heru not "He")
        if word in _EN_FUNCTION or word in others:
            continue
        other = _near(word)
        if not target_words[word][0].isupper():  # a long cognate in lower case (Antropologi: anthropology)
            if min(len(near), len(other)) >= _COGNATE and SequenceMatcher(None, near, other).ratio() >= _NEAR:
                return word
            continue
        matcher = SequenceMatcher(None, near, other)
        if min(len(near), len(other)) >= 5 and matcher.real_quick_ratio() >= _NEAR and matcher.ratio() >= _NEAR:
            return word
        # a short name whose letters mostly reappear in a capitalised word of the same start (Adam/Adams, Lea/Lee)
        if len(near) < 5 and other[:2] == near[:2] and matcher.ratio() >= _NEAR_SHORT:
            return word
    # an English adjective or demonym of a place (China/Chinese, Britania/British, Gangga/Gangetic): the name
    # itself, so that one text's nouns and adjectives stay one rendering for the consistency check
    if len(near) >= 5 and any(_near(w)[:4] == near[:4] and written[0].isupper() and w not in others
                              for w, written in target_words.items()):
        return lower
    return None


_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")
_NAME_RUN = re.compile(r"[A-Z][^\W\d_]*(?:[\s-]+(?:(?:of|and|for|the|on|de)\s+)*[A-Z][^\W\d_]*)*")
_LINKING = re.compile(r"[\s-]+(?:(?:of|and|for|the|on|de)\s+)*")


def _spelled_out(acronym: str, text: str) -> bool:
    """Whether consecutive capitalised words of the text have the acronym's letters as initials (NHC: National
    Hurricane Center; AM: Assembly Members; TNK: Taman Nasional Kruger, the acronym explained in the source)."""
    letters = acronym.rstrip("s") if acronym[-1] == "s" else acronym
    for run in _NAME_RUN.finditer(text):
        initials = "".join(word[0] for word in _LINKING.split(run[0]) if word)
        if letters in initials if len(letters) >= 3 else letters == initials:
            return True
    return False


def _explained(acronym: str, text: str) -> bool:
    """Whether the text gives the acronym in brackets right after the lower-case phrase it abbreviates, one word
    for each letter and at most one other between them (kekerasan dalam rumah tangga (KDRT), alat pelindung diri
    (APD)): the phrase is what a translation renders, as domestic violence, or PPE."""
    for match in re.finditer(r"\(" + re.escape(acronym) + r"\)", text):
        initials = "".join(word[0].lower() for word in _WORD.findall(text, 0, match.start())[-2 * len(acronym):])
        if re.search(".?".join(acronym.lower()) + "$", initials):
            return True
    return False


# a place and the compass point after it, rendered before it in English (Jakarta Selatan: South Jakarta, Jawa
# Tengah: Central Java): both must be in the translation, even where the place alone is a common word of the table
_COMPASS = {"Utara": r"\bnorth", "Selatan": r"\bsouth", "Barat": r"\bwest", "Timur": r"\beast",
            "Tengah": r"\b(?:central|middle|mid)", "Pusat": r"\bcentral", "Barat Daya": r"\bsouth-?west",
            "Barat Laut": r"\bnorth-?west", "Timur Laut": r"\bnorth-?east"}
# (not after a compass point or a kind of place that English translates: Laut Utara is the North Sea)
_PLACE_KINDS = ("Utara Selatan Barat Timur Laut Bumi Belahan Gunung Pulau Sungai Teluk Selat Danau Kepulauan Tanjung "
                "Samudra Samudera Kutub Benua Kawasan Wilayah Daerah Kota Provinsi Kabupaten Kecamatan Jalan").split()
_COMPASS_NAME = re.compile(r"\b(?!(?:" + "|".join(_PLACE_KINDS) + r")\b)([A-Z][^\W\d_]+) ("
                           + "|".join(sorted(_COMPASS, key=len, reverse=True)) + r")\b")
# US$, S$, HK$ and $US90 (the code after the symbol): part of an amount
_CURRENCY_CODE = re.compile(r"(?<![^\W\d_])[A-Z]{1,3}(?=[$£€¥])|(?<=[$£€¥])[A-Z]{1,3}(?=\s?\d)")

# a pronoun opening a sentence, where a dropped name that opened one would stand (Ruth menangkap -> She caught)
_PRONOUN = re.compile(r"(?:^|[.!?…][\"'”’)\]]*\s+|[\"'“‘(\[])(?:he|she|it|they|his|her|its|their)\b", re.IGNORECASE)
# or a title left without its name (Pillay mengatakan -> Ms said)
_BARE_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\b\.?(?!\s*[A-Z])")


def _names(source: str, translation: str, renderings: dict[str, str] | None = None) -> list[Finding]:
    """Protected tokens and names missing from the translation; ``renderings`` collects name -> rendering."""
    missing = [t for t in _PROTECTED.findall(source) if t.lower() not in translation.lower()]
    rest = _PROTECTED.sub(" ", source)
    pattern, table = _renderings()
    undotted = _DOTTED.sub(lambda m: m[0].replace(".", ""), translation)  # N.F.L. is NFL
    # each word of the translation as written, capitalised where it is capitalised once (Disabilities ... disabilities)
    target_words = {w.lower(): w for w in sorted(_WORD.findall(_PROTECTED.sub(" ", undotted)), key=str.istitle)}
    for match in pattern.finditer(rest):
        if table[match[0]] and not any(_has_phrase(translation, r, True) for r in table[match[0]]) \
                and not all(_rendering(w, target_words) for w in _WORD.findall(match[0])):
            missing.append(match[0])
    unreplaced, rest = rest, pattern.sub(" ", rest)
    for match in _COMPASS_NAME.finditer(rest):
        name = match[1]
        if (_rendering(name, target_words) or not _is_common(name) or name in _english_names()) \
                and not _has_phrase(translation, match[0]) \
                and not (_rendering(name, target_words) and re.search(_COMPASS[match[2]], translation, re.IGNORECASE)):
            missing.append(match[0])
    words = _CURRENCY_CODE.sub(" ", _ROMAN.sub(" ", _COMPASS_NAME.sub(" ", rest)))  # numbers checks the last two
    tokens = dict.fromkeys(_name_tokens(words))
    names = frozenset(name.lower() for name, _, _ in tokens)
    for name, title, opener in tokens:
        rendering = _rendering(name, target_words, names - {name.lower()})
        if rendering is None and name.isupper() and (_spelled_out(name, undotted) or _spelled_out(name, rest)
                                                     or _explained(name, rest)):
            continue
        # a title, or initials (JK Rowling, PO Bus), before a name is optional (the table may render the name)
        optional = title or name.isupper() and len(name) <= 2
        # a lone sentence opener that the translation neither keeps nor replaces by a pronoun opening a sentence
        # is taken for a common word translated (Kari adalah -> A curry is), a name dropped for a pronoun is flagged
        if rendering is None and not (optional and re.search(rf"\b{name}\s+[^\W\d_]*[A-Z]", unreplaced)) \
                and not (opener and not _PRONOUN.search(translation) and not _BARE_TITLE.search(translation)):
            missing.append(name)
        elif rendering is not None and renderings is not None:
            renderings[name] = rendering
    for run in _common_runs(words):
        if _kept_untranslated(run, translation, target_words):
            others = frozenset(w.lower() for w in run)
            missing += [w for w in run[1:] if w and not _rendering(w, target_words, others - {w.lower()})]
    missing = list(dict.fromkeys(missing))
    return [Finding("names", f"{', '.join(missing)} of the source not in the translation")] if missing else []


# --- untranslated ----------------------------------------------------------------------------------------------

# Function words of each language that are never words of the other (no "a", "di" names, "per", "data").
_ID_FUNCTION = frozenset("yang dan dengan untuk pada adalah tidak akan dalam bahwa oleh juga atau ada mereka kami "
                         "kita sudah telah karena saat bisa dapat lebih para sebagai tersebut hanya seperti setelah "
                         "dari ini itu ke belum harus sangat masih kepada bagi tentang namun tetapi jika ketika "
                         "agar sehingga serta antara sejak hingga oleh semua banyak saya anda dia ia".split())
_EN_FUNCTION = frozenset("the of and to in is was are were be been that this these those with for on at by from "
                         "it its as not but or have has had will would can could which who what when there "
                         "their they he she his her we our you your an into than also about after".split())


def _untranslated(source: str, translation: str) -> list[Finding]:
    def words(text: str) -> list[str]:
        return [w.lower() for w in _WORD.findall(text)]

    src, tgt = words(source), words(translation)
    indonesian = sum(w in _ID_FUNCTION for w in tgt)
    # a copy is untranslated where the source has more Indonesian words (function words, common words that are
    # no English word or interjection) than English function words: an English line (a song's, a title) kept
    # as it is, is translated
    if tgt and tgt == src:
        english = sum(w in _EN_FUNCTION and w != "as" for w in src)  # AS is Amerika Serikat
        common = sum(w in _common_words() and w not in _borrowed_words() and w not in _EN_FUNCTION
                     and w not in _INTERJECTIONS for w in src)
        if indonesian + common > english:
            return [Finding("untranslated", "the translation is the source, unchanged")]
    english = sum(w in _EN_FUNCTION for w in tgt)
    if indonesian >= 2 and indonesian > english:
        return [Finding("untranslated", f"still Indonesian: {indonesian} Indonesian and {english} English "
                                        f"function words (function-word test)")]
    return []


# --- degenerate ------------------------------------------------------------------------------------------------

_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]»]*\s*$")
_ENDS_MIDWAY = re.compile(r"[\w,]\s*$")


def _loop(words: list[str]) -> tuple[str, int] | None:
    """The first phrase of 1-4 words repeated ``_LOOP_REPEATS`` times or more in a row, and how often."""
    for size in range(1, 5):
        for start in range(len(words) - size * _LOOP_REPEATS + 1):
            phrase = words[start:start + size]
            count = 1
            while words[start + count * size:start + (count + 1) * size] == phrase:
                count += 1
            if count >= _LOOP_REPEATS:
                return " ".join(phrase), count
    return None


def _degenerate(source: str, translation: str) -> list[Finding]:
    src, tgt = source.strip(), translation.strip()
    if not _WORD.search(tgt) and not _NUMERAL.search(tgt):
        return [Finding("degenerate", "empty translation")] if (_WORD.search(src) or _NUMERAL.search(src)) else []
    findings = []
    tgt_words = [w.lower() for w in _WORD.findall(tgt)]
    loop = _loop(tgt_words)
    if loop and not _loop([w.lower() for w in _WORD.findall(src)]):
        findings.append(Finding("degenerate", f"a loop: {loop[0]!r} {loop[1]} times in a row"))
    ratio = len(tgt) / len(src) if src else 1.0
    if len(src) >= _MIN_LENGTH and not LENGTH_BOUNDS[0] <= ratio <= LENGTH_BOUNDS[1]:
        findings.append(Finding("degenerate", f"{ratio:.2f} times the source's length (expected about "
                                              f"{LENGTH_RATIO:.2f}, {LENGTH_BOUNDS[0]:.2f}-{LENGTH_BOUNDS[1]:.2f})"))
    # a headline translated without its final period is still whole: truncated output is also short
    if _ENDS_SENTENCE.search(src) and _ENDS_MIDWAY.search(tgt) and ratio < _TRUNCATED * LENGTH_RATIO:
        findings.append(Finding("degenerate", "truncated: ends mid-sentence where the source ends a sentence"))
    return findings


# --- brackets and quotes ---------------------------------------------------------------------------------------

_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"))
_QUOTES = re.compile("[\"“”«»]")
# single quotation marks (British style quotes 'like this'), not apostrophes inside or after a word (didn't)
_SINGLE_QUOTES = re.compile("(?<!\\w)['‘]\\w")


# brackets of at most this many words on one side alone are a gloss translators drop or add (AM, NHC; the
# acronym of the source, KTP, or the meaning of a word kept, Alhamdulillah (thank God))
_GLOSS_WORDS = 4


def _long_gloss(text: str, opening: str, closing: str) -> bool:
    """Whether some bracketed part of the text is longer than a gloss: an acronym or its expansion."""
    return any(len(_WORD.findall(part.partition(closing)[0])) > _GLOSS_WORDS for part in text.split(opening)[1:])


def _brackets(source: str, translation: str) -> list[Finding]:
    problems = []
    for opening, closing in _PAIRS:
        src, tgt = source.count(opening), translation.count(opening)
        if tgt != translation.count(closing) and src == source.count(closing):
            problems.append(f"unbalanced {opening}{closing}")
        elif bool(src) != bool(tgt) and _long_gloss(translation if tgt else source, opening, closing):
            problems.append(f"{opening}{closing} in the {'source' if src else 'translation'} only")
    src, tgt = len(_QUOTES.findall(source)), len(_QUOTES.findall(translation))
    if tgt % 2 and not src % 2:
        problems.append("unbalanced double quotes")
    # one quote mark is a quote too (a source may open one and never close it), and so are single quotes
    elif bool(src) != bool(tgt) and not _SINGLE_QUOTES.search(translation if src else source):
        problems.append(f"quotes in the {'source' if src else 'translation'} only")
    return [Finding("brackets", "; ".join(problems))] if problems else []


# --- all checks ------------------------------------------------------------------------------------------------


def check_pair(source: str, translation: str) -> list[Finding]:
    """The findings on one sentence and its translation (every check but ``consistency``)."""
    return _check(source, translation, None)


_MOJIBAKE = re.compile("[ÂÃÄÅâ][\u0080-\u00bf\u0152-\u2122]")


def _unmangled(text: str) -> str:
    """UTF-8 text that was decoded as Windows-1252 (``SÃ¡mi``, ``â€”``, as in some FLORES lines) repaired."""
    if not _MOJIBAKE.search(text):
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return text


def _check(source: str, translation: str, renderings: dict[str, str] | None) -> list[Finding]:
    source, translation = _unmangled(source), _unmangled(translation)
    degenerate = _degenerate(source, translation)
    if degenerate and degenerate[0].reason == "empty translation":
        return degenerate
    return [*_numbers(source, translation), *_names(source, translation, renderings),
            *_untranslated(source, translation), *degenerate, *_brackets(source, translation)]


def _low_confidence(confidences: Sequence[float | None]) -> list[int]:
    """Indices of the least confident sentences: the lowest CONFIDENCE_SHARE (at least one) under CONFIDENCE_FLOOR."""
    known = sorted((c, i) for i, c in enumerate(confidences) if c is not None)
    lowest = known[:max(1, int(len(known) * CONFIDENCE_SHARE))]
    return [i for c, i in lowest if c < CONFIDENCE_FLOOR]


def check_pairs(sources: Sequence[str], translations: Sequence[str],
                confidences: Sequence[float | None] = ()) -> list[list[Finding]]:
    """The findings on each pair of an article or batch, ``consistency`` across them included, and
    ``confidence`` on the least confident when the model's ``confidences`` are given."""
    if len(sources) != len(translations):
        raise ValueError(f"{len(sources)} sources but {len(translations)} translations")
    renderings: list[dict[str, str]] = [{} for _ in sources]
    findings = [_check(s, t, r) for s, t, r in zip(sources, translations, renderings)]
    for i in _low_confidence(confidences):
        findings[i].append(Finding("confidence", f"model log-probability {confidences[i]:.2f} per token, "
                                                 "among the article's lowest"))

    def key(text: str) -> str:
        return " ".join(text.lower().split())

    by_source: dict[str, list[int]] = defaultdict(list)
    for i, source in enumerate(sources):
        if len(_WORD.findall(source)) >= 3:
            by_source[key(source)].append(i)
    for rows in by_source.values():
        usual = Counter(key(translations[i]) for i in rows).most_common(1)[0][0]
        for i in rows:
            if key(translations[i]) != usual:
                other = next(j for j in rows if key(translations[j]) == usual)
                findings[i].append(Finding("consistency", f"the same source sentence is translated differently "
                                                          f"in sentence {other + 1}"))
    # renderings that differ only in their ending (Russia, Russian; Iran, Iranian) count as one
    def stem(name: str, word: str) -> str:
        return _near(word)[:min(5, len(name))]

    by_name: dict[str, Counter[str]] = defaultdict(Counter)
    written: dict[tuple[str, str], str] = {}
    for row in renderings:
        for name, word in row.items():
            by_name[name][stem(name, word)] += 1
            written.setdefault((name, stem(name, word)), word)
    for i, row in enumerate(renderings):
        usual_of = {name: by_name[name].most_common(1)[0][0] for name in row}
        odd = [f"{name} as {word!r}, elsewhere {written[name, usual_of[name]]!r}" for name, word in row.items()
               if len(by_name[name]) > 1 and stem(name, word) != usual_of[name]]
        if odd:
            findings[i].append(Finding("consistency", "a name rendered differently: " + "; ".join(odd)))
    return findings


def count_findings(findings: Sequence[Sequence[Finding]]) -> dict[str, int]:
    """Sentences flagged by each check (``CODES`` order), for summaries."""
    return {code: sum(any(f.code == code for f in row) for row in findings) for code in CODES}


def describe_counts(counts: dict[str, int]) -> str:
    """Counts per check in a few words for tables: ``numbers 2, names 1``, or ``-`` when nothing fired."""
    return ", ".join(f"{code} {n}" for code, n in counts.items() if n) or "-"


def check_texts(source_text: str, translation_text: str) -> CheckedText:
    """Check a translation of a whole text: line by line when both have as many non-blank lines, otherwise
    each split into sentences and aligned (translation sentences without a source partner are left out)."""
    # lines end at \n alone, as sacrebleu and score read them (a U+2028 inside a sentence is no line break)
    src_lines = [line.strip() for line in source_text.split("\n") if line.strip()]
    tgt_lines = [line.strip() for line in translation_text.split("\n") if line.strip()]
    if not src_lines:
        raise UserError("the source has no text to check")
    if len(src_lines) == len(tgt_lines):
        return CheckedText(src_lines, tgt_lines, check_pairs(src_lines, tgt_lines), True)
    from translate_cli.align import align  # here: numpy stays out of the translator's start-up

    src = [s.text for s in segment(source_text, "id")]
    tgt = [s.text for s in segment(translation_text, "en")]
    sources, translations = [], []
    for bead in align(src, tgt):
        if bead.src:
            sources.append(" ".join(src[i] for i in bead.src))
            translations.append(" ".join(tgt[j] for j in bead.tgt))
    return CheckedText(sources, translations, check_pairs(sources, translations), False)


def parse_codes(value: str) -> set[str]:
    """Check codes written comma-separated (``numbers,names``; ``all`` for every one), refusing unknown ones."""
    codes = {code.strip().lower() for code in value.split(",") if code.strip()}
    if "all" in codes:
        return set(CODES)
    unknown = sorted(codes - set(CODES))
    if unknown or not codes:
        raise UserError(f"unknown check {unknown[0] if unknown else value!r}: use {', '.join(CODES)} or all")
    return codes
