from __future__ import annotations

from django.http import HttpRequest

from accounts.permissions import CAPABILITIES, can


class _Perms:
    """Template access: `{% if perms_org.invoice__finalize %}` reads can(role, "invoice.finalize")."""

    def __init__(self, role: str | None) -> None:
        self.role = role

    def __getattr__(self, name: str) -> bool:
        capability = name.replace("__", ".")
        if capability not in CAPABILITIES:
            raise AttributeError(name)
        return can(self.role, capability)


def organization(request: HttpRequest) -> dict[str, object]:
    role = getattr(request, "role", None)
    return {
        "current_org": getattr(request, "organization", None),
        "current_role": role,
        "perms_org": _Perms(role),
    }
