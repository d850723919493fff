"""`make run`'s local admin account, printed where the developer sees it: last before serving.

The account is made once, with its second factors. Its password is kept, for this machine only,
in `LOCAL_ADMIN_FILE` (git-ignored, readable by its owner alone), so every `make run` can print
the sign-in again; the backup codes printed are those not yet used. Nothing is made or printed
with DEBUG off.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKUP_CODES = 10


class Command(BaseCommand):
    help = (
        "For local use only (DEBUG on): create an admin account and its second factors if "
        "there is none, and print how to sign in with it."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no local admin account is created.")
            return
        users = get_user_model()
        kept = Path(settings.LOCAL_ADMIN_FILE)
        admin = users.objects.filter(is_superuser=True).order_by("pk").first()
        if admin is None:
            password = secrets.token_urlsafe(12)
            admin = users.objects.create_superuser("admin", email="", password=password)
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.touch(mode=0o600)
            kept.write_text(password + "\n", encoding="utf-8")
        if not StaticDevice.objects.filter(user=admin).exists():
            # The admin asks for a second factor at every sign-in: an authenticator app
            # (TOTP), or one of the single-use backup codes.
            TOTPDevice.objects.create(user=admin, name="Authenticator (local)")
            backup = StaticDevice.objects.create(user=admin, name="Backup codes (local)")
            StaticToken.objects.bulk_create(
                StaticToken(device=backup, token=StaticToken.random_token())
                for _ in range(BACKUP_CODES)
            )
        self.stdout.write(self.style.WARNING("\n".join(self.sign_in(admin, kept))))

    def sign_in(self, admin, kept: Path) -> list[str]:
        password = kept.read_text(encoding="utf-8").strip() if kept.exists() else ""
        if password and admin.check_password(password):
            account = [f"  username: {admin.get_username()}", f"  password: {password}"]
        else:
            account = [
                f"  username: {admin.get_username()} (the password you set; reset it "
                "with 'DEBUG=1 .venv/bin/python manage.py changepassword "
                f"{admin.get_username()}')"
            ]
        codes = list(
            StaticToken.objects.filter(device__user=admin)
            .order_by("pk")
            .values_list("token", flat=True)
        )
        totp = TOTPDevice.objects.filter(user=admin).order_by("pk").first()
        lines = ["Local admin sign-in for http://127.0.0.1:8000/admin/", *account]
        if totp is not None:
            lines += [
                "  second factor: add this link to an authenticator app:",
                f"    {totp.config_url}",
            ]
        if codes:
            lines += [
                "  or use one of these single-use backup codes as the OTP token:",
                f"    {' '.join(codes)}",
            ]
        else:
            lines += [
                "  no backup codes left: add one with 'DEBUG=1 .venv/bin/python "
                f"manage.py addstatictoken {admin.get_username()}'"
            ]
        return lines
