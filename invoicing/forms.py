"""Forms of the product and invoice pages. They check input; totals are computed by invoicing.services only."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms.formsets import DELETION_FIELD_NAME
from django.urls import reverse

from accounts.forms import form_field
from accounts.models import MAX_TERMS_DAYS, TERMS_PRESETS, Organization
from customers.forms import DateInput
from customers.models import Customer, Project
from invoicing.models import PAYMENT_METHODS, Invoice, LineKind, Product, TaxCode, TaxRate
from invoicing.services import (
    InvoiceMoney,
    LineInput,
    discount_check,
    product_name_taken,
    product_sku_taken,
    tax_code_name_taken,
    tax_rate_check,
    tax_rate_name_taken,
)
from invoicing.validators import MAX_LINES, MEMO_MAX_LENGTH, check_invoice_fields


def terms_field(*, required: bool = False, help_text: str = "") -> forms.IntegerField:
    """Payment terms in days, with the presets offered as suggestions (any 0-365 is accepted)."""
    return forms.IntegerField(
        required=required, min_value=0, max_value=MAX_TERMS_DAYS, label="Payment terms (days)",
        help_text=help_text or ", ".join(f"{days} = {label}" for days, label in TERMS_PRESETS.items()),
        widget=forms.NumberInput(attrs={"list": "terms-presets", "placeholder": "e.g. 30"}),
    )


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "sku", "type", "unit_price", "tax_code", "is_active", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        form_field(self, "unit_price", forms.DecimalField).min_value = 0  # the input's HTML min
        tax_code = form_field(self, "tax_code", forms.ModelChoiceField)
        tax_code.queryset = TaxCode.objects.for_org(organization).filter(
            models.Q(is_active=True) | models.Q(pk=self.instance.tax_code_id))
        tax_code.empty_label = "No tax"
        tax_code.help_text = "The code new invoice lines of this product start with."

    def save(self, commit: bool = True) -> Product:
        # QBO's US Item.Taxable follows the default code (what the item push sends).
        self.instance.taxable = self.cleaned_data.get("tax_code") is not None
        return super().save(commit)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the product a name.")
        if product_name_taken(organization=self.organization, name=name, exclude_id=self.instance.pk):
            raise forms.ValidationError(f"A product named “{name}” already exists (names ignore case).")
        return name

    def clean_sku(self) -> str:
        sku = self.cleaned_data["sku"].strip()
        if product_sku_taken(organization=self.organization, sku=sku, exclude_id=self.instance.pk):
            raise forms.ValidationError(f"Another product already has SKU “{sku}”.")
        return sku

    def clean_unit_price(self) -> Decimal:
        price = self.cleaned_data["unit_price"]
        if price < 0:
            raise forms.ValidationError("The price cannot be negative.")
        return price


class ProductSelect(forms.Select):
    """A product <select> whose options carry the price and description the line editor copies in."""

    def __init__(self, products: Iterable[Product], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.products = {str(p.pk): p for p in products}

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        product = self.products.get(str(value))
        if product is not None:
            option["attrs"].update({
                "data-price": f"{product.unit_price:.2f}",
                "data-description": product.description or product.name,
                "data-tax-code": str(product.tax_code_id or ""),
            })
        return option


class LineForm(forms.Form):
    # The stored line a row was loaded from: saving changes that line in place (None: a new line).
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # A plain choice field over products loaded once per page: a ModelChoiceField would query the
    # product table again for every line row.
    product = forms.TypedChoiceField(required=False, empty_value=None)
    kind = forms.ChoiceField(choices=LineKind.choices, initial=LineKind.ITEM, required=False)
    description = forms.CharField(required=False, max_length=4000,
                                  widget=forms.TextInput(attrs={"placeholder": "What was done or supplied"}))
    quantity = forms.DecimalField(max_digits=12, decimal_places=3, initial=Decimal(1))
    unit_price = forms.DecimalField(max_digits=12, decimal_places=2)
    tax_code = forms.TypedChoiceField(required=False, empty_value=None, label="Tax")

    def __init__(self, *args: Any, products: list[Product], tax_codes: list[TaxCode] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products = {str(p.pk): p for p in products}
        field = form_field(self, "product", forms.TypedChoiceField)
        field.choices = [("", "— No product —"), *((str(p.pk), p.name) for p in products)]
        field.coerce = self._product_for
        field.widget = ProductSelect(products, attrs={"data-line-product": ""})
        field.widget.choices = field.choices
        self.tax_codes = {str(c.pk): c for c in tax_codes or []}
        codes = form_field(self, "tax_code", forms.TypedChoiceField)
        codes.choices = [("", "No tax"), *((str(c.pk), c.name) for c in tax_codes or [])]
        codes.coerce = self._code_for
        codes.widget.attrs["data-line-tax-code"] = ""

    def has_changed(self) -> bool:
        # A row posted without a kind (older pages and clients) is an item row, as if "item" had been posted.
        posted_kind = self.add_prefix("kind") in self.data
        return any(name != "kind" or posted_kind for name in self.changed_data)

    def _code_for(self, value: str) -> TaxCode:
        try:
            return self.tax_codes[str(value)]
        except KeyError:
            raise ValueError(value) from None

    def _product_for(self, value: str) -> Product:
        try:
            return self.products[str(value)]
        except KeyError:
            # ValueError is what TypedChoiceField turns into "Select a valid choice".
            raise ValueError(value) from None

    def clean_quantity(self) -> Decimal:
        quantity = self.cleaned_data["quantity"]
        if quantity <= 0:
            raise forms.ValidationError("Quantity must be greater than zero.")
        return quantity

    def clean_unit_price(self) -> Decimal:
        price = self.cleaned_data["unit_price"]
        if price < 0:
            raise forms.ValidationError("The unit price cannot be negative.")
        return price

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.errors and not data.get("product") and not data.get("description", "").strip():
            raise forms.ValidationError("Choose a product or write a description.")
        return data

    def to_line(self) -> LineInput:
        data = self.cleaned_data
        return LineInput(
            description=data["description"].strip(), quantity=data["quantity"], unit_price=data["unit_price"],
            product=data["product"], tax_code=data["tax_code"], taxable=self._taxable(),
            kind=data.get("kind") or LineKind.ITEM, id=data.get("id"),
        )

    def _taxable(self) -> bool:
        """A line with a code is taxable. A stored line without one whose code nobody touched keeps its flag
        (lines written before tax codes were taxable without a code), so saving unchanged changes nothing."""
        if self.cleaned_data["tax_code"] is not None:
            return True
        return "tax_code" not in self.changed_data and bool(self.initial.get("taxable", False))


class BaseLineFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": f"An invoice can have at most {MAX_LINES} lines (QuickBooks' limit).",
    }

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.lines():
            raise forms.ValidationError("An invoice needs at least one line.")

    def lines(self) -> list[LineInput]:
        """Kept rows, in order. Every row the invoice already had stays, changed or not, unless the person
        removed it; a row added on the page counts only once something was filled in."""
        return [
            form.to_line() for index, form in enumerate(self.forms)
            if not form.cleaned_data.get(DELETION_FIELD_NAME) and form.cleaned_data
            and (index < self.initial_form_count() or form.has_changed())
        ]

    def seen_line_ids(self) -> list[int]:
        """The stored lines the page showed, removed ones included: the services refuse the save if another
        line was added meanwhile, instead of dropping a line nobody here removed."""
        return [form.cleaned_data["id"] for form in self.initial_forms if form.cleaned_data.get("id")]


# The line limit itself is checked by invoicing.validators (through the services), with the count in its
# message; absolute_max only stops a request so large that building its forms would be the problem.
LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=0, can_delete=True,
                                    max_num=MAX_LINES, absolute_max=MAX_LINES * 3)


class InvoiceFieldsMixin(forms.ModelForm):
    """The invoice field rules of invoicing.validators beside their fields: the page's form and the admin's."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        try:
            check_invoice_fields(issue_date=data.get("issue_date"), due_date=data.get("due_date"),
                                 memo=data.get("memo") or "")
        except forms.ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field in data:
                    self.add_error(field, messages)
        if "discount_kind" in self.fields:  # absent where the admin shows a finalized invoice read-only
            try:
                data["discount_value"] = discount_check(kind=data.get("discount_kind", ""),
                                                        value=data.get("discount_value"))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        self.add_error(field if field in self.fields else None, error)
        return data


