"""Invoice pages: the list, the detail page and the create/edit form with its line editor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import org_member_required
from accounts.models import terms_label
from accounts.requests import OrgRequest
from customers.models import Customer
from customers.selectors import project_options
from invoicing.forms import InvoiceForm, LineFormSet, PaymentForm, RefundForm, SendForm
from invoicing.models import Invoice, InvoiceStatus
from invoicing.selectors import (
    invoice_actions_for,
    invoice_detail_queryset,
    invoice_emails,
    invoice_list,
    invoice_refundable,
    product_choices,
    tax_code_choices,
)
from invoicing.services import (
    invoice_create,
    invoice_tax_override_clear,
    invoice_update,
    tax_override_dropped_notice,
)
from invoicing.validators import (
    invoice_can_edit,
    invoice_can_override_tax,
    invoice_edit_check,
    invoice_tax_override_check,
)

INVOICES_PER_PAGE = 50


# Button and menu labels of the lifecycle actions.
ACTION_LABELS: dict[str, str] = {
    "finalize": "Finalize",
    "send": "Send",
    "record_payment": "Record payment",
    "refund": "Refund",
    "dispute": "Mark disputed",
    "resolve_dispute": "Resolve dispute",
    "void": "Void",
    "delete_draft": "Delete draft",
}


@dataclass(frozen=True)
class RowAction:
    name: str
    label: str
    url: str


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    url: str
    actions: list[RowAction]  # the lifecycle actions the role and the status both allow
    can_edit: bool


def action_url(detail_url: str, action: str) -> str:
    """The URL of an action, derived from the invoice's detail URL (see invoicing/urls.py).

    A list page needs up to seven URLs per row; one reverse() per row instead of seven keeps a page
    of 50 rows fast. A test checks this matches reverse() for every action.
    """
    return f"{detail_url}{action.replace('_', '-')}/"


def _row(invoice: Invoice, role: str | None) -> InvoiceRow:
    url = reverse("invoicing:invoice_detail", args=[invoice.pk])
    actions = [
        RowAction(name, ACTION_LABELS[name], action_url(url, name))
        for name in invoice_actions_for(invoice=invoice, role=role)
    ]
    return InvoiceRow(invoice=invoice, url=url, actions=actions,
                      can_edit=invoice_can_edit(invoice=invoice, role=role))


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@org_member_required("invoice.view")
def invoice_index(request: OrgRequest) -> HttpResponse:
    org = request.organization
    status = request.GET.get("status", "")
    status = status if status in InvoiceStatus.values else ""
    customer_id = _int_or_none(request.GET.get("customer"))
    invoices = invoice_list(organization=org, status=status, customer_id=customer_id)
    page = Paginator(invoices, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    context = {
        "page": page,
        "invoices": shown,  # integrations' row tags read the page's QuickBooks actions for all of them at once
        "rows": [_row(invoice, request.role) for invoice in shown],
        "next_url": request.get_full_path(),  # row actions come back here, filters and page kept
        "status": status,
        "customer_id": customer_id,
        "statuses": InvoiceStatus.choices,
        "customers": Customer.objects.for_org(org).only("id", "display_name").order_by("display_name", "id"),
    }
    return render(request, "invoicing/invoice_list.html", context)


def invoice_detail_context(request: OrgRequest, invoice: Invoice, **forms: Any) -> dict[str, Any]:
    """Everything the detail page shows; the lifecycle views reuse it to show a form's errors in place."""
    today = timezone.localdate()
    actions = invoice_actions_for(invoice=invoice, role=request.role)
    payments = list(invoice.payments.all())
    return {
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "tax_lines": list(invoice.tax_lines.all()),
        "terms": terms_label(invoice.terms_days),
        "payments": [p for p in payments if p.kind == "payment"],
        "refunds": [p for p in payments if p.kind == "refund"],
        "actions": {action: True for action in actions},
        "can_edit": invoice_can_edit(invoice=invoice, role=request.role),
        "can_clear_tax_override": invoice.tax_override is not None
        and invoice_can_override_tax(invoice=invoice, role=request.role),
        "refundable": invoice_refundable(invoice),
        "payment_form": forms.get("payment_form")
        or PaymentForm(initial={"amount": invoice.balance, "received_on": today, "method": "Check"}),
        "refund_form": forms.get("refund_form")
        or RefundForm(initial={"amount": invoice_refundable(invoice), "received_on": today}),
        "send_form": forms.get("send_form") or SendForm(initial={"to": invoice.customer.email}),
        "emails": invoice_emails(invoice=invoice),
        "open_form": forms.get("open_form") or request.GET.get("open", ""),
        "action_labels": ACTION_LABELS,
    }


