"""manage.py qbo_rotate_token_keys: re-encrypt every QuickBooks token with the first key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.services.token_keys import tokens_reencrypt


class Command(BaseCommand):
    help = ("Re-encrypt every QuickBooks connection's tokens with the first key of FIELD_ENCRYPTION_KEYS. "
            "Put the new key first, keep the old ones after it, run this, then drop the old keys.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = tokens_reencrypt()
        self.stdout.write(f"Re-encrypted the tokens of {len(result.rotated)} connection(s) with the first key.")
        if result.unreadable:
            ids = ", ".join(str(pk) for pk in result.unreadable)
            raise CommandError(f"No configured key decrypts the tokens of connection(s) {ids}; they were left "
                               "unchanged. Add the key they were written with to FIELD_ENCRYPTION_KEYS and run again.")
