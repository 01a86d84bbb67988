from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "claims"
    verbose_name = _("Coverage cases")

    def ready(self) -> None:
        post_migrate.connect(_ensure_roles, sender=self)


def _ensure_roles(sender: AppConfig, **kwargs: Any) -> None:
    """After migrations (when permissions exist), keep the reviewer group's permissions current."""
    # Imported here, not at the top: apps.py is loaded before the models exist, and services
    # import models (Django's app registry, not style, decides this one).
    from .services import reviewer_group_ensure

    reviewer_group_ensure()
