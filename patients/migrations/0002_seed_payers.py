"""Seed the list of payers a patient picks from (DEVELOPERS.md / issue 3; names only).

Insurers, the benefit managers that review mental-health and specialty-drug requests for them
(Evicore, Carelon, Optum Behavioral Health, Magellan: DOMAIN.md §1.2 names Evicore's policy), and
the pharmacy benefit managers that handle pharmacy-benefit requests (CVS Caremark, DOMAIN.md §1.2).
Anything else is typed in as "other" on the policy.
"""

from django.db import migrations

PAYERS = [
    ("Aetna", "insurer"),
    ("Ambetter (Centene)", "insurer"),
    ("Anthem / Elevance Health", "insurer"),
    ("Blue Cross Blue Shield (your state's plan)", "insurer"),
    ("Cigna Healthcare", "insurer"),
    ("Humana", "insurer"),
    ("Kaiser Permanente", "insurer"),
    ("Medical Mutual", "insurer"),
    ("Molina Healthcare", "insurer"),
    ("Oscar Health", "insurer"),
    ("UnitedHealthcare", "insurer"),
    ("Medicare (Original Medicare)", "government"),
    ("Medicaid (state program)", "government"),
    ("TRICARE", "government"),
    ("Carelon Behavioral Health", "benefit_manager"),
    ("Evicore", "benefit_manager"),
    ("Magellan Healthcare", "benefit_manager"),
    ("Optum Behavioral Health", "benefit_manager"),
    ("CVS Caremark", "pbm"),
    ("Express Scripts", "pbm"),
    ("Optum Rx", "pbm"),
]


def seed(apps, schema_editor):
    Payer = apps.get_model("patients", "Payer")
    for name, kind in PAYERS:
        Payer.objects.update_or_create(name=name, defaults={"kind": kind})


def unseed(apps, schema_editor):
    apps.get_model("patients", "Payer").objects.filter(name__in=[n for n, _ in PAYERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
