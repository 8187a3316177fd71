"""What each role may do. Pages, the API and admin all ask `can(role, capability)`."""

from __future__ import annotations

from accounts.models import Role

_ALL = frozenset(Role.values)
_MANAGERS = frozenset({Role.OWNER, Role.ADMIN})
_OFFICE = frozenset({Role.OWNER, Role.ADMIN, Role.DISPATCHER})

CAPABILITIES: dict[str, frozenset[str]] = {
    "customer.view": _ALL,
    "customer.edit": _OFFICE,
    "project.edit": _OFFICE,
    "product.view": _ALL,
    "product.edit": _MANAGERS,
    "invoice.view": _ALL,
    # Technicians write up work in the field as drafts; the office finalizes and bills it.
    "invoice.edit_draft": _ALL,
    "invoice.finalize": _OFFICE,
    "invoice.send": _OFFICE,
    "invoice.record_payment": _OFFICE,
    "invoice.dispute": _OFFICE,
    "invoice.resolve_dispute": _MANAGERS,
    "invoice.void": _MANAGERS,
    "invoice.refund": _MANAGERS,
    "invoice.delete_draft": _OFFICE,
    "invoice.sync": _OFFICE,
    "organization.manage": _MANAGERS,
    "integration.view": _ALL,
    "integration.manage": frozenset({Role.OWNER}),
}


def can(role: str | None, capability: str) -> bool:
    if role is None:
        return False
    try:
        return role in CAPABILITIES[capability]
    except KeyError:
        raise ValueError(f"unknown capability {capability!r}") from None
