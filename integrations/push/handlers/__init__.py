"""Per object type: what it needs in QBO first, and how its current state is pushed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from integrations.models import ObjectType
from integrations.push.handlers.base import Need, PushContext, PushResult
from integrations.push.handlers.customer import push_customer
from integrations.push.handlers.invoice import invoice_needs, push_invoice
from integrations.push.handlers.item import push_item
from integrations.push.handlers.payment import payment_needs, push_payment


def _nothing(ctx: PushContext) -> list[Need]:
    return []


@dataclass(frozen=True)
class Handler:
    push: Callable[[PushContext], PushResult]
    needs: Callable[[PushContext], list[Need]] = _nothing


HANDLERS: dict[str, Handler] = {
    ObjectType.CUSTOMER: Handler(push_customer),
    ObjectType.ITEM: Handler(push_item),
    ObjectType.INVOICE: Handler(push_invoice, invoice_needs),
    ObjectType.PAYMENT: Handler(push_payment, payment_needs),
}

__all__ = ["HANDLERS", "Handler", "Need", "PushContext", "PushResult"]
