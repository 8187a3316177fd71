"""Invoice settings: the organization's tax and terms defaults, its tax codes and their component rates."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.decorators import org_member_required
from accounts.permissions import can
from accounts.requests import OrgRequest
from invoicing.forms import InvoiceSettingsForm, TaxCodeForm, TaxRateForm
from invoicing.models import TaxCode, TaxRate
from invoicing.selectors import tax_codes_with_rates, tax_rates


@org_member_required("product.view")
def invoice_settings(request: OrgRequest) -> HttpResponse:
    org = request.organization
    can_edit = can(request.role, "product.edit")
    form = InvoiceSettingsForm(request.POST if request.method == "POST" and can_edit else None, instance=org)
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, "Invoice settings saved. New invoices use them; issued invoices keep theirs.")
        return redirect("invoicing:invoice_settings")
    context = {"form": form, "can_edit": can_edit, "codes": tax_codes_with_rates(organization=org),
               "rates": tax_rates(organization=org)}
    return render(request, "invoicing/settings.html", context, status=400 if form.errors else 200)


@org_member_required("product.edit")
def tax_code_form(request: OrgRequest, pk: int | None = None) -> HttpResponse:
    code = TaxCode(organization=request.organization) if pk is None else get_object_or_404(
        TaxCode.objects.for_org(request.organization), pk=pk)
    return _save_form(request, TaxCodeForm, code, "tax code")


@org_member_required("product.edit")
def tax_rate_form(request: OrgRequest, pk: int | None = None) -> HttpResponse:
    rate = TaxRate(organization=request.organization) if pk is None else get_object_or_404(
        TaxRate.objects.for_org(request.organization), pk=pk)
    return _save_form(request, TaxRateForm, rate, "tax rate")


def _save_form(request: OrgRequest, form_class: type[TaxRateForm | TaxCodeForm], instance: TaxRate | TaxCode,
               noun: str) -> HttpResponse:
    creating = instance.pk is None
    form = form_class(request.POST or None, instance=instance, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                saved = form.save()
        except IntegrityError:
            form.add_error("name", f"Another {noun} with this name was just saved; choose another name.")
        else:
            messages.success(request, f"{noun.capitalize()} {saved.name} {'added' if creating else 'saved'}.")
            return redirect("invoicing:invoice_settings")
    context = {"form": form, "instance": instance, "noun": noun}
    return render(request, "invoicing/tax_form.html", context, status=400 if form.errors else 200)
