from django.apps import AppConfig


class PathwayConfig(AppConfig):
    name = "pathway"
    verbose_name = "Pathway content"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from pathway import signals

        post_migrate.connect(signals.lock_content, sender=self)