class InvoiceForm(InvoiceFieldsMixin):
    terms_days = terms_field(help_text="Blank: the customer's terms, else the organization's. "
                                       "0 = Due on receipt, 15 = Net 15, 30 = Net 30.")

    class Meta:
        model = Invoice
        fields = ["customer", "project", "issue_date", "terms_days", "due_date", "discount_kind", "discount_value",
                  "memo", "internal_note"]
        widgets = {"issue_date": DateInput(), "due_date": DateInput(),
                   "memo": forms.Textarea(attrs={"rows": 2, "maxlength": MEMO_MAX_LENGTH}),
                   "internal_note": forms.Textarea(attrs={"rows": 2})}
        labels = {"memo": "Message to the customer", "internal_note": "Internal note (never shown to the customer)",
                  "discount_kind": "Discount", "discount_value": "Discount (% or amount)"}
        help_texts = {"due_date": "Leave empty to follow the payment terms."}

    def __init__(self, *args: Any, organization: Organization, customers: QuerySet[Customer],
                 projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due_date"].required = False
        self.fields["discount_value"].required = False
        self.organization = organization
        form_field(self, "customer", forms.ModelChoiceField).queryset = customers
        # Changing the customer reloads the project choices (htmx); without JavaScript the server
        # still refuses a project of another customer.
        self.fields["customer"].widget.attrs.update({
            "hx-get": reverse("invoicing:invoice_project_options"), "hx-target": "#id_project",
            "hx-trigger": "change", "hx-swap": "innerHTML",
        })
        project = form_field(self, "project", forms.ModelChoiceField)
        project.queryset = projects
        project.empty_label = "— No project —"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        project, customer = data.get("project"), data.get("customer")
        if project and customer and project.customer_id != customer.pk:
            self.add_error("project", "The project must belong to the invoice's customer.")
        return data

    def money(self) -> InvoiceMoney:
        data = self.cleaned_data
        return InvoiceMoney(discount_kind=data["discount_kind"], discount_value=data["discount_value"],
                            internal_note=data["internal_note"], terms_days=data.get("terms_days"))


class PaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    received_on = forms.DateField(label="Date received", widget=DateInput())
    method = forms.ChoiceField(choices=[(m, m) for m in PAYMENT_METHODS])
    reference = forms.CharField(required=False, max_length=100, label="Reference (check #, transaction id)")


class RefundForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    received_on = forms.DateField(label="Refund date", widget=DateInput())
    note = forms.CharField(required=False, max_length=500)


class TaxRateForm(forms.ModelForm):
    class Meta:
        model = TaxRate
        fields = ["name", "rate", "agency", "is_active"]

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the rate a name.")
        if tax_rate_name_taken(organization=self.organization, name=name, exclude_id=self.instance.pk):
            raise forms.ValidationError(f"A tax rate named “{name}” already exists.")
        return name

    def clean_rate(self) -> Decimal:
        rate = self.cleaned_data["rate"]
        try:
            tax_rate_check(rate)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["rate"]) from None
        return rate


