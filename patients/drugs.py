"""Known drugs for treatment histories: generic names, classes, brand names, minimum doses.

Classes and minimum adequate daily doses come from ../shared/DOMAIN.md §3 (from a transcription of
the MGH-ATRQ "minimum dose" column [R38], marked uncertain there: verify against the official
ATRQ before relying on them) and the augmentation list of §3 [R7][R11]. Brand names are those on
the US labels. A patient may type a brand, a generic or a misspelling; `match_drug` finds the
generic where it can and otherwise keeps what they typed.
"""

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal

SSRI, SNRI, NDRI = "SSRI", "SNRI", "NDRI"
NASSA, SARI, SEROTONIN_MODULATOR = "NaSSA", "SARI", "serotonin modulator"
TCA, MAOI = "TCA", "MAOI"
AUGMENT = "augmentation"
NMDA = "NMDA antagonist"

# The classes of the DOMAIN.md §3 table [R38]: a trial of one of these is an antidepressant trial.
ANTIDEPRESSANT_CLASSES = frozenset({SSRI, SNRI, NDRI, NASSA, SARI, SEROTONIN_MODULATOR, TCA, MAOI})

# What an augmentation agent is, in the words payers use for accepted augmentation: a
# second-generation antipsychotic (SGA), lithium, thyroid hormone; some add buspirone
# (DOMAIN.md §3 "Augmentation" [R7][R11]; CareFirst lists AD+SGA, AD+lithium, AD+thyroid [R7]).
SGA, LITHIUM, THYROID, BUSPIRONE = "SGA", "lithium", "thyroid hormone", "buspirone"

MG_PER_DAY, MCG_PER_DAY, MG_PER_24H = "mg/day", "mcg/day", "mg/24h"  # TreatmentTrial.DoseUnit

# The part a medication played in a trial (TreatmentTrial.Role values): an antidepressant; an
# agent added to one to boost it (augmentation, DOMAIN.md §3), which may itself be a second
# antidepressant; or neither, like trazodone taken for sleep.
ANTIDEPRESSANT_ROLE, AUGMENTATION_ROLE, OTHER_ROLE = "antidepressant", "augmentation", "other"


# A note typed after a drug's name saying it was an add-on: "Abilify (augmentation)",
# "lithium - add-on", "Rexulti (adjunct)".
_ROLE_NOTE = re.compile(
    r"\s*(?:\(\s*(?:augment(?:ation|ing)?|add[- ]?on|adjunct(?:ive)?)\s*\)"
    r"|[-–,]\s*(?:augment(?:ation|ing)?|add[- ]?on|adjunct(?:ive)?))\s*$",
    re.IGNORECASE,
)


def split_role_note(name: str) -> tuple[str, str]:
    """(the name without an add-on note, AUGMENTATION_ROLE) when the name ends in one, else
    (name, "")."""
    match = _ROLE_NOTE.search(name)
    if not match or not name[: match.start()].strip():
        return name, ""
    return name[: match.start()].strip(), AUGMENTATION_ROLE


def usual_role(drug_class: str) -> str:
    """The part a drug of this class usually plays, for a trial the patient left on "not
    sure": augmentation for the augmentation agents, antidepressant for the §3 classes, other
    for a known drug of neither; "" for an unknown drug (no class)."""
    if not drug_class:
        return ""
    if drug_class == AUGMENT:
        return AUGMENTATION_ROLE
    if drug_class in ANTIDEPRESSANT_CLASSES:
        return ANTIDEPRESSANT_ROLE
    return OTHER_ROLE


@dataclass(frozen=True)
class Drug:
    generic: str
    drug_class: str
    brands: tuple[str, ...] = ()
    atrq_min_mg_per_day: Decimal | None = None  # DOMAIN.md §3, uncertain [U]
    # Minimum adequate daily dose of an augmentation agent, where DOMAIN.md §3 gives one.
    adjunct_min_mg_per_day: Decimal | None = None
    augmentation_type: str = ""  # SGA, lithium, thyroid hormone, buspirone; "" for the others
    # A combination product: its generics, in the order its strengths are written ("6/25").
    components: tuple[str, ...] = ()
    # The antidepressant class a combination counts in (through its antidepressant component).
    component_class: str = ""
    # Other names and spellings patients use: release forms and less common brands ("Wellbutrin
    # XL"), and misspellings the fuzzy match misses ("prozak"). Kept apart from `brands`, which
    # the demo seed draws from (claims seed_fake_cases).
    aliases: tuple[str, ...] = ()
    # A release form with a minimum of its own (§3: paroxetine CR), by the names that say it.
    formulations: tuple[tuple[tuple[str, ...], Decimal], ...] = ()
    dose_unit: str = MG_PER_DAY  # the unit its doses are usually written in
    # What shows a full trial when DOMAIN.md gives no dose (lithium: a blood level).
    adequacy_note: str = ""

    @property
    def antidepressant_class(self) -> str:
        """The §3 class this drug's trials count in; "" for one that is no antidepressant."""
        if self.drug_class in ANTIDEPRESSANT_CLASSES:
            return self.drug_class
        return self.component_class

    @property
    def is_antidepressant(self) -> bool:
        return bool(self.antidepressant_class)

    @property
    def is_augmentation(self) -> bool:
        return self.drug_class == AUGMENT

    @property
    def min_mg_per_day(self) -> Decimal | None:
        """The minimum adequate daily dose in mg (mg/24 h for a patch); None where unknown."""
        return self.atrq_min_mg_per_day or self.adjunct_min_mg_per_day

    def min_mg_per_day_for(self, typed: str) -> Decimal | None:
        """The minimum for the form named in what was typed ("Paxil CR": 25 mg, not 20)."""
        words = _words(typed)
        for names, minimum in self.formulations:
            for name in names:
                phrase = _words(name)
                if any(words[i : i + len(phrase)] == phrase for i in range(len(words))):
                    return minimum
        return self.min_mg_per_day


