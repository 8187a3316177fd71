from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, DEMO_USERS, demo_seed


class Command(BaseCommand):
    help = "Create the demo organization (Pro plan) with people in every role and sample data. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        org, created = demo_seed()
        verb = "Created" if created else "Kept existing"
        self.stdout.write(self.style.SUCCESS(f"{verb} demo organization {org.name!r} ({org.get_plan_display()})."))
        for username, role in DEMO_USERS:
            self.stdout.write(f"  {role.label:<11} {username} / {DEMO_PASSWORD}")
