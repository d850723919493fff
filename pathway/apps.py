from django.apps import AppConfig


class PathwayConfig(AppConfig):
    name = "pathway"
    verbose_name = "Pathway content"

    def ready(self) -> None:
        from pathway import signals  # noqa: F401 - connects the receivers