class TaxCodeForm(forms.ModelForm):
    class Meta:
        model = TaxCode
        fields = ["name", "rates", "is_active"]
        widgets = {"rates": forms.CheckboxSelectMultiple}
        help_texts = {"rates": "The component rates this code charges together (none: an exempt code)."}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        kept = list(self.instance.rates.values_list("pk", flat=True)) if self.instance.pk else []
        form_field(self, "rates", forms.ModelMultipleChoiceField).queryset = TaxRate.objects.for_org(organization).filter(
            models.Q(is_active=True) | models.Q(pk__in=kept))
        self.fields["rates"].required = False

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the code a name.")
        if tax_code_name_taken(organization=self.organization, name=name, exclude_id=self.instance.pk):
            raise forms.ValidationError(f"A tax code named “{name}” already exists.")
        return name


class InvoiceSettingsForm(forms.ModelForm):
    payment_terms_days = terms_field(required=True)

    class Meta:
        model = Organization
        fields = ["prices_include_tax", "tax_after_discount", "tax_rounding", "payment_terms_days",
                  "invoice_number_prefix"]
        help_texts = {"tax_rounding": "Match your books: QuickBooks rounds US sales tax per rate on the subtotal, "
                                      "VAT/GST per line."}


class SendForm(forms.Form):
    """Send by email. Addresses are checked by invoicing.emailing (the API's rules too); cc/bcc are lists."""

    to = forms.CharField(max_length=254, required=False, label="To",
                         help_text="Empty: the customer's billing email.")
    cc = forms.CharField(max_length=2000, required=False, label="Cc", help_text="Several: separate with commas.")
    bcc = forms.CharField(max_length=2000, required=False, label="Bcc")
