"""A Fernet-encrypted text field that also stays encrypted in serialized dumps, and stores "" as "".

django-fernet-encrypted-fields encrypts the column, but Django's serializers (`manage.py dumpdata`,
fixtures, `serializers.serialize`) read `value_from_object()`, which returns the decrypted Python value:
a plain dump would print every QuickBooks token in clear text. Here a dump gets a fresh ciphertext
instead. `loaddata` still round-trips, because deserializing calls `to_python()`, which decrypts.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from encrypted_fields.fields import EncryptedTextField


class SealedTextField(EncryptedTextField):
    def get_prep_value(self, value: Any) -> Any:
        # The library turns "" into NULL, but the column is NOT NULL (blank=True, default=""): a new
        # connection or a disconnect (tokens wiped to "") would fail with an IntegrityError.
        prepared = super().get_prep_value(value)
        return "" if prepared is None and value == "" else prepared

    def value_from_object(self, obj: models.Model) -> Any:
        # Serializers and model_to_dict read through here; never hand them the plaintext.
        return self.get_prep_value(getattr(obj, self.attname))

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        # The column, its type and its encryption are the library's; only dumps differ. Keeping the
        # library's path means the migration state is unchanged and no migration is needed.
        name, _path, args, kwargs = super().deconstruct()
        return name, "encrypted_fields.fields.EncryptedTextField", args, kwargs
