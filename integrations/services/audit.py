from __future__ import annotations

from django.contrib.auth.models import User

from accounts.models import Organization
from integrations.models import AuditEvent, QuickBooksConnection


def audit_record(*, connection: QuickBooksConnection | None = None, organization: Organization | None = None,
                 action: str, actor: User | None = None, detail: str = "") -> AuditEvent:
    if organization is None:
        assert connection is not None, "an audit event belongs to a connection or an organization"
        organization = connection.organization
    return AuditEvent.objects.create(
        organization=organization, connection=connection, actor=actor if actor and actor.is_authenticated else None,
        action=action, detail=detail[:1000],
    )
