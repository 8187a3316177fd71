"""An item edited on both sides since the last sync: each field takes the side that changed it; a field both
sides changed takes the newer change, and the conflict is logged for the Owner. Whichever runs first —
the inbound change or our push — the result is the same, and nothing ping-pongs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import Organization
from integrations.merge.change import parse_qbo_time
from integrations.models import ConflictWinner, ExternalRef, JobState, SyncConflict, SyncJob
from invoicing.models import Product
from tests.integrations.inbound_helpers import GATE, Hooks

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def realm(qbo: Any) -> str:
    return qbo.company("Conflict Books")


@pytest.fixture
def linked(hooks: Hooks, org: Organization, make_product: Callable[..., Product]) -> tuple[Product, str]:
    with GATE:
        product = make_product(org, "Boiler service", "150.00", sku="BOIL-1", description="Yearly service")
    hooks.drain()
    hooks.process()
    return product, ExternalRef.objects.get(object_type="item", local_id=product.pk).qbo_id


def _bookkeeper_edit(qbo: Any, realm: str, item_id: str) -> datetime:
    entity = qbo.control.entities(realm, "Item", {"Id": item_id, "Description": "Yearly service, parts extra",
                                                  "UnitPrice": 165})
    changed = parse_qbo_time(entity["MetaData"]["LastUpdatedTime"])
    assert changed is not None
    return changed


def _our_edit(product: Product, *, at: datetime) -> None:
    """A person edits name and price here; `at` is when (QBO times have whole seconds, so tests say when)."""
    with GATE:
        product.name, product.unit_price = "Boiler service (gas)", Decimal("160.00")
        product.save()
        Product.objects.filter(pk=product.pk).update(updated_at=at)
    product.refresh_from_db()


def _both_sides(qbo: Any, realm: str, item_id: str, product: Product) -> dict[str, Any]:
    ours = Product.objects.get(pk=product.pk)
    theirs = qbo.control.object(realm, "Item", item_id)
    assert (theirs["Name"], theirs["Description"], Decimal(str(theirs["UnitPrice"]))) == (
        ours.name, ours.description, ours.unit_price)
    return {"name": ours.name, "description": ours.description, "price": ours.unit_price}


def test_inbound_first_newer_local_price_wins(qbo: Any, realm: str, hooks: Hooks,
                                              linked: tuple[Product, str]) -> None:
    product, item_id = linked
    theirs_at = _bookkeeper_edit(qbo, realm, item_id)
    _our_edit(product, at=theirs_at + timedelta(seconds=30))  # ours is the newer price
    assert SyncJob.objects.filter(object_type="item", state=JobState.QUEUED).count() == 1
    hooks.process()  # QBO's change arrives first
    product.refresh_from_db()
    assert (product.name, product.description, product.unit_price) == (
        "Boiler service (gas)", "Yearly service, parts extra", Decimal("160.00"))
    conflict = SyncConflict.objects.get()
    assert (conflict.field, conflict.ours, conflict.theirs, conflict.winner) == (
        "Price", "160.00", "165.00", ConflictWinner.OURS)
    hooks.drain()  # the queued push sends the merged product
    hooks.process()  # its echo changes nothing
    assert _both_sides(qbo, realm, item_id, product) == {
        "name": "Boiler service (gas)", "description": "Yearly service, parts extra", "price": Decimal("160.00")}
    assert not SyncJob.objects.exclude(state=JobState.DONE).exists()
    assert SyncConflict.objects.count() == 1


def test_inbound_first_newer_qbo_price_wins(qbo: Any, realm: str, hooks: Hooks, linked: tuple[Product, str]) -> None:
    product, item_id = linked
    theirs_at = _bookkeeper_edit(qbo, realm, item_id)
    _our_edit(product, at=theirs_at - timedelta(minutes=10))  # edited here before the bookkeeper did
    hooks.process()
    hooks.drain()
    hooks.process()
    assert _both_sides(qbo, realm, item_id, product) == {
        "name": "Boiler service (gas)", "description": "Yearly service, parts extra", "price": Decimal("165.00")}
    conflict = SyncConflict.objects.get()
    assert (conflict.field, conflict.winner) == ("Price", ConflictWinner.THEIRS)


def test_push_first_merges_qbo_edits_instead_of_overwriting_them(qbo: Any, realm: str, hooks: Hooks,
                                                                 linked: tuple[Product, str]) -> None:
    product, item_id = linked
    theirs_at = _bookkeeper_edit(qbo, realm, item_id)
    hooks.settle()  # QBO's webhook is stored, not yet processed
    _our_edit(product, at=theirs_at + timedelta(seconds=30))
    hooks.drain()  # our push runs first: QBO says stale, its edits are merged in before we write
    assert _both_sides(qbo, realm, item_id, product) == {
        "name": "Boiler service (gas)", "description": "Yearly service, parts extra", "price": Decimal("160.00")}
    hooks.process()  # the bookkeeper's (now superseded) event and our echo change nothing
    assert _both_sides(qbo, realm, item_id, product)["description"] == "Yearly service, parts extra"
    assert [(c.field, c.winner) for c in SyncConflict.objects.all()] == [("Price", ConflictWinner.OURS)]
    assert not SyncJob.objects.exclude(state=JobState.DONE).exists()


def test_a_field_changed_only_in_qbo_is_taken_without_a_conflict(qbo: Any, realm: str, hooks: Hooks,
                                                                 linked: tuple[Product, str]) -> None:
    product, item_id = linked
    qbo.control.entities(realm, "Item", {"Id": item_id, "Sku": "BOIL-2"})
    hooks.settle()
    with GATE:
        product.description = "Yearly service and flue check"
        product.save()
    hooks.process()
    product.refresh_from_db()
    assert (product.sku, product.description) == ("BOIL-2", "Yearly service and flue check")
    assert not SyncConflict.objects.exists()
    hooks.drain()
    theirs = qbo.control.object(realm, "Item", item_id)
    assert (theirs["Sku"], theirs["Description"]) == ("BOIL-2", "Yearly service and flue check")


def test_a_qbo_name_used_by_another_product_here_is_not_taken(qbo: Any, realm: str, hooks: Hooks, org: Organization,
                                                             linked: tuple[Product, str],
                                                             make_product: Callable[..., Product]) -> None:
    product, item_id = linked
    with GATE:
        make_product(org, "Water heater flush", "90.00")
    hooks.settle()
    qbo.control.entities(realm, "Item", {"Id": item_id, "Name": "Water heater flush"})
    hooks.process()
    product.refresh_from_db()
    assert product.name == "Boiler service"
    conflict = SyncConflict.objects.get(field="Name")
    assert conflict.winner == ConflictWinner.NONE and "already named" in conflict.note
