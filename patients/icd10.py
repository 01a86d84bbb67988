"""ICD-10-CM codes: validation, descriptions and plain-language search.

The code set is the one shipped by the `simple-icd-10-cm` package (its data files are the CMS
ICD-10-CM tabular list and code list of April 2026, FY2026). DOMAIN.md §2.2 asks to verify codes
against the current fiscal-year tables: upgrading that package is how the app does so.

Billable means a leaf of the code tree (no more specific code below it): "F33" is a category and
cannot go on a claim; "F33.2" can. Patients may save a diagnosis with a category code or no code,
but packets need a billable code.
"""

import importlib.metadata
import json
import logging
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from types import ModuleType

from django.conf import settings

logger = logging.getLogger(__name__)

# Everyday words patients use, mapped to the words the code set uses.
_SYNONYMS = {
    "depression": "depressive",
    "depressed": "depressive",
    "suicidal": "suicidal ideations",
    "fibro": "fibromyalgia",
    "migraines": "migraine",
    "leg": "lower limb",
    "legs": "lower limb",
    "arm": "upper limb",
    "arms": "upper limb",
    "psychosis": "psychotic",
}

# Lay phrases and abbreviations. A phrase found in the query (as whole words, longest first)
# puts its codes first, those that also match the query's other words, and stands for `words` in
# the word search. Codes: DOMAIN.md §2.2 where it lists them (MDD, bipolar depression, PTSD, GAD,
# OCD, suicidal ideation R45.851, pain, CRPS, fibromyalgia, migraine); otherwise the FY2026
# tabular list's code for the term: F53.0 postpartum depression, F41.0 panic disorder, F40.10
# social phobia, F41.8 mixed anxiety and depressive disorder, F34.1 dysthymia, F31.9 bipolar
# disorder unspecified, M79.2 neuralgia, G47.00 insomnia, F90.9 ADHD, F50.00 anorexia nervosa,
# F10.20 alcohol dependence. ICD-10-CM has no code for treatment-resistant depression: clinicians
# code the depressive disorder itself, and payers' Spravato lists name the severe and recurrent
# MDD codes (DOMAIN.md §2.2 [R29]).
_MDD = ("F32.A", "F32.9", "F33.9")
_TRD = ("F33.2", "F32.2", "F33.1")
_SUICIDAL = ("R45.851",)
_BIPOLAR_DEPRESSION = ("F31.30", "F31.31", "F31.32", "F31.4", "F31.5", "F31.81")
_PTSD = ("F43.10", "F43.12", "F43.11")
_OCD = ("F42.2", "F42.9")
_WORRY = ("F41.1",)
_PHRASES: dict[str, tuple[tuple[str, ...], str]] = {
    "depression": (_MDD, "depressive"),
    "depressed": (_MDD, "depressive"),
    "major depression": (("F32.9", "F33.9"), "major depressive"),
    "major depressive disorder": (("F32.9", "F33.9"), "major depressive"),
    "mdd": (("F32.9", "F33.9"), "major depressive"),
    "recurrent depression": (("F33.9", "F33.1", "F33.2"), "recurrent depressive"),
    "treatment resistant depression": (_TRD, ""),
    "treatment resistant": (_TRD, ""),
    "trd": (_TRD, ""),
    "comes back": ((), "recurrent"),
    "coming back": ((), "recurrent"),
    "keeps coming back": ((), "recurrent"),
    "keeps returning": ((), "recurrent"),
    "recurring": ((), "recurrent"),
    "postpartum depression": (("F53.0",), ""),
    "post partum depression": (("F53.0",), ""),
    "postpartum": (("F53.0",), ""),
    "suicidal thoughts": (_SUICIDAL, ""),
    "suicidal ideation": (_SUICIDAL, ""),
    "thoughts of suicide": (_SUICIDAL, ""),
    "thinking about suicide": (_SUICIDAL, ""),
    "bipolar depression": (_BIPOLAR_DEPRESSION, ""),
    "bipolar disorder": (("F31.9",), "bipolar"),
    "bipolar 2": (("F31.81",), ""),
    "bipolar ii": (("F31.81",), ""),
    "manic depression": (("F31.9",), ""),
    "anxiety": (("F41.9", "F41.1"), "anxiety"),
    "anxiety and depression": (("F41.8",), ""),
    "depression and anxiety": (("F41.8",), ""),
    "gad": (_WORRY, ""),
    "worry": (_WORRY, ""),
    "worrying": (_WORRY, ""),
    "worries": (_WORRY, ""),
    "panic attacks": (("F41.0",), ""),
    "panic attack": (("F41.0",), ""),
    "social anxiety": (("F40.10",), ""),
    "ptsd": (_PTSD, "post traumatic stress"),
    "complex ptsd": (("F43.10",), ""),
    "cptsd": (("F43.10",), ""),
    "ocd": (_OCD, "obsessive compulsive"),
    "obsessive compulsive": (_OCD, "obsessive compulsive"),
    "chronic pain": (("G89.29", "G89.4"), "chronic pain"),
    "chronic pain syndrome": (("G89.4",), ""),
    "crps": (("G90.50",), "complex regional pain syndrome"),
    "migraine": (("G43.909", "G43.709"), "migraine"),
    "migraines": (("G43.909", "G43.709"), "migraine"),
    "chronic migraine": (("G43.709", "G43.719"), ""),
    "neuropathic pain": (("M79.2",), ""),
    "nerve pain": (("M79.2",), ""),
    "insomnia": (("G47.00", "F51.01"), "insomnia"),
    "adhd": (("F90.9", "F90.0", "F90.2"), ""),
    "add": (("F90.0", "F90.9"), ""),
    "anorexia": (("F50.00",), "anorexia"),
    "alcohol use disorder": (("F10.20", "F10.10"), ""),
}
# Words that say nothing about the condition: left out of the word search.
_FILLER = frozenset(
    [
        "i",
        "im",
        "me",
        "my",
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "without",
        "that",
        "which",
        "it",
        "is",
        "am",
        "are",
        "was",
        "been",
        "have",
        "has",
        "had",
        "all",
        "time",
        "always",
        "constant",
        "constantly",
        "really",
        "very",
        "lot",
        "feel",
        "feeling",
        "get",
        "getting",
        "keeps",
        "keep",
        "from",
        "this",
        "over",
        "trouble",
    ]
)
# Words too general to rule out a phrase's codes ("obsessive compulsive disorder" keeps F42.2,
# "Mixed obsessional thoughts and acts"), as stems.
# (_stem of disorder, disorders, disease, syndrome, condition, problem, problems)
_GENERIC_STEMS = frozenset({"disor", "disord", "dise", "syndr", "condit", "prob", "probl"})
# The codes patients of this app most often have (DOMAIN.md §2.2's lists for its conditions), in
# the order a tie goes: among the codes matching every word, these come first.
_COMMON = {
    code: rank
    for rank, code in enumerate(
        [
            *_MDD,
            "F32.0",
            "F32.1",
            "F32.2",
            "F32.3",
            "F32.4",
            "F32.5",
            "F33.0",
            "F33.1",
            "F33.2",
            "F33.3",
            "F33.40",
            "F33.41",
            "F33.42",
            "F33.8",
            "F34.1",
            "F41.1",
            "F41.9",
            "F41.0",
            "F41.8",
            "F40.10",
            *_PTSD,
            *_OCD,
            "F31.9",
            *_BIPOLAR_DEPRESSION,
            "F53.0",
            "R45.851",
            "G89.29",
            "G89.4",
            "G89.0",
            "G90.50",
            "G90.59",
            "M79.7",
            "G43.909",
            "G43.709",
            "G47.00",
            "F51.01",
            "F90.9",
            "F10.20",
            "F50.00",
        ]  # fmt: skip
    )
}


