"""The one way the app sends email.

Emails never carry health information: they say that something changed and ask the person to log
in. Each email is three templates: templates/emails/<name>_subject.txt, _body.txt, _body.html,
rendered in the recipient's language (most are sent by tasks, where no request says which).
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_email(*, to: str, template: str, context: dict[str, Any], language: str) -> None:
    context = {"site_name": settings.SITE_NAME, **context}
    with translation.override(language):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        text = render_to_string(f"emails/{template}_body.txt", context)
        html = render_to_string(f"emails/{template}_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()
