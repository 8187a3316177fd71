"""Admin for products, tax rates and codes, invoices and payments: the same rules as the pages and the API.

An invoice's lines are edited here only while it is a draft (after that it belongs to the customer and
to QuickBooks; the pages change it through invoice_update, which checks what was paid); the line rules
are the services' (invoice_validate, with invoicing.validators' count and money limits), the header's
those of the invoice page (InvoiceFieldsMixin, discount_check), totals come from invoice_recompute_totals,
numbers from the organization's sequence, and payments are recorded only through the lifecycle (pages, API).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from accounts.admin_scoping import OrgScopedAdmin, OrgScopedTabularInline
from invoicing.emailing import invoice_email_queue
from invoicing.forms import InvoiceFieldsMixin
from invoicing.models import (
    Invoice,
    InvoiceEmail,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTaxLine,
    LineKind,
    Payment,
    Product,
    TaxCode,
    TaxRate,
)
from invoicing.money import line_amount
from invoicing.services import (
    LineInput,
    invoice_number_next,
    invoice_recompute_totals,
    invoice_validate,
)
from invoicing.totals import discount_of
from invoicing.validators import invoice_edit_refusal


@admin.register(Product)
class ProductAdmin(OrgScopedAdmin):
    list_display = ["name", "sku", "type", "unit_price", "tax_code", "taxable", "is_active", "organization"]
    list_filter = ["type", "is_active", "taxable"]
    search_fields = ["name", "sku"]

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        if "tax_code" in form.changed_data:
            obj.taxable = obj.tax_code_id is not None  # the same rule as the product form and API
        super().save_model(request, obj, form, change)


@admin.register(TaxRate)
class TaxRateAdmin(OrgScopedAdmin):
    list_display = ["name", "rate", "agency", "is_active", "organization"]
    search_fields = ["name", "agency"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["rate"].validators.append(_rate_in_range)
        return form


def _rate_in_range(value: Decimal) -> None:
    if not 0 <= value <= 100:
        raise ValidationError("The rate is a percentage between 0 and 100.")


@admin.register(TaxCode)
class TaxCodeAdmin(OrgScopedAdmin):
    list_display = ["name", "total_percent", "is_active", "organization"]
    filter_horizontal = ["rates"]
    search_fields = ["name"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        foreign = form.instance.rates.exclude(organization=form.instance.organization)
        form.instance.rates.remove(*foreign)  # a code only combines its own organization's rates


def _is_draft(invoice: Invoice | None) -> bool:
    return invoice is None or invoice.pk is None or invoice.status == InvoiceStatus.DRAFT


class InvoiceLineFormSet(BaseInlineFormSet):
    """Checks the lines, with the invoice's header as the form above left it, by the services' rules, and
    what the totals will refuse (a discount above the lines, credits above the items) while the admin can
    still show the error instead of failing after the save."""

    def clean(self) -> None:
        super().clean()
        invoice = self.instance
        if any(self.errors) or not _is_draft(invoice):
            return  # a finalized invoice's lines are shown read-only and never saved from here
        try:
            customer = invoice.customer
        except ObjectDoesNotExist:
            return  # the invoice form itself reports the missing customer
        lines = [
            LineInput(description=form.cleaned_data.get("description", ""),
                      quantity=form.cleaned_data.get("quantity") or Decimal(0),
                      unit_price=form.cleaned_data.get("unit_price") or Decimal(0),
                      product=form.cleaned_data.get("product"),
                      taxable=form.cleaned_data.get("taxable", True) or form.cleaned_data.get("tax_code") is not None,
                      tax_code=form.cleaned_data.get("tax_code"),
                      kind=form.cleaned_data.get("kind") or LineKind.ITEM)
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            invoice_validate(organization=invoice.organization, customer=customer, project=invoice.project,
                             tax_rate=None, lines=lines)
        except ValidationError as exc:
            raise ValidationError([m for messages in exc.message_dict.values() for m in messages]) from None
        lines_sum = sum((line_amount(line.quantity, line.unit_price) * (-1 if line.kind == LineKind.CREDIT else 1)
                         for line in lines), Decimal("0.00"))
        if lines_sum < 0:
            raise ValidationError("The credits are more than the items; an invoice cannot total less than zero.")
        discount = discount_of(kind=invoice.discount_kind, value=invoice.discount_value, lines_sum=lines_sum)
        if discount > lines_sum:
            raise ValidationError(f"The discount ({discount}) is more than the lines ({lines_sum}).")


class InvoiceAdminForm(InvoiceFieldsMixin):
    """The page's field rules (dates, memo, discount); a change the edit rule refuses is refused here too."""

    class Meta:
        model = Invoice
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        refusal = invoice_edit_refusal(self.instance) if self.instance.pk else None
        if refusal and self.has_changed():
            raise ValidationError(refusal)
        return super().clean()  # the dates, memo and discount (InvoiceFieldsMixin)


