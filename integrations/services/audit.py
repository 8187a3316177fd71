from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from integrations.models import AuditEvent, QuickBooksConnection


def audit_record(*, connection: QuickBooksConnection | None = None, organization: object | None = None,
                 action: str, actor: AbstractBaseUser | None = None, detail: str = "") -> AuditEvent:
    org = organization if organization is not None else connection.organization  # type: ignore[union-attr]
    return AuditEvent.objects.create(
        organization=org, connection=connection, actor=actor if actor and actor.is_authenticated else None,
        action=action, detail=detail[:1000],
    )