class CodeFormatError(ValueError):
    """Text typed as a code that is not written like one ("F3.2", "F33..2")."""


@dataclass(frozen=True)
class CodeInfo:
    code: str  # with the dot, e.g. "F33.2"
    description: str
    billable: bool


@cache
def _cm() -> ModuleType:
    # The package reads its data with importlib.resources' legacy API, which warns on import.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    module: ModuleType = simple_icd_10_cm  # untyped (no stubs): checked as Any
    return module


# Parsing the package's XML and indexing it takes about 8 s of CPU, paid by every process on its
# first lookup or search (a web worker's first patient waits for it). So the result, plain data,
# is kept in a JSON file named by the package's version and the format below; any process that
# finds it loads it in a fraction of a second. Bump _FORMAT when _build_code_set changes.
_FORMAT = 1


@dataclass(frozen=True)
class _CodeSet:
    codes: dict[str, tuple[str, bool]]  # "F33.2" -> (description, billable), categories included
    # (code, description, stems) for every billable code. The stems are those of the description
    # and inclusion terms, each preceded by a space (F33.2: " depress disor featu majo psycho
    # recurr seve with"), so that search() finds the codes with a word starting with a query stem
    # by one substring test per code, " seve" in the string.
    index: list[tuple[str, str, str]]

    @cached_property
    def stems_by_code(self) -> dict[str, str]:
        """The index's stems by code (built once per code set, on the first search)."""
        return {code: stems for code, _description, stems in self.index}