class InvoiceLineInline(OrgScopedTabularInline):
    model = InvoiceLine
    formset = InvoiceLineFormSet
    extra = 0
    fields = ["position", "kind", "product", "description", "quantity", "unit_price", "tax_code", "taxable", "amount"]
    readonly_fields = ["amount"]

    def has_add_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class InvoiceTaxLineInline(OrgScopedTabularInline):
    model = InvoiceTaxLine
    extra = 0
    fields = readonly_fields = ("name", "agency", "percent", "taxable_amount", "amount")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False


class PaymentInline(OrgScopedTabularInline):
    model = Payment
    extra = 0
    fields = readonly_fields = ("kind", "amount", "received_on", "method", "reference")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False


# Totals, number and status are owned by the services (one place computes them); admin shows them.
_OWNED_BY_SERVICES = ["number", "subtotal", "discount_amount", "tax_amount", "total", "amount_paid",
                      "amount_refunded", "balance", "prices_include_tax", "tax_after_discount", "tax_rounding",
                      "status", "status_before_dispute", "finalized_at", "sent_at", "voided_at",
                      "tax_override", "tax_override_source", "tax_override_by", "tax_override_at"]
# After finalizing, an invoice changes only through the lifecycle and the invoice page's edit rule.
_HEADER = ["organization", "customer", "project", "issue_date", "due_date", "terms_days", "discount_kind",
           "discount_value", "memo", "internal_note"]


class InvoiceEmailInline(OrgScopedTabularInline):
    """The email log, read-only: sends happen through the invoice page or the API (they queue delivery)."""

    model = InvoiceEmail
    extra = 0
    fields = readonly_fields = ("created_at", "to", "cc", "bcc", "status", "attempts", "error", "message_id", "sent_at", "actor")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(OrgScopedAdmin):
    form = InvoiceAdminForm
    list_display = ["number", "customer", "status", "issue_date", "due_date", "total", "balance", "organization"]
    list_filter = ["status"]
    search_fields = ["number", "customer__display_name"]
    list_select_related = ["customer", "organization"]
    readonly_fields = _OWNED_BY_SERVICES
    inlines = [InvoiceLineInline, InvoiceTaxLineInline, PaymentInline, InvoiceEmailInline]
    actions = ["email_to_customers"]

    @admin.action(description="Email the selected invoices (PDF attached) to their customers' billing email")
    def email_to_customers(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        """The page's and API's Send, to the billing address: the same checks, queued and logged the same way."""
        actor = request.user
        assert isinstance(actor, User)  # the admin site lets in signed-in staff only
        for invoice in queryset.select_related("customer"):
            try:
                email = invoice_email_queue(invoice=invoice, actor=actor)
            except ValidationError as exc:
                self.message_user(request, f"{invoice.number}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{invoice.number}: being emailed to {email.to}.", messages.SUCCESS)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return fields if _is_draft(obj if isinstance(obj, Invoice) else None) else [*fields, *(f for f in _HEADER if f not in fields)]

    def save_model(self, request: HttpRequest, obj: Invoice, form: Any, change: bool) -> None:
        if not change:
            obj.number = invoice_number_next(organization=obj.organization)
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not _is_draft(form.instance):
            return
        # Line edits in admin go through the same totals code as every other write.
        for line in form.instance.lines.all():
            line.amount = line_amount(line.quantity, line.unit_price) * (-1 if line.kind == LineKind.CREDIT else 1)
            if line.tax_code_id is not None:
                line.taxable = True
            line.save(update_fields=["amount", "taxable"])
        invoice_recompute_totals(invoice=form.instance)
        form.instance.save()


@admin.register(Payment)
class PaymentAdmin(OrgScopedAdmin):
    """Read-only: a payment changes an invoice's balance and status, so it is recorded (or refunded)
    through the lifecycle on the invoice page or the API, never typed in here."""

    list_display = ["invoice", "kind", "amount", "received_on", "method", "organization"]
    list_filter = ["kind"]
    list_select_related = ["invoice", "organization"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Payment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Payment | None = None) -> bool:
        return False


@admin.register(InvoiceEmail)
class InvoiceEmailAdmin(OrgScopedAdmin):
    list_display = ["invoice", "to", "status", "attempts", "sent_at", "created_at", "organization"]
    list_filter = ["status"]
    search_fields = ["invoice__number", "to", "message_id"]
    list_select_related = ["invoice", "organization"]
    readonly_fields = ["invoice", "to", "cc", "bcc", "status", "attempts", "error", "message_id", "sent_at", "actor",
                       "organization"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a send is made on the invoice page or through the API, which queue its delivery
