"""`manage.py qbo_import <org-slug>`: the initial sync in the foreground, with a text progress bar.

The same job the "Run initial sync" button queues; safe to run again at any time (it links what is
already there and creates only what is missing), including after this command was killed."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization
from integrations.importer.progress import DATA_TYPE_LABELS, DATA_TYPES, Reporter
from integrations.importer.run import import_execute
from integrations.importer.selectors import SUMMARY_LABELS
from integrations.importer.services import import_request
from integrations.selectors import connection_active

WIDTH = 30


def render_bar(label: str, done: int, total: int) -> str:
    share = 1.0 if total == 0 else min(done / total, 1.0)
    filled = round(share * WIDTH)
    return f"{label:<28} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} {int(share * 100):3d}%"


class Command(BaseCommand):
    help = "Run the QuickBooks initial sync (import and match) for one organization, in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org_slug", help="the organization's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["org_slug"]).first()
        if org is None:
            raise CommandError(f"No organization with slug {options['org_slug']!r}.")
        connection = connection_active(organization=org)
        if connection is None:
            raise CommandError(f"{org.name} has no connected QuickBooks company (or is not on a paid plan).")
        run = import_request(connection=connection, enqueue=False)
        self._tty = sys.stdout.isatty()
        self._last: dict[str, tuple[int, int]] = {}
        finished = import_execute(run.pk, on_change=self._show)
        if finished is None:
            raise CommandError(f"Run {run.pk} is already being run by another live process ({run.owner}).")
        self._end_line()
        for key, label in SUMMARY_LABELS:
            self.stdout.write(f"  {label:<24} {finished.summary.get(key, 0)}")
        for note in finished.notes:
            self.stdout.write(f"  {note['kind']:<8} {note['type']:<9} {note['name']}: {note['reason']}")
        if finished.state != "done":
            raise CommandError(f"Run {finished.pk} ended {finished.state}: {finished.status_reason}")
        self.stdout.write(self.style.SUCCESS(f"Initial sync run {finished.pk} finished."))

    def _show(self, reporter: Reporter) -> None:
        for key in DATA_TYPES:
            bar = reporter.progress.get(key)
            if bar is None or self._last.get(key) == (bar["done"], bar["total"]):
                continue
            if self._last and key not in self._last:
                self._end_line()
            self._last[key] = (bar["done"], bar["total"])
            line = render_bar(DATA_TYPE_LABELS[key], bar["done"], bar["total"])
            # On a terminal the bar redraws in place; in a log each step is its own line.
            self.stdout.write(("\r" + line) if self._tty else line, ending="" if self._tty else "\n")
            self.stdout.flush()

    def _end_line(self) -> None:
        if self._tty and self._last:
            self.stdout.write("")
