from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "patients"
    verbose_name = _("Patients and accounts")

    def ready(self) -> None:
        # Registers the failed-login counter and the session's renewal at login (receivers).
        from . import sessions, throttle  # noqa: F401