def _build_code_set() -> _CodeSet:
    cm = _cm()
    codes: dict[str, tuple[str, bool]] = {}
    index = []
    for raw in cm.get_all_codes(with_dots=True):
        if cm.is_chapter_or_block(raw):
            continue
        description, billable = cm.get_description(raw), cm.is_leaf(raw)
        codes[raw] = (description, billable)
        if billable:
            text = " ".join([description, *cm.get_inclusion_term(raw)])
            stems = {_stem(w) for w in _words(text)}
            index.append((raw, description, "".join(f" {stem}" for stem in sorted(stems))))
    return _CodeSet(codes=codes, index=index)


def _cache_file() -> Path:
    version = importlib.metadata.version("simple-icd-10-cm")
    return Path(settings.ICD10_CACHE_DIR) / f"icd10-cm-{version}-format{_FORMAT}.json"


@cache
def _code_set() -> _CodeSet:
    """The code set, from the cache file when there is one, else built (and the file written)."""
    path = _cache_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _CodeSet(
            codes={code: (description, billable) for code, description, billable in data["codes"]},
            index=[(code, description, stems) for code, description, stems in data["index"]],
        )
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none yet, or unreadable: build it
    code_set = _build_code_set()
    data = {
        "codes": [[code, *entry] for code, entry in code_set.codes.items()],
        "index": code_set.index,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(data), encoding="utf-8")
        partial.replace(path)  # atomic: a concurrent reader sees a whole file or none
    except OSError:
        logger.warning("Could not write the ICD-10-CM cache file %s", path, exc_info=True)
    return code_set


_WRITTEN_CODE = re.compile(r"^([A-Z][0-9][0-9A-Z])(?:\.?([0-9A-Z]{1,4}))?$")


def normalize_code(raw: str) -> str:
    """'f33.2 ' or 'F332' -> 'F33.2'; '' for blank input. Raises CodeFormatError for anything
    else ("F3.2", "F3.32", "F33..2", "F 33 2"): adding the missing dot is the one repair made, so a
    mistyped code is never silently turned into another. Does not check that the code exists."""
    code = (raw or "").strip().upper()
    if not code:
        return ""
    match = _WRITTEN_CODE.match(code)
    if match is None:
        raise CodeFormatError(code)
    category, rest = match.groups()
    return f"{category}.{rest}" if rest else category


_CODE_ATTEMPT = re.compile(r"^[A-Z] *[0-9][0-9A-Z. ]*$")


def is_miswritten_code(text: str) -> bool:
    """Typed as a code ("F3.2", "F33..2", "F 33 2") but not written like one."""
    text = (text or "").strip().upper()
    # Short, and no word in it ("B12 deficiency" is words, not a code).
    squeezed = text.replace(" ", "")
    if not _CODE_ATTEMPT.match(text) or len(squeezed) > 9 or re.search("[A-Z]{3,}", text):
        return False
    try:
        normalize_code(text)
    except CodeFormatError:
        return True
    return False


def lookup(raw: str) -> CodeInfo | None:
    """The code's description and whether it is billable; None when it is no ICD-10-CM code."""
    try:
        code = normalize_code(raw)
    except CodeFormatError:
        return None
    if not code:
        return None
    entry = _code_set().codes.get(code)
    if entry is None:
        return None
    description, billable = entry
    return CodeInfo(code=code, description=description, billable=billable)


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", text)


def _stem(word: str) -> str:
    # A crude stem so "severe"/"severity" or "recurrent"/"recurring" meet.
    return word if len(word) <= 4 else word[: max(4, len(word) - 3)]


