"""Invoice lifecycle actions: each a POST that calls one lifecycle service, refused by role (403) or status (message)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.decorators import org_member_required
from accounts.permissions import can
from accounts.requests import OrgRequest
from invoicing import lifecycle
from invoicing.emailing import addresses_split, invoice_email_queue
from invoicing.forms import PaymentForm, RefundForm, SendForm
from invoicing.models import Invoice
from invoicing.selectors import ACTION_CAPABILITIES, invoice_detail_queryset
from invoicing.views.invoices import invoice_detail_context

# A handler returns the success message, or a response of its own (a form shown again with its errors).
Handler = Callable[[OrgRequest, Invoice], "str | HttpResponse"]


def _simple(service: Callable[..., object], done: str) -> Handler:
    def handle(request: OrgRequest, invoice: Invoice) -> str:
        service(invoice=invoice)
        return f"Invoice {invoice.number} {done}."

    return handle


def _form_again(request: OrgRequest, invoice: Invoice, form: Form, which: str) -> HttpResponse:
    context = invoice_detail_context(request, invoice, **{f"{which}_form": form, "open_form": which})
    return render(request, "invoicing/invoice_detail.html", context, status=400)


def _add_errors(form: Form, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, field_messages in errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


def _send(request: OrgRequest, invoice: Invoice) -> str | HttpResponse:
    """Queue the email; the invoice turns Sent when the mail server accepts it (invoicing/email_delivery.py)."""
    form = SendForm(request.POST)
    if not form.is_valid():
        return _form_again(request, invoice, form, "send")
    try:
        email = invoice_email_queue(invoice=invoice, actor=request.user, to=form.cleaned_data["to"],
                                    cc=addresses_split(form.cleaned_data["cc"]),
                                    bcc=addresses_split(form.cleaned_data["bcc"]))
    except lifecycle.TransitionError:
        raise
    except ValidationError as exc:
        _add_errors(form, exc)
        return _form_again(request, invoice, form, "send")
    return f"Invoice {invoice.number} is being emailed to {email.to}; it is marked sent once the mail server accepts it."


def _with_form(form_class: type[Form], which: str, service: Callable[..., object], done: str) -> Handler:
    """Validate the form, call the service, and show its refusals (over the balance, ...) on the form."""

    def handle(request: OrgRequest, invoice: Invoice) -> str | HttpResponse:
        form = form_class(request.POST)
        if not form.is_valid():
            return _form_again(request, invoice, form, which)
        try:
            service(invoice=invoice, **form.cleaned_data)
        except lifecycle.TransitionError:
            raise
        except ValidationError as exc:
            _add_errors(form, exc)
            return _form_again(request, invoice, form, which)
        return f"{done} of ${form.cleaned_data['amount']:,.2f} recorded on invoice {invoice.number}."

    return handle


HANDLERS: dict[str, Handler] = {
    "finalize": _simple(lifecycle.invoice_finalize, "finalized"),
    "send": _send,
    "record_payment": _with_form(PaymentForm, "payment", lifecycle.invoice_record_payment, "Payment"),
    "refund": _with_form(RefundForm, "refund", lifecycle.invoice_refund, "Refund"),
    "dispute": _simple(lifecycle.invoice_dispute, "marked as disputed"),
    "resolve_dispute": _simple(lifecycle.invoice_resolve_dispute, "taken out of dispute"),
    "void": _simple(lifecycle.invoice_void, "voided"),
    "delete_draft": _simple(lifecycle.invoice_delete_draft, "deleted"),
}
assert set(HANDLERS) == set(ACTION_CAPABILITIES), "every offered action needs a handler"


def _back(request: OrgRequest, invoice: Invoice, action: str) -> HttpResponse:
    """Return where the button was pressed (the list keeps its filters), else to the invoice."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    if action == "delete_draft":
        return redirect("invoicing:invoice_list")
    return redirect(reverse("invoicing:invoice_detail", args=[invoice.pk]))


@org_member_required()
def invoice_action(request: OrgRequest, pk: int, action: str) -> HttpResponse:
    # Role first, method second: a role that may not act gets 403 however it asks.
    if not can(request.role, ACTION_CAPABILITIES[action]):
        raise PermissionDenied(f"Your role may not {action.replace('_', ' ')} invoices.")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    invoice = get_object_or_404(invoice_detail_queryset(organization=request.organization), pk=pk)
    try:
        outcome = HANDLERS[action](request, invoice)
    except ValidationError as exc:  # TransitionError included: the service changed nothing
        messages.error(request, " ".join(exc.messages))
        return _back(request, invoice, "")
    if isinstance(outcome, HttpResponse):
        return outcome
    messages.success(request, outcome)
    return _back(request, invoice, action)
