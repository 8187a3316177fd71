"""Key rotation for the encrypted token columns.

FIELD_ENCRYPTION_KEYS lists keys newest first: the first encrypts, all of them decrypt. After putting a
new key first, re-encrypting every row with it lets the old key be dropped later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.db import connection, transaction

from integrations.fields import SealedTextField
from integrations.models import QuickBooksConnection

TOKEN_COLUMNS = ("access_token", "refresh_token")


@dataclass
class KeyRotation:
    rotated: list[int] = field(default_factory=list)
    unreadable: list[int] = field(default_factory=list)  # no configured key decrypts them; left untouched


def _fernet() -> MultiFernet:
    # The field's own derived keys (SECRET_KEY × FIELD_ENCRYPTION_KEYS, first one encrypts). Built as a
    # MultiFernet even for one key, because only MultiFernet can rotate.
    return MultiFernet([Fernet(k) for k in _token_field("access_token").keys])


def _token_field(name: str) -> SealedTextField:
    sealed = QuickBooksConnection._meta.get_field(name)
    assert isinstance(sealed, SealedTextField), f"{name} is not a sealed token column"
    return sealed


def _token_column(name: str) -> str:
    column = _token_field(name).column
    assert column is not None, "a field has its column once it belongs to a model"
    return column


def _rotate_row(pk: int, fernet: MultiFernet) -> bool:
    table = connection.ops.quote_name(QuickBooksConnection._meta.db_table)
    cols = [connection.ops.quote_name(_token_column(n)) for n in TOKEN_COLUMNS]
    with transaction.atomic():
        # Lock the row: a token refresh writing it meanwhile would be overwritten with older tokens.
        list(QuickBooksConnection.objects.select_for_update().filter(pk=pk).values_list("pk"))
        with connection.cursor() as cursor:
            # Raw columns: the field silently hands back ciphertext it cannot decrypt, so read the
            # ciphertext itself and let rotate() fail loudly instead.
            cursor.execute(f"SELECT {', '.join(cols)} FROM {table} WHERE id = %s", [pk])
            raw = cursor.fetchone()
            try:
                rotated = [fernet.rotate(value.encode()).decode() if value else value for value in raw]
            except InvalidToken:
                return False
            assignments = ", ".join(f"{col} = %s" for col in cols)
            cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*rotated, pk])
    return True


def tokens_reencrypt() -> KeyRotation:
    """Re-encrypt every connection's tokens with the first key. A row no key can read is reported and
    left exactly as it was, so a mistyped key list loses nothing."""
    fernet = _fernet()
    result = KeyRotation()
    for pk in QuickBooksConnection.objects.order_by("pk").values_list("pk", flat=True):
        (result.rotated if _rotate_row(pk, fernet) else result.unreadable).append(pk)
    return result
