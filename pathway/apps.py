from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PathwayConfig(AppConfig):
    default = True  # the module holds the admin's config too
    name = "pathway"
    verbose_name = "Pathway content"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from pathway import signals

        post_migrate.connect(signals.lock_content, sender=self)


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the site with two-factor sign-in (pathway.admin_site)."""

    default = False
    default_site = "pathway.admin_site.AdminSite"
