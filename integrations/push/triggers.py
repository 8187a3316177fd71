"""Domain writes → outbox rows. Signals catch every writer (pages, API, admin, shell) and run inside the
writer's transaction (ATOMIC_REQUESTS and the services' atomic blocks), so the change and its job
commit together."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from customers.models import Customer
from integrations.push.enqueue import sync_enqueue
from invoicing.models import Invoice, Payment, Product


def _changed(sender: type, instance: Any, raw: bool = False, **_: Any) -> None:
    if raw:  # loaddata: not a user's change
        return
    sync_enqueue(organization=instance.organization, obj=instance)


def connect() -> None:
    for model in (Customer, Product, Invoice, Payment):
        post_save.connect(_changed, sender=model, dispatch_uid=f"qbo-push-{model.__name__}")
