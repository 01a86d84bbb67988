"""Seed the coverage criteria sets from ../shared/DOMAIN.md §1.2 (Spravato criteria by payer) and
§1.3 (IV ketamine, usually experimental), one set per policy and version, never a blend.

The data is frozen here, as transcribed on 2026-12-03; staff keep it current in admin (with
history). `last_verified` stays empty: nobody has checked these against the payers' own pages
yet (DOMAIN.md gives no retrieval date, and this machine has no internet). Sets whose facts
DOMAIN.md marks uncertain [U] are `verified=False` and say why in their notes. Source URLs are the
DOMAIN.md reference's address where it is complete; `source_refs` names the references.

Kinds and parameters: claims/criteria/rules.py. "gt" compares with >, else ≥.
"""

import datetime as dt

from django.db import migrations

MDD = {  # the indication of every Spravato set (label, DOMAIN.md §1.1 [R20]; codes §2.2)
    "kind": "diagnosis",
    "params": {"codes": ["F32", "F33"]},
    "wording": "Major depressive disorder (ICD-10-CM F32.x single episode or F33.x recurrent)",
}
ADULT = {"kind": "min_age", "params": {"years": 18}, "wording": "18 years or older"}
PSYCHIATRIST = {
    "kind": "prescriber",
    "params": {"specialties": ["psychiatrist"]},
    "wording": "Prescribed by, or in consultation with, a psychiatrist",
}
PDMP = {"kind": "pdmp", "params": {}, "wording": "The state prescription drug monitoring "
        "program (PDMP) has been checked"}
ORAL_AD = {"kind": "oral_antidepressant", "params": {},
           "wording": "Used together with an oral antidepressant"}
REMS = {"kind": "rems_setting", "params": {},
        "wording": "Given at a healthcare setting certified in the Spravato REMS"}
ALL_CONDITIONS = [
    "trd", "mdd_si", "depression", "bipolar_depression", "ptsd", "anxiety", "ocd",
    "chronic_pain", "crps", "other",
]
MOOD = ["trd", "mdd_si", "depression", "bipolar_depression"]


def failed(count, weeks, classes=0, **extra):
    params = {"count": count, "min_weeks": weeks, **extra}
    if classes:
        params["distinct_classes"] = classes
    return params


def cigna(version):
    before_label = version == 1
    criteria = [
        ADULT,
        MDD,
        {
            "kind": "failed_trials",
            "indication": "trd",
            "params": failed(2, 6, 2, current_episode=True, max_improvement_percent=25),
            "wording": "Nonresponse (≤25% improvement) to at least two antidepressants from "
            "different classes, each at a therapeutic dose for at least 6 weeks, in the "
            "current episode",
        },
        PSYCHIATRIST,
        PDMP,
        {
            "kind": "exclusion",
            "params": {"question": "If the patient has psychosis, does the prescriber judge "
                       "that the benefit outweighs the risk?"},
            "wording": "Psychosis only where the benefit outweighs the risk",
        },
    ]
    if before_label:
        criteria.append(ORAL_AD)
    criteria += [
        {"kind": "approval_duration", "indication": "trd", "params": {"months": 6},
         "wording": "TRD: approved for 6 months"},
        {"kind": "approval_duration", "indication": "mdd_si", "params": {"months": 2},
         "wording": "MDD with suicidal ideation: approved for 2 months"},
    ]
    return {
        "policy_key": "cigna-spravato",
        "name": "Psychiatry – Spravato (esketamine)",
        "payer_label": "Cigna",
        "payers": ["Cigna Healthcare"],
        "treatments": ["esketamine"],
        "indications": ["trd", "mdd_si"],
        "effective_from": None if before_label else dt.date(2025, 1, 21),
        "effective_to": dt.date(2025, 1, 20) if before_label else None,
        "verified": not before_label,
        "source_url": "https://coverage.pharmacistwrite.com/coverage/cigna/"
        "spravato-esketamine-nasal-spray-janssen/treatment-resistant-depression",
        "source_refs": "R1, R2, R21",
        "notes": (
            "The version in effect before Spravato's approval as monotherapy (2025-01-21, "
            "DOMAIN.md §1.1 [R21]), when the label, and Cigna, required an oral antidepressant "
            "alongside. DOMAIN.md says Cigna dropped that criterion [R2] but gives no date: the "
            "boundary is set at the label change, unverified [U]."
            if before_label
            else "Cigna dropped the concurrent oral antidepressant criterion after the "
            "monotherapy approval [R2]. In effect from the label change (2025-01-21); Cigna's "
            "own date for the change is not in DOMAIN.md [U]."
        ),
        "criteria": criteria,
    }


