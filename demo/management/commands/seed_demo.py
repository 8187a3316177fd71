from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from demo.seed import DEMO_PASSWORD, demo_logins, demo_seed


class Command(BaseCommand):
    help = ("Create the demo organizations (Pro with people in every role and sample data, Starter with an owner) "
            "and an admin superuser. Idempotent.")

    def handle(self, *args: Any, **options: Any) -> None:
        org, created = demo_seed()
        verb = "Created" if created else "Kept existing"
        self.stdout.write(self.style.SUCCESS(f"{verb} demo organization {org.name!r} ({org.get_plan_display()})."))
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for username, what in demo_logins():
            self.stdout.write(f"  {username:<14} {what}")
