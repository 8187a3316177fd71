"""The QuickBooks page's company settings: re-read them (kind, discounts, tax codes) and the Mappings:
tax codes, payments (deposit account, payment methods), terms, products (income account per product type)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec

import requests
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.decorators import org_member_required
from accounts.requests import OrgRequest
from integrations.connection.company import (
    company_reread,
    company_reread_failure,
    deposit_account_set,
    income_account_set,
    tax_code_map_set,
)
from integrations.connection.method_terms import payment_methods_set, terms_set
from integrations.connection.views.common import plan_refused
from integrations.models import QuickBooksConnection
from integrations.push.services import jobs_retry_unmapped_tax
from integrations.qbo.errors import QboError
from integrations.selectors import connection_live
from invoicing.models import ProductType, TaxCode

PAGE = "integrations:quickbooks"


def live_connection(request: OrgRequest) -> QuickBooksConnection | HttpResponse:
    """The organization's live connection, or the answer that refuses the action (plan, none connected)."""
    organization = request.organization
    if not organization.is_paid_plan:
        return plan_refused(request)
    live = connection_live(organization=organization)
    if live is None:
        messages.error(request, "No QuickBooks company is connected.")
        return redirect(PAGE)
    return live


P = ParamSpec("P")


def live_connection_required(
        view: Callable[Concatenate[OrgRequest, QuickBooksConnection, P], HttpResponse],
) -> Callable[Concatenate[OrgRequest, P], HttpResponse]:
    """The action runs on the organization's live connection, passed after the request; on a free plan or
    with none connected, the refusal of `live_connection` is the answer instead. Goes under the role check."""
    @functools.wraps(view)
    def wrapped(request: OrgRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        live = live_connection(request)
        if isinstance(live, HttpResponse):
            return live
        return view(request, live, *args, **kwargs)
    return wrapped


@require_POST
@org_member_required("integration.manage")
@live_connection_required
def quickbooks_company_reread(request: OrgRequest, live: QuickBooksConnection) -> HttpResponse:
    try:
        conn = company_reread(connection=live)
    except (QboError, requests.RequestException) as exc:
        messages.error(request, company_reread_failure(exc))
        return redirect(PAGE)
    messages.success(request, f"Company settings read: {conn.get_company_kind_display()}.")
    return redirect(PAGE)


@require_POST
@org_member_required("integration.manage")
@live_connection_required
def quickbooks_tax_code_mappings(request: OrgRequest, live: QuickBooksConnection) -> HttpResponse:
    """Save the Mappings section: `code_<local id>` = a QBO TaxCode id, or "" for none. All or nothing."""
    codes = {c.pk: c for c in TaxCode.objects.filter(organization=live.organization)}
    errors: list[str] = []
    changes: list[tuple[TaxCode, str]] = []
    for key in request.POST:
        if not key.startswith("code_"):
            continue
        value = request.POST[key]  # the last value, as items() gives it
        local = codes.get(int(key[5:])) if key[5:].isdigit() else None
        if local is None:
            errors.append("One of the tax codes is not this organization's; reload the page.")
            continue
        changes.append((local, value.strip()))
    if not errors:
        try:
            with transaction.atomic():  # a bad choice saves none of the others
                for local, qbo_id in changes:
                    tax_code_map_set(connection=live, tax_code=local, qbo_id=qbo_id)
        except ValidationError as exc:
            errors.extend(exc.messages)
    for error in errors:
        messages.error(request, error)
    if not errors:
        waiting = jobs_retry_unmapped_tax(connection=live)
        sent = f" {waiting} invoice(s) that waited for a mapping are on their way to QuickBooks." if waiting else ""
        messages.success(request, "Tax code mappings saved." + sent)
    return redirect(PAGE)


@require_POST
@org_member_required("integration.manage")
@live_connection_required
def quickbooks_deposit_account(request: OrgRequest, live: QuickBooksConnection) -> HttpResponse:
    """Save where pushed payments are deposited: `deposit_account` = "" (Undeposited Funds, QBO's default) or
    one of the company's bank accounts as last read."""
    try:
        deposit_account_set(connection=live, account_id=request.POST.get("deposit_account", "").strip())
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect(PAGE)
    messages.success(request, "Payments sent to QuickBooks from now on are deposited to the account chosen.")
    return redirect(PAGE)


@require_POST
@org_member_required("integration.manage")
@live_connection_required
def quickbooks_income_accounts(request: OrgRequest, live: QuickBooksConnection) -> HttpResponse:
    """Save the Income account per product type (`account_<type>` = "" for the default, or an Income account
    of the company as last read). All or nothing."""
    try:
        with transaction.atomic():
            for product_type in ProductType.values:
                if f"account_{product_type}" in request.POST:
                    income_account_set(connection=live, product_type=product_type,
                                       account_id=request.POST[f"account_{product_type}"].strip())
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect(PAGE)
    messages.success(request, "Products and services sent to QuickBooks from now on post their sales to the "
                              "income accounts chosen.")
    return redirect(PAGE)


def _pairs(request: OrgRequest, local: str, qbo: str) -> list[tuple[str, str]] | None:
    """The table's rows as posted: hidden `local` values paired with their selects, in order; None when the
    two lists differ (a tampered or broken form)."""
    names, ids = request.POST.getlist(local), request.POST.getlist(qbo)
    if len(names) != len(ids):
        return None
    return [(n, i.strip()) for n, i in zip(names, ids, strict=True)]


def _errors(request: OrgRequest, exc: ValidationError) -> HttpResponse:
    for error in exc.messages:
        messages.error(request, error)
    return redirect(PAGE)


@require_POST
@org_member_required("integration.manage")
@live_connection_required
def quickbooks_payment_methods(request: OrgRequest, live: QuickBooksConnection) -> HttpResponse:
    """Save the payment-method table: `method` (local name) with `method_qbo` (a PaymentMethod id, "" = none)."""
    pairs = _pairs(request, "method", "method_qbo")
    if pairs is None:
        messages.error(request, "The payment methods form is out of date; reload the page.")
        return redirect(PAGE)
    try:
        payment_methods_set(connection=live, choices=pairs)
    except ValidationError as exc:
        return _errors(request, exc)
    messages.success(request, "Payment methods saved: payments sent to QuickBooks from now on carry them.")
    return redirect(PAGE)


@require_POST
@org_member_required("integration.manage")
@live_connection_required
def quickbooks_terms(request: OrgRequest, live: QuickBooksConnection) -> HttpResponse:
    """Save the terms table: `days` with `term_qbo` (a Term id, "" = none)."""
    pairs = _pairs(request, "days", "term_qbo")
    if pairs is None or not all(d.strip().isdigit() for d, _ in pairs):
        messages.error(request, "The terms form is out of date; reload the page.")
        return redirect(PAGE)
    try:
        terms_set(connection=live, choices=[(int(d), i) for d, i in pairs])
    except ValidationError as exc:
        return _errors(request, exc)
    messages.success(request, "Terms saved: invoices sent to QuickBooks from now on carry them.")
    return redirect(PAGE)
