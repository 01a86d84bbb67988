"""The PHQ-9 and GAD-7, filled in item by item from step 2, and the result page after saving:
the total, its band, and, for PHQ-9 item 9 above zero, the crisis resources (issue 13; DOMAIN.md
§5). Nothing here logs or sends the answers anywhere."""

from django.shortcuts import redirect, render

from patients.decorators import patient_required
from patients.scales import (
    ANSWERS,
    COPYRIGHT,
    QUESTIONNAIRES,
    SCALES,
    SELF_HARM_ITEM,
    severity,
)
from patients.selectors import shares_with_a_clinic

from .. import services
from ..forms import QuestionnaireForm
from .base import case_for, item_or_404, posted, save_once


@patient_required
def questionnaire(request, coveragecase_id, instrument: str):
    case = case_for(request, coveragecase_id)
    form = QuestionnaireForm(posted(request), questionnaire=QUESTIONNAIRES[instrument])
    if request.method == "POST" and form.is_valid():
        score = save_once(
            request,
            form,
            lambda: services.questionnaire_record(
                patient=case.patient, instrument=instrument, answers=form.answers()
            ),
        )
        if score is None:  # already saved
            return redirect("claims:step_history", coveragecase_id=case.public_id)
        return redirect(
            "claims:score_result", coveragecase_id=case.public_id, symptomscore_id=score.public_id
        )
    return render(
        request,
        "claims/questionnaire.html",
        {
            "case": case,
            "form": form,
            "questionnaire": form.questionnaire,
            "show_crisis": form.self_harm_answered(),
            # The item whose answer above zero shows the crisis resources (PHQ-9 only).
            "self_harm_item": SELF_HARM_ITEM if instrument == "phq9" else None,
            "copyright": COPYRIGHT,
            "shared": shares_with_a_clinic(case.patient),
        },
    )


@patient_required
def score_result(request, coveragecase_id, symptomscore_id):
    case = case_for(request, coveragecase_id)
    score = item_or_404(case.patient.symptom_scores.all(), symptomscore_id)
    questionnaire = QUESTIONNAIRES.get(score.instrument)
    answers = score.item_answers or []
    items = questionnaire.items if questionnaire else ()
    labels = dict(ANSWERS)
    return render(
        request,
        "claims/score_result.html",
        {
            "case": case,
            "score": score,
            "scale": SCALES.get(score.instrument),
            "band": severity(score.instrument, score.total),
            "questionnaire": questionnaire,
            "answered": [
                (item, labels.get(answer, "")) for item, answer in zip(items, answers, strict=False)
            ],
            "shared": shares_with_a_clinic(case.patient),
            "copyright": COPYRIGHT,
        },
    )