_D = Decimal
DRUGS: tuple[Drug, ...] = (
    # Antidepressants: class and ATRQ minimum mg/day from the DOMAIN.md §3 table [R38] [U].
    Drug("fluoxetine", SSRI, ("Prozac",), _D(20), aliases=("Sarafem", "prozak")),
    Drug("sertraline", SSRI, ("Zoloft",), _D(50)),
    Drug(
        "paroxetine",
        SSRI,
        ("Paxil", "Pexeva"),
        _D(20),
        aliases=("Paxil CR",),
        # §3 [R38]: "Paroxetine (CR) 20 (25)": the controlled-release form's minimum is 25 mg.
        formulations=((("Paxil CR", "paroxetine CR", "paroxetine ER"), _D(25)),),
    ),
    Drug("citalopram", SSRI, ("Celexa",), _D(20), aliases=("celaxa",)),
    Drug("escitalopram", SSRI, ("Lexapro",), _D(10), aliases=("escitolapram", "lexipro")),
    Drug("fluvoxamine", SSRI, ("Luvox",), _D(50)),
    Drug("venlafaxine", SNRI, ("Effexor",), _D(150), aliases=("Effexor XR",)),
    Drug("desvenlafaxine", SNRI, ("Pristiq",), _D(50), aliases=("Khedezla",)),
    Drug("duloxetine", SNRI, ("Cymbalta",), _D(60), aliases=("Drizalma Sprinkle",)),
    Drug("levomilnacipran", SNRI, ("Fetzima",), _D(40)),
    Drug("milnacipran", SNRI, ("Savella",), _D(100)),
    Drug(
        "bupropion",
        NDRI,
        ("Wellbutrin",),
        _D(300),
        aliases=(
            "Wellbutrin SR",
            "Wellbutrin XL",
            "Aplenzin",
            "Forfivo XL",
            "welbutrin",
            "buproprion",
        ),
    ),
    Drug("mirtazapine", NASSA, ("Remeron",), _D(15), aliases=("RemeronSolTab",)),
    Drug("trazodone", SARI, ("Desyrel", "Oleptro"), _D(300)),
    Drug("nefazodone", SARI, (), _D(300)),
    Drug("vilazodone", SEROTONIN_MODULATOR, ("Viibryd",), _D(40)),
    Drug("vortioxetine", SEROTONIN_MODULATOR, ("Trintellix",), _D(10)),
    Drug("amitriptyline", TCA, ("Elavil",), _D(150)),
    Drug("imipramine", TCA, ("Tofranil",), _D(150)),
    Drug("desipramine", TCA, ("Norpramin",), _D(150)),
    Drug("doxepin", TCA, ("Sinequan",), _D(150)),
    Drug("clomipramine", TCA, ("Anafranil",), _D(150)),
    Drug("trimipramine", TCA, ("Surmontil",), _D(150)),
    Drug("nortriptyline", TCA, ("Pamelor",), _D(75)),
    Drug("protriptyline", TCA, ("Vivactil",), _D(30)),
    Drug("phenelzine", MAOI, ("Nardil",), _D(45)),
    Drug("tranylcypromine", MAOI, ("Parnate",), _D(30)),
    Drug("isocarboxazid", MAOI, ("Marplan",), _D(30)),
    # §3 [R38]: 6 mg/24 h, a patch; a dose written in mg/day means the same amount.
    Drug("selegiline transdermal", MAOI, ("Emsam",), _D(6), dose_unit=MG_PER_24H),
    # Augmentation agents (§3 "Augmentation" [R7][R11]). Minimum doses only where §3 gives one.
    # §3 [R43]: the adjunct label starts at 2-5 mg and targets 5-10 mg/day (max 15). DOMAIN gives
    # no ATRQ minimum, so the low end of the target range stands in for it [U].
    Drug(
        "aripiprazole",
        AUGMENT,
        ("Abilify",),
        adjunct_min_mg_per_day=_D(5),
        augmentation_type=SGA,
    ),
    # §3: brexpiprazole and cariprazine doses were not retrieved [U]: no minimum.
    Drug("brexpiprazole", AUGMENT, ("Rexulti",), augmentation_type=SGA),
    Drug("cariprazine", AUGMENT, ("Vraylar",), augmentation_type=SGA),
    # §3 [R38]: 150 mg/day counted as an adequate adjunct in the ATRQ-derived protocol.
    Drug(
        "quetiapine",
        AUGMENT,
        ("Seroquel",),
        adjunct_min_mg_per_day=_D(150),
        aliases=("Seroquel XR",),
        augmentation_type=SGA,
    ),
    # Symbyax is fluoxetine (an SSRI, §3 table [R38]) and olanzapine (a second-generation
    # antipsychotic) in one capsule: an antidepressant with an SGA added, which is what CareFirst
    # accepts as augmentation ("AD+SGA", §1.2 and §3 [R7]). It stays in the augmentation class
    # (the letters list it with the augmentation trials) and its trials also count as SSRI
    # trials through the fluoxetine in it, since the patient took an SSRI throughout. Whether
    # one trial may fill both an antidepressant and an augmentation criterion is not in DOMAIN
    # [U]: the assessment reports both and the criteria decide. The combination has no minimum
    # dose in §3; its fluoxetine part is held to fluoxetine's (see patients.adequate_trials).
    Drug(
        "olanzapine/fluoxetine",
        AUGMENT,
        ("Symbyax",),
        augmentation_type=SGA,
        components=("olanzapine", "fluoxetine"),
        component_class=SSRI,
    ),
    Drug(
        "lithium",
        AUGMENT,
        ("Lithobid",),
        aliases=("Eskalith",),
        augmentation_type=LITHIUM,
        # §3 [R44]: augmentation is judged by the blood level, 0.4-0.6 mmol/L, not by mg [U].
        adequacy_note="target 0.4-0.6 mmol/L",
    ),
    # §3: the T3 dose was not retrieved [U]: no minimum. It is written in micrograms.
    Drug(
        "liothyronine (T3)",
        AUGMENT,
        ("Cytomel",),
        augmentation_type=THYROID,
        aliases=("T3", "liothyronine"),
        dose_unit=MCG_PER_DAY,
    ),
    # §3: "some add buspirone" [R7][R11]: not every payer accepts it.
    Drug("buspirone", AUGMENT, ("Buspar",), augmentation_type=BUSPIRONE),
    # The treatments this app asks coverage for (§1.1): neither an antidepressant trial of the
    # §3 table nor an augmentation agent.
    Drug("esketamine", NMDA, ("Spravato",)),
    Drug("ketamine", NMDA, ("Ketalar",)),
)

