"""Issue 17: dates and money in Spanish as US Spanish writes them."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from patients.models import Patient


def _render(source: str, **context) -> str:
    return Template("{% load i18n %}" + source).render(Context(context))


def test_money_keeps_us_dollars_in_spanish():
    with translation.override("es"):
        assert _render('${{ x|floatformat:"2g" }}', x=Decimal("1234.56")) == "$1,234.56"


def test_named_month_dates_are_spanish_and_short_dates_stay_month_first():
    day = dt.date(2026, 12, 4)
    with translation.override("es"):
        assert _render('{{ d|date:"DATE_FORMAT" }}', d=day) == "4 de diciembre de 2026"
        assert _render('{{ d|date:"SHORT_DATE_FORMAT" }}', d=day) == "12/04/2026"


def test_a_date_field_keeps_its_value_on_a_spanish_page(owner_client, owner):
    Patient.objects.filter(user=owner).update(date_of_birth=dt.date(1985, 4, 5))
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = owner_client.get(reverse("patients:profile")).content.decode()
    assert 'value="1985-04-05"' in page  # <input type="date"> shows nothing for 05/04/1985
