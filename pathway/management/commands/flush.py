"""Django's `flush`, which first lifts the content lock on purpose.

Flushing empties every table, published pathway versions included; the database triggers
(migration 0010) refuse that while the lock row is there. Removing it is the deliberate
maintenance step; the post-migrate signal that `flush` sends puts it back.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections


class Command(FlushCommand):
    def handle(self, **options):
        if options["interactive"]:
            answer = input(
                "This deletes every row, published pathway versions included. "
                "Type 'yes' to continue, or 'no' to cancel: "
            )
            if answer != "yes":
                self.stdout.write("Flush cancelled.")
                return
        with connections[options["database"]].cursor() as cursor:
            cursor.execute("DELETE FROM pathway_contentlock")
        super().handle(**{**options, "interactive": False})
