"""Print the current 6-digit admin sign-in code of the demo staff reviewer. Development only."""

import time
from base64 import b32decode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

# The demo staff reviewer's authenticator key, published on purpose (README, seed_demo's output)
# so anyone running the demo can sign in to admin. It must never protect a real account: seed_demo
# and this command refuse to run with DEBUG off. Base32, as authenticator apps take it typed in.
DEMO_TOTP_SECRET = "COVERAGEGUIDEDEMOSTAFFREVIEWER23"  # noqa: S105 - published demo key
DEMO_TOTP_KEY = b32decode(DEMO_TOTP_SECRET).hex()  # TOTPDevice.key is hex


def current_code(device: TOTPDevice) -> tuple[str, int]:
    """The code the device accepts now, and how many seconds it stays current."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = time.time()
    totp.time = now
    seconds_left = device.step - int(now - device.t0) % device.step
    return f"{totp.token():0{device.digits}d}", seconds_left


class Command(BaseCommand):
    help = "Print the demo staff reviewer's current admin sign-in code (make staff-code)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp_code prints sign-in codes: DEBUG only.")
        devices = TOTPDevice.objects.filter(key=DEMO_TOTP_KEY, confirmed=True).select_related(
            "user"
        )
        if not devices:
            raise CommandError("No demo staff account yet: run `make run` (or seed_demo).")
        for device in devices:
            code, seconds_left = current_code(device)
            self.stdout.write(
                f"{code}   code for {device.user.email}, current for {seconds_left} more seconds\n"
                "      (each code signs in once; if it is refused, wait for the next one)"
            )