# Names of a combination's components that are not drugs of their own here.
_COMPONENT_NAMES: dict[str, tuple[str, ...]] = {"olanzapine": ("olanzapine", "zyprexa")}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z0-9]*", (text or "").lower())


_BY_PHRASE: dict[tuple[str, ...], Drug] = {}
for _drug in DRUGS:
    _generic = _drug.generic.replace("/", " ") if _drug.components else _drug.generic
    _forms = [name for names, _minimum in _drug.formulations for name in names]
    for _name in (_generic, *_drug.brands, *_drug.aliases, *_forms):
        _BY_PHRASE.setdefault(tuple(_words(_name)), _drug)
    if not _drug.components:
        # "selegiline" alone means the patch; "paroxetine" alone stays plain paroxetine.
        _BY_PHRASE.setdefault(tuple(_words(_drug.generic)[:1]), _drug)
_LONGEST = max(len(key) for key in _BY_PHRASE)
_SINGLE_WORDS = {key[0]: drug for key, drug in _BY_PHRASE.items() if len(key) == 1}
_BY_GENERIC = {drug.generic: drug for drug in DRUGS}


def _close(word: str, names: list[str] | dict[str, Drug]) -> str | None:
    if len(word) < 5:
        return None
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.85)
    return close[0] if close else None


def _names_component(words: list[str], component: str) -> bool:
    names = list(_COMPONENT_NAMES.get(component, (component,)))
    if component in _BY_GENERIC:
        names += [b.lower() for b in _BY_GENERIC[component].brands]
        names += [a.lower() for a in _BY_GENERIC[component].aliases]
    return any(word in names or _close(word, names) for word in words)


def match_drug(typed: str) -> Drug | None:
    """The known drug a patient means by what they typed ("Zoloft", "sertaline", "Lexapro 10mg").

    A text naming every part of a combination ("olanzapine and fluoxetine") is the combination,
    not its first part; otherwise the first known name in the text wins, longest phrase first
    ("Paxil CR" before "Paxil"), then the closest spelling of a word of five letters or more.
    """
    words = _words(typed)
    for drug in DRUGS:
        if drug.components and all(_names_component(words, c) for c in drug.components):
            return drug
    for start in range(len(words)):
        for length in range(min(_LONGEST, len(words) - start), 0, -1):
            found = _BY_PHRASE.get(tuple(words[start : start + length]))
            if found:
                return found
    for word in words:
        close = _close(word, _SINGLE_WORDS)
        if close:
            return _SINGLE_WORDS[close]
    return None
