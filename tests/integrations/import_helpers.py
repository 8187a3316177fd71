"""Helpers of the initial-sync tests: seed a simulator company, connect, run the import in-process."""

from __future__ import annotations

from collections import Counter
from typing import Any

from accounts.models import Organization, Role
from integrations.importer.run import import_execute
from integrations.importer.services import import_request
from integrations.models import ImportRun, QuickBooksConnection
from qbo_sim.testing import SimControl
from tests.integrations.qbo_helpers import connect_over_oauth


def connect_owner(qbo: Any, organization: Organization, member: Any, realm_id: str) -> QuickBooksConnection:
    owner = member(organization, Role.OWNER)
    return connect_over_oauth(qbo.url, organization, owner.user, realm_id)


def run_import(connection: QuickBooksConnection) -> ImportRun:
    """The queued run (connecting queued one) executed here, as the worker would."""
    run = import_request(connection=connection, enqueue=False)
    done = import_execute(run.pk)
    assert done is not None
    return done


def customer(control: SimControl, realm: str, name: str, email: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"DisplayName": name, **extra}
    if email:
        body["PrimaryEmailAddr"] = {"Address": email}
    return control.entities(realm, "Customer", body)


def qbo_names(control: SimControl, realm: str, entity: str = "Customer") -> Counter[str]:
    """Every record's name in the QBO company (inactive included), with multiplicity."""
    key = "DisplayName" if entity in ("Customer", "Vendor", "Employee") else "Name"
    return Counter(str(o[key]) for o in control.objects(realm, entity) if not o["_sim"]["deleted"])


def income_account(control: SimControl, realm: str) -> str:
    return next(str(a["Id"]) for a in control.objects(realm, "Account") if a.get("AccountType") == "Income")
