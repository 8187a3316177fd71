"""A Fernet-encrypted text field that also stays encrypted in serialized dumps, stores "" as "", and
fails loudly when no configured key decrypts a stored value.

django-fernet-encrypted-fields encrypts the column, but Django's serializers (`manage.py dumpdata`,
fixtures, `serializers.serialize`) read `value_from_object()`, which returns the decrypted Python value:
a plain dump would print every QuickBooks token in clear text. Here a dump gets a fresh ciphertext
instead. `loaddata` still round-trips, because deserializing calls `to_python()`, which decrypts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.expressions import Combinable
from django.db.models.query_utils import DeferredAttribute

if TYPE_CHECKING:
    class EncryptedTextField(models.TextField[str | Combinable, str]):
        """What django-fernet-encrypted-fields declares: a TextField encrypting with `f` (built from `keys`). The library is
        annotated but ships no py.typed, so mypy would otherwise see Any and the model attributes it
        backs would not be `str`."""

        keys: list[bytes]
        f: Fernet | MultiFernet

        def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any: ...
else:
    from encrypted_fields.fields import EncryptedTextField


class SecretUndecryptable(ImproperlyConfigured):
    """A stored secret that no key derived from DJANGO_SECRET_KEY(+_FALLBACKS) × FIELD_ENCRYPTION_KEYS
    decrypts: the keys changed without a rotation. The value is never handed on."""


class Unreadable:
    """What a row loaded from the database holds for a value no key decrypts: the ciphertext, kept
    apart from the str it would otherwise pass for. Reading the attribute raises (see _SealedAttribute),
    so a page that never touches the tokens still renders, and nothing can send it anywhere."""

    __slots__ = ("ciphertext",)

    def __init__(self, ciphertext: str) -> None:
        self.ciphertext = ciphertext

    def __repr__(self) -> str:
        return "<undecryptable secret>"


def _undecryptable(field: models.Field[Any, Any]) -> SecretUndecryptable:
    return SecretUndecryptable(
        f"{field.model.__name__}.{field.name} could not be decrypted with the configured keys. "
        "DJANGO_SECRET_KEY or FIELD_ENCRYPTION_KEYS changed without a rotation: put the key it was written "
        "with back (in FIELD_ENCRYPTION_KEYS after the new one, or in DJANGO_SECRET_KEY_FALLBACKS) and run "
        "`manage.py qbo_rotate_token_keys`, or reconnect QuickBooks."
    )


class _SealedAttribute(DeferredAttribute):
    # A data descriptor (it has __set__), so reads come here even when the value is in the instance's
    # __dict__; Django's plain DeferredAttribute is only asked for fields not loaded yet.
    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        value = super().__get__(instance, cls)
        if isinstance(value, Unreadable):
            raise _undecryptable(self.field)
        return value


class SealedTextField(EncryptedTextField):
    descriptor_class = _SealedAttribute

    def get_prep_value(self, value: Any) -> Any:
        # The library turns "" into NULL, but the column is NOT NULL (blank=True, default=""): a new
        # connection or a disconnect (tokens wiped to "") would fail with an IntegrityError.
        prepared = super().get_prep_value(value)
        return "" if prepared is None and value == "" else prepared

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # The library's to_python() catches InvalidToken and returns the ciphertext as if it were the
        # secret: it was then sent to QuickBooks as a bearer token, then as a refresh token, and the
        # connection ended up "authorization expired". A value from the column is always ciphertext (or
        # ""), so here a failure is a wrong key. (to_python() itself must stay lenient: TextField's
        # get_prep_value() runs it on the plaintext being saved.)
        if not value or not isinstance(value, str):
            return super().from_db_value(value, expression, connection)
        try:
            return self.f.decrypt(value.encode("utf-8")).decode("utf-8")
        except InvalidToken:
            return Unreadable(value)

    def value_from_object(self, obj: models.Model) -> Any:
        # Serializers and model_to_dict read through here; never hand them the plaintext. A value no key
        # reads is dumped as the ciphertext it already is.
        raw = obj.__dict__.get(self.attname)
        if isinstance(raw, Unreadable):
            return raw.ciphertext
        return self.get_prep_value(getattr(obj, self.attname))

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        # The column, its type and its encryption are the library's; only dumps differ. Keeping the
        # library's path means the migration state is unchanged and no migration is needed.
        name, _path, args, kwargs = super().deconstruct()
        return name, "encrypted_fields.fields.EncryptedTextField", args, kwargs
