"""Known drugs for treatment histories: generic names, classes, brand names.

Classes and minimum adequate daily doses come from ../shared/DOMAIN.md §3 (from a transcription of
the MGH-ATRQ "minimum dose" column [R38], marked uncertain there: verify against the official
ATRQ before relying on them) and the augmentation list of §3. Brand names are those on the US
labels. A patient may type a brand, a generic or a misspelling; `match_drug` finds the generic
where it can and otherwise keeps what they typed.
"""

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Drug:
    generic: str
    drug_class: str
    brands: tuple[str, ...] = ()
    atrq_min_mg_per_day: Decimal | None = None  # DOMAIN.md §3, uncertain [U]


SSRI, SNRI, NDRI = "SSRI", "SNRI", "NDRI"
TCA, MAOI = "TCA", "MAOI"
AUGMENT = "augmentation"

_D = Decimal
DRUGS: tuple[Drug, ...] = (
    Drug("fluoxetine", SSRI, ("Prozac",), _D(20)),
    Drug("sertraline", SSRI, ("Zoloft",), _D(50)),
    Drug("paroxetine", SSRI, ("Paxil", "Pexeva"), _D(20)),
    Drug("citalopram", SSRI, ("Celexa",), _D(20)),
    Drug("escitalopram", SSRI, ("Lexapro",), _D(10)),
    Drug("fluvoxamine", SSRI, ("Luvox",), _D(50)),
    Drug("venlafaxine", SNRI, ("Effexor",), _D(150)),
    Drug("desvenlafaxine", SNRI, ("Pristiq",), _D(50)),
    Drug("duloxetine", SNRI, ("Cymbalta",), _D(60)),
    Drug("levomilnacipran", SNRI, ("Fetzima",), _D(40)),
    Drug("milnacipran", SNRI, ("Savella",), _D(100)),
    Drug("bupropion", NDRI, ("Wellbutrin",), _D(300)),
    Drug("mirtazapine", "NaSSA", ("Remeron",), _D(15)),
    Drug("trazodone", "SARI", ("Desyrel", "Oleptro"), _D(300)),
    Drug("nefazodone", "SARI", (), _D(300)),
    Drug("vilazodone", "serotonin modulator", ("Viibryd",), _D(40)),
    Drug("vortioxetine", "serotonin modulator", ("Trintellix",), _D(10)),
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
    Drug("selegiline transdermal", MAOI, ("Emsam",), _D(6)),
    Drug("aripiprazole", AUGMENT, ("Abilify",)),
    Drug("brexpiprazole", AUGMENT, ("Rexulti",)),
    Drug("cariprazine", AUGMENT, ("Vraylar",)),
    Drug("quetiapine", AUGMENT, ("Seroquel",)),
    Drug("olanzapine/fluoxetine", AUGMENT, ("Symbyax",)),
    Drug("lithium", AUGMENT, ("Lithobid",)),
    Drug("liothyronine (T3)", AUGMENT, ("Cytomel",)),
    Drug("buspirone", AUGMENT, ("Buspar",)),
    Drug("esketamine", "NMDA antagonist", ("Spravato",)),
    Drug("ketamine", "NMDA antagonist", ("Ketalar",)),
)

_BY_NAME: dict[str, Drug] = {}
for _drug in DRUGS:
    _BY_NAME[_drug.generic.lower()] = _drug
    _BY_NAME[_drug.generic.split(" ")[0].lower()] = _drug
    for _brand in _drug.brands:
        _BY_NAME[_brand.lower()] = _drug


def match_drug(typed: str) -> Drug | None:
    """The known drug a patient means by what they typed ("Zoloft", "sertaline", "Lexapro 10mg")."""
    words = re.findall(r"[a-z]+", (typed or "").lower())
    for word in words:
        if word in _BY_NAME:
            return _BY_NAME[word]
    for word in words:
        if len(word) >= 5:
            close = difflib.get_close_matches(word, _BY_NAME, n=1, cutoff=0.85)
            if close:
                return _BY_NAME[close[0]]
    return None