@org_member_required("invoice.view")
def invoice_detail(request: OrgRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(invoice_detail_queryset(organization=request.organization), pk=pk)
    return render(request, "invoicing/invoice_detail.html", invoice_detail_context(request, invoice))


@org_member_required("invoice.edit_draft")
def invoice_new(request: OrgRequest) -> HttpResponse:
    # No due date: the customer's (or the organization's) payment terms set it when the invoice is saved.
    initial: dict[str, Any] = {"issue_date": timezone.localdate()}
    customer_id = _int_or_none(request.GET.get("customer"))
    if customer_id is not None:
        initial["customer"] = customer_id
    return _invoice_form(request, Invoice(organization=request.organization), initial=initial, lines=[])


@org_member_required("invoice.edit_draft")
def invoice_edit(request: OrgRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice.objects.for_org(request.organization).select_related("customer"), pk=pk)
    try:
        invoice_edit_check(invoice=invoice, role=request.role)  # a role that may not edit it: PermissionDenied, 403
    except ValidationError as exc:  # the invoice itself can no longer change: say why on its page
        messages.error(request, " ".join(exc.messages))
        return redirect("invoicing:invoice_detail", pk=invoice.pk)
    lines = [
        {"id": line.pk, "product": line.product_id and str(line.product_id), "description": line.description,
         "kind": line.kind, "quantity": line.quantity.normalize(), "unit_price": line.unit_price,
         "tax_code": line.tax_code_id and str(line.tax_code_id), "taxable": line.taxable}
        for line in invoice.lines.all()
    ]
    # An invoice whose due date follows its terms shows the terms only, so a new issue date moves the due date.
    initial = {"due_date": None} if invoice.terms_days is not None else {}
    return _invoice_form(request, invoice, initial=initial, lines=lines)


def _invoice_form(request: OrgRequest, invoice: Invoice, *, initial: dict[str, Any],
                  lines: list[dict[str, Any]]) -> HttpResponse:
    org = request.organization
    data = request.POST if request.method == "POST" else None
    customer_id = _int_or_none(data.get("customer") if data else None) or invoice.customer_id or initial.get("customer")
    products = product_choices(organization=org, keep_ids=[int(line["product"]) for line in lines if line["product"]])
    tax_codes = tax_code_choices(organization=org, keep_ids=[int(line["tax_code"]) for line in lines if line["tax_code"]])
    form = InvoiceForm(
        data, instance=invoice, initial=initial, organization=org,
        customers=Customer.objects.for_org(org).order_by("display_name", "id"),
        projects=project_options(organization=org, customer_id=customer_id),
    )
    formset = LineFormSet(data, initial=lines or None, prefix="lines",
                          form_kwargs={"products": products, "tax_codes": tax_codes})
    if not lines and data is None:
        formset.extra = 1  # a new invoice opens with one empty row to fill in
    if data is not None and form.is_valid() and formset.is_valid():
        saved = _save_invoice(invoice, form, formset)
        if saved is not None:
            verb = "created" if invoice.pk is None else "saved"
            messages.success(request, f"Invoice {saved.number} {verb}.")
            dropped = tax_override_dropped_notice(before=invoice, after=saved)
            if dropped:
                messages.warning(request, dropped)
            return redirect("invoicing:invoice_detail", pk=saved.pk)
    context = {"form": form, "formset": formset, "invoice": invoice, "products": products}
    status = 400 if data is not None else 200
    return render(request, "invoicing/invoice_form.html", context, status=status)


def _save_invoice(invoice: Invoice, form: InvoiceForm, formset: Any) -> Invoice | None:
    """Hand the checked input to the services; their refusals become errors on the form, nothing saved."""
    fields = {key: form.cleaned_data[key] for key in ("customer", "project", "issue_date", "due_date", "memo")}
    fields["money"] = form.money()
    try:
        if invoice.pk is None:
            return invoice_create(organization=form.organization, lines=formset.lines(), **fields)
        return invoice_update(invoice=invoice, lines=formset.lines(), seen_line_ids=formset.seen_line_ids(), **fields)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for field, messages_ in errors.items():
            if field == "lines":  # shown above the line editor, where the person fixes it
                formset.non_form_errors().extend(messages_)
                continue
            target = field if field in form.fields else None
            for message in messages_:
                form.add_error(target, message)
        return None


@org_member_required("invoice.view")
def invoice_project_options(request: OrgRequest) -> HttpResponse:
    """The project <option>s for the chosen customer; the invoice form swaps them in with htmx."""
    customer_id = _int_or_none(request.GET.get("customer"))
    projects = project_options(organization=request.organization, customer_id=customer_id)
    return render(request, "invoicing/_project_options.html", {"projects": projects})



@require_POST
@org_member_required("invoice.view")
def invoice_tax_override_clear_view(request: OrgRequest, pk: int) -> HttpResponse:
    """Drop a tax figure taken from elsewhere: the tax is computed from the lines again (unsent only)."""
    invoice = get_object_or_404(Invoice.objects.for_org(request.organization), pk=pk)
    try:
        invoice_tax_override_check(invoice=invoice, role=request.role)  # a role that may not: 403
        saved = invoice_tax_override_clear(invoice=invoice)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Invoice {saved.number}: the tax is computed from its lines again "
                                  f"({saved.tax_amount}).")
    return redirect("invoicing:invoice_detail", pk=invoice.pk)
