"""Django's `migrate`, which also creates a missing SQLite database file and the cache tables.

The app opens SQLite read-write only (`mode=rw`, see settings), so a server pointed at a
missing file fails instead of serving from a new empty database; creating the file is the
deliberate step of setting up, which is this command.
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.management import call_command
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections


def sqlite_file(name: str) -> Path | None:
    """The path of a `file:...?mode=rw` database name, or None for any other name."""
    if not str(name).startswith("file:"):
        return None
    return Path(unquote(urlsplit(str(name)).path))


class Command(MigrateCommand):
    def execute(self, *args, **options):
        # Before the system checks, which already open the database.
        connection = connections[options.get("database") or "default"]
        path = (
            sqlite_file(connection.settings_dict["NAME"]) if connection.vendor == "sqlite" else None
        )
        if path is not None and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            if options.get("verbosity", 1):
                self.stdout.write(f"Created the SQLite database file {path}")
        result = super().execute(*args, **options)
        # The rate-limit counters' table (pathway.ratelimits); Django makes cache tables apart
        # from migrations, and a deployment should need one command, not two.
        call_command("createcachetable", database=options.get("database") or "default", verbosity=0)
        return result
