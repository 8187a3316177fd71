"""Forms of the product and invoice pages. They check input; totals are computed by invoicing.services only."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse

from accounts.models import Organization
from customers.forms import DateInput
from customers.models import Customer, Project
from invoicing.models import Invoice, Product, TaxRate
from invoicing.services import LineInput, product_name_taken, product_sku_taken
from invoicing.validators import MAX_LINES, MEMO_MAX_LENGTH, check_invoice_fields


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "sku", "type", "unit_price", "taxable", "is_active", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["unit_price"].min_value = Decimal(0)

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
                "data-taxable": "1" if product.taxable else "0",
            })
        return option


class LineForm(forms.Form):
    # The stored line a row was loaded from: saving changes that line in place (None: a new line).
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # A plain choice field over products loaded once per page: a ModelChoiceField would query the
    # product table again for every line row.
    product = forms.TypedChoiceField(required=False, empty_value=None)
    description = forms.CharField(required=False, max_length=4000,
                                  widget=forms.TextInput(attrs={"placeholder": "What was done or supplied"}))
    quantity = forms.DecimalField(max_digits=12, decimal_places=3, initial=Decimal(1))
    unit_price = forms.DecimalField(max_digits=12, decimal_places=2)
    taxable = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: Any, products: list[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products = {str(p.pk): p for p in products}
        field = self.fields["product"]
        field.choices = [("", "— No product —"), *((str(p.pk), p.name) for p in products)]
        field.coerce = self._product_for
        field.widget = ProductSelect(products, attrs={"data-line-product": ""})
        field.widget.choices = field.choices

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
        data = super().clean()
        if not self.errors and not data.get("product") and not data.get("description", "").strip():
            raise forms.ValidationError("Choose a product or write a description.")
        return data

    def to_line(self) -> LineInput:
        data = self.cleaned_data
        return LineInput(
            description=data["description"].strip(), quantity=data["quantity"], unit_price=data["unit_price"],
            product=data["product"], taxable=data["taxable"], id=data.get("id"),
        )


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
            if not self._should_delete_form(form) and form.cleaned_data
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
        data = super().clean()
        try:
            check_invoice_fields(issue_date=data.get("issue_date"), due_date=data.get("due_date"),
                                 memo=data.get("memo") or "")
        except forms.ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field in data:
                    self.add_error(field, messages)
        return data


class InvoiceForm(InvoiceFieldsMixin):
    class Meta:
        model = Invoice
        fields = ["customer", "project", "issue_date", "due_date", "tax_rate", "memo"]
        widgets = {"issue_date": DateInput(), "due_date": DateInput(),
                   "memo": forms.Textarea(attrs={"rows": 2, "maxlength": MEMO_MAX_LENGTH})}
        labels = {"memo": "Memo (shown to the customer)"}

    def __init__(self, *args: Any, organization: Organization, customers: QuerySet[Customer],
                 projects: QuerySet[Project], tax_rates: QuerySet[TaxRate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["customer"].queryset = customers
        # Changing the customer reloads the project choices (htmx); without JavaScript the server
        # still refuses a project of another customer.
        self.fields["customer"].widget.attrs.update({
            "hx-get": reverse("invoicing:invoice_project_options"), "hx-target": "#id_project",
            "hx-trigger": "change", "hx-swap": "innerHTML",
        })
        self.fields["project"].queryset = projects
        self.fields["project"].empty_label = "— No project —"
        self.fields["tax_rate"].queryset = tax_rates
        self.fields["tax_rate"].empty_label = "No tax"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        project, customer = data.get("project"), data.get("customer")
        if project and customer and project.customer_id != customer.pk:
            self.add_error("project", "The project must belong to the invoice's customer.")
        return data


class PaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    received_on = forms.DateField(label="Date received", widget=DateInput())
    method = forms.ChoiceField(choices=[(m, m) for m in ("Check", "Cash", "Card", "Bank transfer", "Other")])
    reference = forms.CharField(required=False, max_length=100, label="Reference (check #, transaction id)")


class RefundForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    received_on = forms.DateField(label="Refund date", widget=DateInput())
    note = forms.CharField(required=False, max_length=500)


class SendForm(forms.Form):
    """Send by email. Addresses are checked by invoicing.emailing (the API's rules too); cc/bcc are lists."""

    to = forms.CharField(max_length=254, required=False, label="To",
                         help_text="Empty: the customer's billing email.")
    cc = forms.CharField(max_length=2000, required=False, label="Cc", help_text="Several: separate with commas.")
    bcc = forms.CharField(max_length=2000, required=False, label="Bcc")
