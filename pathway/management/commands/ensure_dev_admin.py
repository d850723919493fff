import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "For local use only (DEBUG on): create an admin account if none exists and print its "
        "password once."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no local admin account is created.")
            return
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", email="", password=password)
        self.stdout.write(
            self.style.WARNING(
                "Created a local admin account for http://127.0.0.1:8000/admin/\n"
                f"  username: admin\n  password: {password}\n"
                "This is shown once; change it in the admin, or run "
                "'.venv/bin/python manage.py changepassword admin'."
            )
        )