def search(query: str, limit: int = 10) -> list[CodeInfo]:
    """Billable codes for a query in the patient's own words, best first.

    A query written as a code is looked up. Otherwise lay phrases (`_PHRASES`: "suicidal
    thoughts", "keeps coming back", "TRD") put their codes first and stand for the code set's
    words; then come the billable codes whose description or inclusion terms have every other
    word, the common codes of this app's conditions first (`_COMMON`), then mental-health and
    pain codes, then the shortest descriptions.
    """
    direct = lookup(query)
    if direct is not None:
        return [direct]
    if is_miswritten_code(query):
        return []  # never guess which code a mistyped one was meant to be
    words = _words(query)
    boosted, modifiers, rest = _phrases_in(words)
    search_words = [*modifiers, *rest]
    for phrase_words in boosted.values():
        search_words.extend(phrase_words)
    expanded = []
    for word in search_words:
        expanded.extend(_words(_SYNONYMS.get(word, word)))
    stems = {_stem(w) for w in expanded if len(w) > 2 or w.isdigit()}
    # The phrases' codes stay when they also carry the query's other words.
    others = {_stem(w) for w in [*modifiers, *rest] for w in _words(_SYNONYMS.get(w, w))}
    others = {s for s in others if (len(s) > 2 or s.isdigit()) and s not in _GENERIC_STEMS}
    code_set, stems_of = _code_set(), _stems_by_code()
    found: dict[str, None] = {}
    for codes in boosted:
        for code in codes:
            if code in stems_of and all(f" {o}" in stems_of[code] for o in others):
                found[code] = None
    if stems:
        rows = code_set.index
        for stem in stems:
            needle = f" {stem}"  # stems are [a-z0-9]+: this matches only at the start of a word
            rows = [row for row in rows if needle in row[2]]
        ranked = sorted(
            (
                code not in _COMMON,
                _COMMON.get(code, 0),
                not code.startswith(("F", "G89", "G90", "G43", "G47", "M79", "R45")),
                len(description),
                code,
            )
            for code, description, _ in rows
        )
        for *_, code in ranked:
            found.setdefault(code, None)
        if not found and len(stems) > 1:
            for code in _best_partial_matches(stems, limit):
                found.setdefault(code, None)
    return [
        CodeInfo(code=code, description=code_set.codes[code][0], billable=True)
        for code in list(found)[:limit]
    ]


def _best_partial_matches(stems: set[str], limit: int) -> list[str]:
    """When no code has every word ("pain all over fibromyalgia"): the codes with the most of
    them, ranked as above. One pass over the index; only when the strict search found nothing."""
    needles = [f" {stem}" for stem in stems]
    matched = []
    df = dict.fromkeys(needles, 0)
    for code, description, code_stems in _code_set().index:
        hits = [needle for needle in needles if needle in code_stems]
        if hits:
            matched.append((code, description, hits))
            for needle in hits:
                df[needle] += 1
    # A rare word ("fibromyalgia") weighs more than a common one ("pain").
    scored = [
        (
            -sum(1 / df[n] for n in hits),
            code not in _COMMON,
            _COMMON.get(code, 0),
            len(description),
            code,
        )
        for code, description, hits in matched
    ]
    scored.sort()
    return [code for *_, code in scored[:limit]]


def _phrases_in(words: list[str]) -> tuple[dict[tuple[str, ...], list[str]], list[str], list[str]]:
    """The phrases found in the query's words, longest first: ({codes: their words} for phrases
    with codes, the words of those without, the remaining words that are not filler)."""
    taken = [False] * len(words)
    boosted: dict[tuple[str, ...], list[str]] = {}
    modifiers: list[str] = []
    for phrase, (codes, replacement) in _PHRASES_LONGEST_FIRST:
        size = len(phrase)
        for start in range(len(words) - size + 1):
            if any(taken[start : start + size]) or tuple(words[start : start + size]) != phrase:
                continue
            taken[start : start + size] = [True] * size
            if codes:
                boosted.setdefault(codes, []).extend(replacement.split())
            else:
                modifiers.extend(replacement.split())
    rest = [w for w, used in zip(words, taken, strict=True) if not used and w not in _FILLER]
    return boosted, modifiers, rest


_PHRASES_LONGEST_FIRST = sorted(
    ((tuple(phrase.split()), entry) for phrase, entry in _PHRASES.items()),
    key=lambda item: -len(item[0]),
)


def _stems_by_code() -> dict[str, str]:
    return _code_set().stems_by_code