SETS = [
    cigna(1),
    cigna(2),
    {
        "policy_key": "evicore-spravato",
        "name": "Spravato (esketamine) — medical drug criteria",
        "payer_label": "Evicore",
        "payers": ["Evicore"],
        "treatments": ["esketamine"],
        "indications": ["trd", "mdd_si"],
        "source_url": "https://verity.backworkai.com/policy/EVICORE-MEDICAL_DRUG-CA8E737B",
        "source_refs": "R3, R4",
        "notes": "MDD with suicidal ideation: at most 84 mg twice weekly for 4 weeks [R3]. "
        "Still requires an oral antidepressant after the monotherapy approval (DOMAIN.md §1.1).",
        "criteria": [
            MDD,
            {"kind": "failed_trials", "indication": "trd",
             "params": failed(2, 6, 2, max_improvement_percent=25),
             "wording": "At least two antidepressants from different classes, each for at "
             "least 6 weeks, with ≤25% improvement"},
            PSYCHIATRIST,
            ORAL_AD,
            PDMP,
            {"kind": "approval_duration", "indication": "trd", "params": {"months": 6},
             "wording": "TRD: 6 months"},
            {"kind": "approval_duration", "indication": "mdd_si", "params": {"months": 2},
             "wording": "MDD with suicidal ideation: 2 months"},
            {"kind": "renewal", "params": {"evidence": "the benefit documented after the "
             "induction phase"}, "wording": "Documented benefit after induction"},
        ],
    },
    {
        "policy_key": "uhc-spravato",
        "name": "Spravato (esketamine) — prior authorization",
        "policy_number": "2025 P 2168-10",
        "payer_label": "UnitedHealthcare",
        "payers": ["UnitedHealthcare"],
        "treatments": ["esketamine"],
        "indications": ["mdd_si"],
        "verified": False,
        "source_url": "https://coverage.pharmacistwrite.com/coverage/united-healthcare/"
        "spravato-esketamine/depressive-symptoms-in-adults-with-major-depressive-disorder",
        "source_refs": "R5, R6",
        "notes": "Only the MDD-with-suicidal-ideation criteria were retrieved; the TRD criteria "
        "were not [U], so this set covers mdd_si only.",
        "criteria": [
            MDD,
            {"kind": "clinic_confirms", "params": {"question": "Does the record document "
             "acute suicidal ideation or behavior?"}, "wording": "Acute suicidal ideation or "
             "behavior"},
            REMS,
            {"kind": "approval_duration", "params": {"months": 12}, "wording": "12 months"},
        ],
    },
    {
        "policy_key": "uhc-community-la-spravato",
        "name": "Ketalar (ketamine) and Spravato (esketamine) — Community Plan of Louisiana",
        "payer_label": "UnitedHealthcare Community Plan (Louisiana)",
        "payers": ["UnitedHealthcare"],
        "plan_types": ["medicaid"],
        "treatments": ["esketamine"],
        "indications": ["trd"],
        "version_date": None,
        "verified": False,
        "source_url": "https://docslib.org/doc/5769418",
        "source_refs": "R18",
        "notes": "A 2020 policy. The failed-trial criterion is cut off in the retrieved copy "
        "[U]. QIDS-C16 (the clinician version) is recorded here on the QIDS line.",
        "criteria": [
            MDD,
            {"kind": "clinic_confirms", "params": {"question": "No clinically meaningful "
             "improvement after antidepressant trials (the number and length were cut off "
             "in the retrieved policy)?"}, "wording": "Not clinically meaningful improvement "
             "after antidepressants"},
            PSYCHIATRIST,
            {"kind": "baseline_score", "params": {"scales": {"hamd17": None, "qids_sr16": None,
             "madrs": None}}, "wording": "A baseline HAM-D17, QIDS-C16 or MADRS"},
        ],
    },
    {
        "policy_key": "carefirst-caremark-spravato",
        "name": "Spravato (esketamine) — treatment-resistant depression in adults",
        "payer_label": "CareFirst (CVS Caremark)",
        "payers": [],
        "treatments": ["esketamine"],
        "indications": ["trd"],
        "verified": False,
        "source_url": "https://coverage.pharmacistwrite.com/coverage/carefirst-caremark/"
        "spravato-esketamine/treatment-resistant-depression-trd-in-adults",
        "source_refs": "R7, R6",
        "notes": "The approval lengths (1 month initial, 3 months continuation) are uncertain "
        "[U]. The trials must reach the maximum tolerated labeled dose: the check here holds "
        "them to the minimum adequate dose (DOMAIN.md §3), so the letter should state the "
        "doses reached.",
        "criteria": [
            MDD,
            {"kind": "failed_trials", "params": failed(2, 8, 2, lookback_years=5,
             current_episode=True), "wording": "Two antidepressants from two classes at the "
             "maximum tolerated labeled dose for at least 8 weeks, within 5 years, in the "
             "current episode"},
            {"kind": "augmentation", "group": "augmentation or psychotherapy",
             "params": {"count": 1, "min_weeks": 8}, "wording": "Augmentation for at least "
             "8 weeks (two antidepressants, an antidepressant with a second-generation "
             "antipsychotic, lithium or thyroid hormone)"},
            {"kind": "psychotherapy", "group": "augmentation or psychotherapy", "params": {},
             "wording": "Evidence-based psychotherapy (CBT, IPT…)"},
            {"kind": "baseline_score", "params": {"scales": {"bdi2": None, "hamd17": None,
             "madrs": None}}, "wording": "Severity measured on the BDI, HDRS or MADRS"},
            {"kind": "clinic_confirms", "params": {"question": "Is the depression severe on "
             "that scale?"}, "wording": "Severe major depressive disorder"},
            {"kind": "substance_use", "params": {}, "wording": "No untreated moderate or "
             "severe substance use disorder"},
            {"kind": "clinic_confirms", "params": {"question": "Will the patient be monitored "
             "for at least 2 hours after each dose?"}, "wording": "2-hour monitoring"},
            {"kind": "approval_duration", "params": {"months": 1, "note": "3 months for "
             "continuation"}, "wording": "1 month initial; 3 months continuation [U]"},
        ],
    },
    {
        "policy_key": "bcbsnd-spravato",
        "name": "Esketamine (Spravato) — medical policy",
        "payer_label": "Blue Cross Blue Shield of North Dakota",
        "payers": [],
        "treatments": ["esketamine"],
        "indications": ["trd"],
        "source_url": "https://bcbsnd.com/providers/policies-precertification/medical-policy/"
        "e/esketamine-spravato",
        "source_refs": "R8",
        "notes": "The newer of the two versions DOMAIN.md saw (the older one asked for three "
        "antidepressants, one in the current episode, and an augmentation trial); neither "
        "version's dates were retrieved, so this set has none. 4 weeks: 'no response at "
        "minimal dose for 4 weeks' (DOMAIN.md §3); a partial response needs 8 weeks at the "
        "maximum dose, which this check does not separate.",
        "criteria": [
            MDD,
            {"kind": "failed_trials", "params": failed(2, 4), "wording": "At least two oral "
             "antidepressants"},
            {"kind": "prescriber", "params": {"specialties": ["psychiatrist"]},
             "wording": "A specialist prescriber"},
            ORAL_AD,
            REMS,
            {"kind": "renewal", "params": {"evidence": "disease stability or a beneficial "
             "response"}, "wording": "Disease stability or beneficial response"},
        ],
    },
    {
        "policy_key": "medical-mutual-spravato",
        "name": "Spravato (esketamine)",
        "payer_label": "Medical Mutual",
        "payers": ["Medical Mutual"],
        "treatments": ["esketamine"],
        "indications": ["trd"],
        "source_url": "https://coverage.pharmacistwrite.com",
        "source_refs": "R9",
        "criteria": [
            MDD,
            {"kind": "failed_trials", "params": failed(2, 6, 2, adherence=True,
             max_improvement_percent=25), "wording": "At least two antidepressants from "
             "different classes for at least 6 weeks with adequate adherence; failure is "
             "≤25% reduction on a validated scale"},
            {"kind": "baseline_score", "params": {"scales": {"madrs": None, "hamd17": None,
             "phq9": None, "bdi2": None, "qids_sr16": None}}, "wording": "A baseline score on "
             "a validated scale (MADRS, HAM-D, PHQ-9, BDI, QIDS)"},
            {"kind": "psychotherapy", "params": {"if_available": True}, "wording":
             "Psychotherapy tried, if available"},
            {"kind": "exclusion", "params": {"question": "No concurrent ECT, TMS, VNS or "
             "DBS?"}, "wording": "No concurrent ECT, TMS, VNS or DBS"},
            {"kind": "exclusion", "params": {"question": "No aneurysmal vascular disease, "
             "arteriovenous malformation or intracerebral hemorrhage?"}, "wording": "No "
             "aneurysmal vascular disease, AVM or intracerebral hemorrhage"},
            {"kind": "renewal", "params": {"evidence": "the criteria still met and no "
             "unacceptable toxicity"}, "wording": "Continued criteria, no unacceptable "
             "toxicity"},
        ],
    },
    {
        "policy_key": "qualchoice-spravato",
        "name": "Spravato (esketamine)",
        "policy_number": "BI734:00",
        "payer_label": "QualChoice (Arkansas)",
        "payers": [],
        "treatments": ["esketamine"],
        "indications": ["trd"],
        "source_url": "https://documents.qualchoice.com/area/shared/medicalpolicies.aspx"
        "?alpha=S&sop=BI734:00",
        "source_refs": "R11",
        "criteria": [
            {"kind": "min_age", "params": {"years": 18, "max_years": 64},
             "wording": "Age 18 to 64"},
            MDD,
            {"kind": "failed_trials", "comparison": "gt", "params": failed(2, 4, 2),
             "wording": "Two antidepressants from two classes, each for more than 4 weeks"},
            {"kind": "augmentation", "comparison": "gt", "params": {"count": 2,
             "min_weeks": 4}, "wording": "Two augmentation trials, each for more than 4 weeks"},
            {"kind": "baseline_score", "comparison": "gt", "params": {"scales": {"phq9": 15},
             "within_days": 28}, "wording": "PHQ-9 above 15 within the last 4 weeks"},
            {"kind": "oral_antidepressant", "params": {"min_weeks": 2}, "wording": "Stable "
             "on an oral antidepressant for at least 2 weeks"},
            {"kind": "approval_duration", "params": {"months": 3, "note": "up to 23 devices; "
             "at most 168 mg a week in induction"}, "wording": "3 months, ≤23 devices"},
            {"kind": "renewal", "comparison": "gt", "params": {"scale": "phq9",
             "min_drop_percent": 50}, "wording": "Re-treatment needs an earlier PHQ-9 drop "
             "of more than 50%"},
        ],
    },
    {
        "policy_key": "rx501-105-spravato",
        "name": "Spravato (esketamine) — a Blue plan (name not shown)",
        "policy_number": "RX501.105",
        "payer_label": "A Blue Cross Blue Shield plan",
        "payers": [],
        "treatments": ["esketamine"],
        "indications": ["trd"],
        "source_url": "https://verity.backworkai.com/policy/RX501.105",
        "source_refs": "R10",
        "criteria": [
            MDD,
            {"kind": "failed_trials", "params": failed(1, 6), "wording": "At least one "
             "adequate antidepressant trial (6 weeks or more)"},
            {"kind": "baseline_score", "params": {"scales": {"madrs": 28, "hamd17": 17,
             "phq9": 15, "qids_sr16": 16}}, "wording": "MADRS ≥28, HAM-D ≥17, PHQ-9 ≥15 or "
             "QIDS ≥16"},
            {"kind": "substance_use", "params": {}, "wording": "No active substance use "
             "disorder"},
            {"kind": "approval_duration", "params": {"months": 3, "note": "about"},
             "wording": "About 3 months initially"},
            {"kind": "renewal", "params": {"evidence": "documented improvement (renewals up "
             "to 6 months)"}, "wording": "Reauthorization up to 6 months with documented "
             "improvement"},
        ],
    },
    {
        "policy_key": "bcbsma-087",
        "name": "Ketamine and esketamine for treatment-resistant depression",
        "policy_number": "087",
        "payer_label": "Blue Cross Blue Shield of Massachusetts",
        "payers": [],
        "treatments": ["esketamine", "iv_ketamine"],
        "indications": ["trd"],
        "source_url": "https://docslib.org/doc/2139394",
        "source_refs": "R12, R13, R71",
        "notes": "Covers IV ketamine for TRD under the same criteria as Spravato (DOMAIN.md "
        "§1.3). 6 weeks per trial: DOMAIN.md §3 [R71].",
        "criteria": [
            MDD,
            {"kind": "failed_trials", "params": failed(4, 6, 2), "wording": "Four "
             "antidepressants from at least two classes"},
            {"kind": "augmentation", "params": {"count": 1}, "wording": "At least one "
             "augmentation trial"},
            {"kind": "clinic_confirms", "params": {"question": "Is the major depressive "
             "episode confirmed by a structured clinical interview (SCID)?"},
             "wording": "SCID-confirmed major depressive episode"},
            {"kind": "baseline_score", "params": {"scales": {"madrs": 28, "hamd17": 17}},
             "wording": "MADRS ≥28 or HAM-D ≥17"},
            ORAL_AD,
            {"kind": "approval_duration", "params": {"days": 28}, "wording": "Initial "
             "approval up to 28 days"},
        ],
    },
    {
        "policy_key": "tricare-west-spravato",
        "name": "Spravato billing and prior authorization",
        "payer_label": "TRICARE West",
        "payers": ["TRICARE"],
        "treatments": ["esketamine"],
        "indications": ["trd"],
        "source_url": "",
        "source_refs": "R24",
        "notes": "Prior authorization is always required; a Letter of Attestation is "
        "encouraged; billed with G2082/G2083 only.",
        "criteria": [ADULT, MDD],
    },
    {
        "policy_key": "medicare-a59250-spravato",
        "name": "Billing and coding: esketamine (First Coast)",
        "policy_number": "A59250",
        "payer_label": "Medicare (First Coast billing article)",
        "payers": ["Medicare (Original Medicare)"],
        "plan_types": ["medicare"],
        "treatments": ["esketamine"],
        "indications": ["trd"],
        "source_url": "https://verity.backworkai.com/policy/A59250",
        "source_refs": "R25, R30",
        "notes": "Supports esketamine only for the FDA-labeled TRD indication at REMS-enrolled "
        "sites; Part B, G2082/G2083. A First Coast article: other contractors may differ.",
        "criteria": [MDD, REMS],
    },
    # --- IV ketamine: experimental / investigational (DOMAIN.md §1.3) ---------------------------
    {
        "policy_key": "aetna-cpb-0938",
        "name": "Ketamine — Clinical Policy Bulletin",
        "policy_number": "CPB 0938",
        "payer_label": "Aetna",
        "payers": ["Aetna"],
        "treatments": ["iv_ketamine", "other"],
        "indications": ALL_CONDITIONS,
        "coverage": "experimental",
        "source_url": "https://es.aetna.com/cpb/medical/data/900_999/0938.html",
        "source_refs": "R14",
        "notes": "Ketamine (IM, IN, IV, oral, SC) is experimental/investigational for "
        "depression, suicidal ideation, anxiety, PTSD, substance use disorders and acute, "
        "chronic, neuropathic and central pain. Esketamine is a separate policy, not retrieved.",
        "criteria": [],
    },
    {
        "policy_key": "bcbsa-5-01-16",
        "name": "Intravenous anesthetics (ketamine, lidocaine)",
        "policy_number": "BCBSA 5.01.16 (e.g. AL/FL MP-446)",
        "payer_label": "Blue Cross Blue Shield plans on BCBSA policy 5.01.16",
        "payers": [],
        "treatments": ["iv_ketamine"],
        "indications": ["trd", "depression", "ocd", "ptsd", "chronic_pain"],
        "coverage": "experimental",
        "source_url": "",
        "source_refs": "R15",
        "notes": "Investigational for chronic pain (neuropathic pain, fibromyalgia, chronic "
        "daily headache; CRPS discussed) and psychiatric disorders (TRD, OCD, PTSD).",
        "criteria": [],
    },
    {
        "policy_key": "highmark-i-32-001",
        "name": "Ketamine infusion for chronic neuropathic pain",
        "policy_number": "I-32-001",
        "payer_label": "Highmark",
        "payers": [],
        "treatments": ["iv_ketamine"],
        "indications": ["chronic_pain", "crps"],
        "coverage": "experimental",
        "source_url": "https://highmarkbcbswv.com/medpolicy/printerfriendly/I-32-001.html",
        "source_refs": "R16",
        "criteria": [],
    },
    {
        "policy_key": "medica-injectable-ketamine",
        "name": "Injectable ketamine for mental health conditions",
        "payer_label": "Medica",
        "payers": [],
        "treatments": ["iv_ketamine"],
        "indications": ["trd", "mdd_si", "depression", "bipolar_depression", "ptsd",
                        "anxiety", "ocd"],
        "coverage": "experimental",
        "source_url": "",
        "source_refs": "R17",
        "criteria": [],
    },
    {
        "policy_key": "uhc-iv-ketamine",
        "name": "IV/IM ketamine for mood disorders (reported)",
        "payer_label": "UnitedHealthcare",
        "payers": ["UnitedHealthcare"],
        "treatments": ["iv_ketamine"],
        "indications": MOOD,
        "coverage": "not_covered",
        "verified": False,
        "source_url": "",
        "source_refs": "R19",
        "notes": "Reported by clinic pages, not a policy text [U]. UHC's medical-benefit policy "
        "is titled 'Ketalar (Ketamine) and Spravato (Esketamine)' [R19]; its ketamine criteria "
        "were not retrieved.",
        "criteria": [],
    },
    {
        "policy_key": "cigna-iv-ketamine",
        "name": "IV/IM ketamine for mood disorders (reported)",
        "payer_label": "Cigna",
        "payers": ["Cigna Healthcare"],
        "treatments": ["iv_ketamine"],
        "indications": MOOD,
        "coverage": "not_covered",
        "verified": False,
        "source_url": "https://lumin.health/cigna-and-ketamine",
        "source_refs": "",
        "notes": "Reported by a clinic page, not a policy text [U].",
        "criteria": [],
    },
]


def seed(apps, schema_editor):
    CriteriaSet = apps.get_model("claims", "CriteriaSet")
    Criterion = apps.get_model("claims", "Criterion")
    Payer = apps.get_model("patients", "Payer")
    for data in SETS:
        data = dict(data)
        criteria = data.pop("criteria")
        payers = data.pop("payers")
        data.setdefault("effective_from", None)
        criteria_set = CriteriaSet.objects.create(**data)
        criteria_set.payers.set(Payer.objects.filter(name__in=payers))
        Criterion.objects.bulk_create(
            Criterion(
                criteria_set=criteria_set,
                order=order,
                kind=c["kind"],
                params=c.get("params", {}),
                comparison=c.get("comparison", "gte"),
                group=c.get("group", ""),
                indication=c.get("indication", ""),
                wording=c.get("wording", ""),
            )
            for order, c in enumerate(criteria, start=1)
        )


def unseed(apps, schema_editor):
    keys = {data["policy_key"] for data in SETS}
    apps.get_model("claims", "CriteriaSet").objects.filter(policy_key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0010_criteria_sets"),
        ("patients", "0002_seed_payers"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
