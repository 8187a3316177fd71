"""The QuickBooks page's Invoice numbers section: check our numbers against the company, link a clash that
is provably the same invoice, or use a prefix for our numbers (Owner)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.decorators import org_member_required
from accounts.requests import OrgRequest
from integrations.connection.numbers import (
    QBO_FAILURES,
    number_link,
    number_prefix,
    numbers_check,
    numbers_failure,
    prefix_message,
)
from integrations.connection.views.company import PAGE, live_connection_required
from integrations.models import QuickBooksConnection

SECTION = "#qbo-invoice-numbers"


def _back() -> HttpResponse:
    response = redirect(PAGE)
    response["Location"] += SECTION
    return response


@require_POST
@org_member_required("integration.manage")
@live_connection_required
def quickbooks_invoice_numbers_check(request: OrgRequest, live: QuickBooksConnection) -> HttpResponse:
    try:
        clashes = numbers_check(connection=live)  # custom numbers off: asks nothing, frees what waited
    except QBO_FAILURES as exc:
        messages.error(request, numbers_failure(exc))
        return _back()
    if not live.custom_txn_numbers:
        messages.info(request, "QuickBooks numbers invoices itself in this company (custom transaction numbers "
                               "are off), so our numbers are not sent and cannot clash.")
    elif clashes:
        messages.warning(request, f"{len(clashes)} of our invoice numbers are already used in QuickBooks; "
                                  "those invoices wait for your choice below.")
    else:
        messages.success(request, "None of our invoice numbers waiting to be sent is used in QuickBooks.")
    return _back()


@require_POST
@org_member_required("integration.manage")
@live_connection_required
def quickbooks_invoice_number_link(request: OrgRequest, live: QuickBooksConnection, clash_id: int) -> HttpResponse:
    try:
        ref = number_link(connection=live, clash_id=clash_id, actor=request.user)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return _back()
    except QBO_FAILURES as exc:
        messages.error(request, numbers_failure(exc))
        return _back()
    messages.success(request, f"Linked to QuickBooks invoice {ref.qbo_id}: it is updated there, not created again.")
    return _back()


@require_POST
@org_member_required("integration.manage")
@live_connection_required
def quickbooks_invoice_number_prefix(request: OrgRequest, live: QuickBooksConnection) -> HttpResponse:
    try:
        outcome = number_prefix(connection=live, prefix=request.POST.get("prefix", ""),
                                renumber=request.POST.get("renumber") == "1", actor=request.user)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return _back()
    messages.success(request, prefix_message(outcome))
    return _back()
