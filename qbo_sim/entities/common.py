"""Shared write rules: junk stripping, references, names, lengths, and the EntityType base."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import errors
from ..store import Company, Record

SYSTEM_FIELDS = frozenset({"Id", "SyncToken", "domain", "sparse", "MetaData", "status"})
NAME_PART_FIELDS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
USD = {"value": "USD", "name": "United States Dollar"}


@dataclass
class WriteOpts:
    allow_dup_docnum: bool = False
    internal: bool = False   # seed/control writes: may set read-only fields like IsProject


class EntityType:
    """Base for every entity. Subclasses override ``prepare`` (validate + compute)."""

    name = ""
    name_list = False        # QBO: name lists have no delete and queries default to Active = true
    deletable = False
    voidable = False
    creatable = True
    updatable = True
    cdc = True
    readonly_fields: frozenset[str] = frozenset()
    internal_fields: frozenset[str] = frozenset()   # read-only via the API, settable by seed/control
    keep_empty_lists: frozenset[str] = frozenset()

    def clean(self, body: dict[str, Any], internal: bool = False) -> dict[str, Any]:
        """Drop python-quickbooks' default junk (§7.2) and read-only echoes: treat as "not set"."""
        out: dict[str, Any] = {k: body[k] for k in self.internal_fields if internal and k in body}
        for key, value in body.items():
            if key in SYSTEM_FIELDS or key in self.readonly_fields:
                continue  # (internal_fields were copied above for seed/control writes)
            value = strip_junk(value)
            if value is None or value == "" or value == {}:
                continue
            if value == [] and key not in self.keep_empty_lists:
                continue
            out[key] = value
        return out

    def writable(self, data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k not in SYSTEM_FIELDS and k not in self.readonly_fields}

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        return dict(body)

    def after_write(self, co: Company, old: dict[str, Any] | None, rec: Record, ts: float) -> None:
        """Side effects once stored: indexes, balances of linked records."""


def strip_junk(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = strip_junk(item)
            if item is None or item == "" or item == {}:
                continue
            out[key] = item
        if "value" in value and "value" not in out:
            return None  # python-quickbooks Ref() defaults: {"name":"","type":"","value":""}
        return out
    if isinstance(value, list):
        return [x for x in (strip_junk(v) for v in value) if x not in (None, "", {})]
    return value


def number(value: Any, field: str) -> float:
    try:
        return round(float(value), 2)
    except (TypeError, ValueError) as exc:
        raise errors.validation("2030", "Invalid Number", f"{field}: {value!r} is not a number",
                                field) from exc


def check_text(data: dict[str, Any], field: str, max_len: int, no_specials: bool = False) -> None:
    value = data.get(field)
    if value is None:
        return
    if not isinstance(value, str):
        value = data[field] = str(value)
    if no_specials and any(ch in value for ch in ":\t\n\r"):
        raise errors.bad_string(field)  # QBO: names cannot contain ':' (it is the job separator)
    if len(value) > max_len:
        raise errors.too_long(field, max_len, len(value))


def resolve_ref(co: Company, data: dict[str, Any], key: str, entity: str,
                required: bool = False) -> Record | None:
    """Check a ``{"value": id}`` reference; fill its ``name`` like QBO does in responses."""
    ref = data.get(key)
    if not ref:
        if required:
            raise errors.required(key)
        return None
    if not isinstance(ref, dict) or "value" not in ref:
        raise errors.validation("2010", "Request has invalid or unsupported property",
                                f"{key} must be an object with a value", key)
    rec = co.get(entity, str(ref["value"]))
    if rec is None or rec.deleted:
        raise errors.invalid_ref(entity, str(ref["value"]), key)
    if rec.data.get("Active") is False:
        raise errors.not_found(entity, rec.id)  # QBO: an inactive reference answers 610
    name = rec.data.get("FullyQualifiedName") or rec.data.get("DisplayName") or rec.data.get("Name")
    data[key] = {"value": rec.id, **({"name": name} if name else {})}
    return rec


def name_key(name: str) -> str:
    # QBO's uniqueness check ignores letter case; whitespace is significant (reference §5.1).
    return name.casefold()


def claim_name(co: Company, group: str, name: str, entity: str, ident: str | None, what: str) -> None:
    owner = co.names[group].get(name_key(name))
    if owner is not None and owner != (entity, ident):
        raise errors.duplicate_name(what)


def index_name(co: Company, group: str, old: str | None, new: str | None, entity: str, ident: str) -> None:
    index = co.names[group]
    if old and index.get(name_key(old)) == (entity, ident):
        del index[name_key(old)]
    if new:
        index[name_key(new)] = (entity, ident)


def assign_address_ids(co: Company, data: dict[str, Any], *keys: str) -> None:
    for key in keys:
        addr = data.get(key)
        if isinstance(addr, dict):
            addr.pop("Lat", None)  # QBO stopped returning Lat/Long in 2025 (reference §2.11)
            addr.pop("Long", None)
            if "Id" not in addr:
                addr["Id"] = co.next_id("PhysicalAddress")


def set_default(data: dict[str, Any], key: str, value: Any) -> None:
    if key not in data:
        data[key] = value
