"""Per object type: build the QBO payload from the object's current state and push it."""

from __future__ import annotations

from collections.abc import Callable

from integrations.models import ObjectType
from integrations.push.handlers.base import PushContext, PushResult
from integrations.push.handlers.customer import push_customer
from integrations.push.handlers.invoice import push_invoice
from integrations.push.handlers.item import push_item
from integrations.push.handlers.payment import push_payment

HANDLERS: dict[str, Callable[[PushContext], PushResult]] = {
    ObjectType.CUSTOMER: push_customer,
    ObjectType.ITEM: push_item,
    ObjectType.INVOICE: push_invoice,
    ObjectType.PAYMENT: push_payment,
}

__all__ = ["HANDLERS", "PushContext", "PushResult"]
