from decimal import Decimal
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from accounts.admin_scoping import OrgScopedAdmin
from invoicing.emailing import invoice_email_queue
from invoicing.forms import InvoiceFieldsMixin
from invoicing.models import Invoice, InvoiceEmail, InvoiceLine, Payment, Product, TaxRate
from invoicing.money import line_amount
from invoicing.services import invoice_recompute_totals
from invoicing.validators import check_lines, invoice_edit_refusal


@admin.register(Product)
class ProductAdmin(OrgScopedAdmin):
    list_display = ["name", "sku", "type", "unit_price", "taxable", "is_active", "organization"]
    list_filter = ["type", "is_active", "taxable"]
    search_fields = ["name", "sku"]


@admin.register(TaxRate)
class TaxRateAdmin(OrgScopedAdmin):
    list_display = ["name", "rate", "is_active", "organization"]


class InvoiceLineFormSet(BaseInlineFormSet):
    """The pages' and API's line rules for admin edits: nothing paid against it, a count and amounts that fit."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        invoice = self.instance
        refusal = invoice_edit_refusal(invoice) if invoice.pk else None
        if refusal and self.has_changed():
            raise ValidationError(refusal)
        kept = [form.cleaned_data for form in self.forms
                if form.cleaned_data and not self._should_delete_form(form)]
        try:
            check_lines([(row["quantity"], row["unit_price"], row["taxable"]) for row in kept],
                        tax_percent=invoice.tax_rate.rate if invoice.tax_rate else Decimal(0))
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class InvoiceAdminForm(InvoiceFieldsMixin):
    class Meta:
        model = Invoice
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        refusal = invoice_edit_refusal(self.instance) if self.instance.pk else None
        if refusal and self.has_changed():
            raise ValidationError(refusal)
        return super().clean()


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    formset = InvoiceLineFormSet
    extra = 0
    readonly_fields = ["amount"]


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    fields = ["kind", "amount", "received_on", "method", "reference"]
    readonly_fields = fields
    can_delete = False


class InvoiceEmailInline(admin.TabularInline):
    """The email log, read-only: sends happen through the invoice page or the API (they queue delivery)."""

    model = InvoiceEmail
    extra = 0
    fields = ["created_at", "to", "cc", "bcc", "status", "attempts", "error", "message_id", "sent_at", "actor"]
    readonly_fields = fields
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
    # Totals and status are owned by the services (one place computes them); admin shows them.
    readonly_fields = ["subtotal", "tax_amount", "total", "amount_paid", "amount_refunded", "balance", "tax_percent",
                       "status", "status_before_dispute", "finalized_at", "sent_at", "voided_at"]
    inlines = [InvoiceLineInline, PaymentInline, InvoiceEmailInline]
    actions = ["email_to_customers"]

    @admin.action(description="Email the selected invoices (PDF attached) to their customers' billing email")
    def email_to_customers(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        """The page's and API's Send, to the billing address: the same checks, queued and logged the same way."""
        for invoice in queryset.select_related("customer"):
            try:
                email = invoice_email_queue(invoice=invoice, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{invoice.number}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{invoice.number}: being emailed to {email.to}.", messages.SUCCESS)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Line edits in admin go through the same totals code as every other write.
        for line in form.instance.lines.all():
            line.amount = line_amount(line.quantity, line.unit_price)
            line.save(update_fields=["amount"])
        invoice_recompute_totals(invoice=form.instance)
        form.instance.save()


@admin.register(Payment)
class PaymentAdmin(OrgScopedAdmin):
    list_display = ["invoice", "kind", "amount", "received_on", "method", "organization"]
    list_filter = ["kind"]
    list_select_related = ["invoice", "organization"]


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
