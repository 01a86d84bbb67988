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
from functools import cache
from pathlib import Path
from types import ModuleType

from django.conf import settings

logger = logging.getLogger(__name__)

_CODE_RE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")

# Everyday words patients use, mapped to the words the code set uses.
_SYNONYMS = {
    "ptsd": "post-traumatic stress",
    "ocd": "obsessive-compulsive",
    "crps": "complex regional pain syndrome",
    "gad": "generalized anxiety",
    "mdd": "major depressive",
    "depression": "depressive",
    "depressed": "depressive",
    "bipolar": "bipolar",
    "suicidal": "suicidal ideations",
    "fibro": "fibromyalgia",
    "migraines": "migraine",
}


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


def normalize_code(raw: str) -> str:
    """'f332 ' -> 'F33.2'. Returns '' for blank input; does not check that the code exists."""
    code = re.sub(r"[\s]", "", raw or "").upper()
    if not code:
        return ""
    code = code.replace(".", "")
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def lookup(raw: str) -> CodeInfo | None:
    """The code's description and whether it is billable; None when it is no ICD-10-CM code."""
    code = normalize_code(raw)
    if not code or not _CODE_RE.match(code):
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
    """Billable codes whose description matches every word of a plain-language query.

    "depression, recurrent, severe" finds F33.2. A query that looks like a code is looked up
    directly. Mental-health (F) and pain (G89/G90) codes rank first, then shorter descriptions.
    """
    direct = lookup(query)
    if direct is not None:
        return [direct]
    words = []
    for word in _words(query):
        words.extend(_words(_SYNONYMS.get(word, word)))
    stems = {_stem(w) for w in words if len(w) > 2 or w.isdigit()}
    if not stems:
        return []
    rows = _code_set().index
    for stem in stems:
        needle = f" {stem}"  # stems are [a-z0-9]+: this matches only at the start of a word
        rows = [row for row in rows if needle in row[2]]
    hits = []
    for code, description, _ in rows:
        relevant = code.startswith(("F", "G89", "G90", "R45"))
        hits.append((not relevant, len(description), code, description))
    hits.sort()
    return [CodeInfo(code=c, description=d, billable=True) for _, _, c, d in hits[:limit]]
