from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.admin_scoping import OrgScopedAdmin
from invoicing.forms import InvoiceFieldsMixin
from invoicing.models import Invoice, InvoiceLine, InvoiceTaxLine, LineKind, Payment, Product, TaxCode, TaxRate
from invoicing.money import line_amount
from invoicing.services import discount_check, invoice_recompute_totals
from invoicing.totals import discount_of
from invoicing.validators import check_lines, invoice_edit_refusal


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

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if not request.user.is_superuser and field is not None:
            field.queryset = field.queryset.filter(organization__memberships__user=request.user)
        return field

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        foreign = form.instance.rates.exclude(organization=form.instance.organization)
        form.instance.rates.remove(*foreign)  # a code only combines its own organization's rates


class InvoiceLineFormSet(forms.BaseInlineFormSet):
    """The pages' and API's line rules for admin edits (nothing paid against it, a count and amounts that
    fit), and what the totals will refuse (a discount above the lines, credits above the items), checked
    while the admin can still show the error instead of failing after the save."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        invoice = self.instance
        refusal = invoice_edit_refusal(invoice) if invoice.pk else None
        if refusal and self.has_changed():
            raise ValidationError(refusal)
        kept = [form.cleaned_data for form in self.forms
                if form.cleaned_data and not self._should_delete_form(form)
                and form.cleaned_data.get("quantity") is not None and form.cleaned_data.get("unit_price") is not None]
        rows = [(row["quantity"], row["unit_price"], row.get("kind") == LineKind.CREDIT,
                 row["tax_code"].total_percent if row.get("tax_code") else Decimal(0)) for row in kept]
        try:
            check_lines(rows)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        lines_sum = sum((line_amount(quantity, price) * (-1 if credit else 1) for quantity, price, credit, _ in rows),
                        Decimal("0.00"))
        if lines_sum < 0:
            raise ValidationError("The credits are more than the items; an invoice cannot total less than zero.")
        discount = discount_of(kind=invoice.discount_kind, value=invoice.discount_value, lines_sum=lines_sum)
        if discount > lines_sum:
            raise ValidationError(f"The discount ({discount}) is more than the lines ({lines_sum}).")


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    formset = InvoiceLineFormSet
    extra = 0
    fields = ["position", "kind", "product", "description", "quantity", "unit_price", "tax_code", "taxable", "amount"]
    readonly_fields = ["amount"]


class InvoiceTaxLineInline(admin.TabularInline):
    model = InvoiceTaxLine
    extra = 0
    fields = ["name", "agency", "percent", "taxable_amount", "amount"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InvoiceAdminForm(InvoiceFieldsMixin):
    class Meta:
        model = Invoice
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        refusal = invoice_edit_refusal(self.instance) if self.instance.pk else None
        if refusal and self.has_changed():
            raise ValidationError(refusal)
        data = super().clean()  # the dates and memo (InvoiceFieldsMixin)
        try:
            data["discount_value"] = discount_check(kind=data.get("discount_kind", ""), value=data.get("discount_value"))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    self.add_error(field if field in self.fields else None, error)
        return data


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    fields = ["kind", "amount", "received_on", "method", "reference"]
    readonly_fields = fields
    can_delete = False


@admin.register(Invoice)
class InvoiceAdmin(OrgScopedAdmin):
    form = InvoiceAdminForm
    list_display = ["number", "customer", "status", "issue_date", "due_date", "total", "balance", "organization"]
    list_filter = ["status"]
    search_fields = ["number", "customer__display_name"]
    list_select_related = ["customer", "organization"]
    # Totals and status are owned by the services (one place computes them); admin shows them.
    readonly_fields = ["subtotal", "discount_amount", "tax_amount", "total", "amount_paid", "amount_refunded",
                       "balance", "prices_include_tax", "tax_after_discount", "tax_rounding", "status", "status_before_dispute", "finalized_at", "sent_at", "voided_at"]
    inlines = [InvoiceLineInline, InvoiceTaxLineInline, PaymentInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
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
    list_display = ["invoice", "kind", "amount", "received_on", "method", "organization"]
    list_filter = ["kind"]
    list_select_related = ["invoice", "organization"]
