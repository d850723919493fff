import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKUP_CODES = 10


class Command(BaseCommand):
    help = (
        "For local use only (DEBUG on): create an admin account and its second factors if "
        "there is none, and print the password, backup codes and authenticator link once."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no local admin account is created.")
            return
        users = get_user_model()
        admin = users.objects.filter(is_superuser=True).order_by("pk").first()
        lines = []
        if admin is None:
            password = secrets.token_urlsafe(12)
            admin = users.objects.create_superuser("admin", email="", password=password)
            lines += [f"  username: {admin.get_username()}", f"  password: {password}"]
        if TOTPDevice.objects.filter(user=admin).exists() or StaticDevice.objects.filter(
                user=admin).exists():
            return
        # The admin asks for a second factor at every sign-in: an authenticator app (TOTP),
        # or one of the single-use backup codes.
        totp = TOTPDevice.objects.create(user=admin, name="Authenticator (local)")
        backup = StaticDevice.objects.create(user=admin, name="Backup codes (local)")
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=backup, token=c) for c in codes)
        if not lines:
            lines.append(f"  username: {admin.get_username()} (password unchanged)")
        self.stdout.write(self.style.WARNING("\n".join([
            "Created a local admin sign-in for http://127.0.0.1:8000/admin/",
            *lines,
            "  second factor: add this link to an authenticator app (or paste it into one):",
            f"    {totp.config_url}",
            "  or use one of these single-use backup codes as the OTP token:",
            f"    {' '.join(codes)}",
            "This is shown once. Reset the password with '.venv/bin/python manage.py "
            "changepassword admin'; add backup codes with 'manage.py addstatictoken admin'.",
        ])))
