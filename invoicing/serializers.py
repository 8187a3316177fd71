"""API representations of products, tax rates and codes, invoices, their lines and payments.

Money totals are never read from the client: the write serializers have no such fields and
invoicing.services computes them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api_base import OrgPrimaryKeyRelatedField
from accounts.models import MAX_TERMS_DAYS, Organization
from customers.models import Customer, Project
from invoicing.models import (
    DiscountKind,
    Invoice,
    InvoiceEmail,
    InvoiceLine,
    InvoiceTaxLine,
    LineKind,
    Payment,
    Product,
    TaxCode,
    TaxRate,
)
from invoicing.selectors import invoice_actions_for
from invoicing.services import (
    InvoiceMoney,
    LineInput,
    discount_check,
    product_name_taken,
    product_sku_taken,
    tax_code_name_taken,
    tax_rate_name_taken,
)

TIMESTAMPS = ("created_at", "updated_at")


class _MoneyDigits(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: _MoneyDigits = {"max_digits": 12, "decimal_places": 2}


class _OrgSerializerMixin:
    @property
    def organization(self) -> Organization:
        return self.context["organization"]  # type: ignore[attr-defined]

    @property
    def instance_id(self) -> int | None:
        return getattr(self.instance, "pk", None)  # type: ignore[attr-defined]


class ProductSerializer(_OrgSerializerMixin, serializers.ModelSerializer):
    tax_code = OrgPrimaryKeyRelatedField(queryset=TaxCode.objects.all(), required=False, allow_null=True,
                                         help_text="The default tax code of its invoice lines.")

    class Meta:
        model = Product
        fields = ("id", "name", "sku", "type", "description", "unit_price", "tax_code", "taxable", "is_active",
                  *TIMESTAMPS)
        read_only_fields = TIMESTAMPS
        extra_kwargs = {"taxable": {"help_text": "QuickBooks' US Taxable flag; follows tax_code when that is given."}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "tax_code" in attrs:
            attrs["taxable"] = attrs["tax_code"] is not None  # the same rule as the product form
        return attrs

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("Give the product a name.")
        if product_name_taken(organization=self.organization, name=value, exclude_id=self.instance_id):
            raise serializers.ValidationError(f"A product named {value!r} already exists.")
        return value

    def validate_sku(self, value: str) -> str:
        value = value.strip()
        if product_sku_taken(organization=self.organization, sku=value, exclude_id=self.instance_id):
            raise serializers.ValidationError(f"SKU {value!r} is already used by another product.")
        return value

    def validate_unit_price(self, value: Decimal) -> Decimal:
        if value < 0:
            raise serializers.ValidationError("The unit price cannot be negative.")
        return value


class TaxRateSerializer(_OrgSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = TaxRate
        fields = ("id", "name", "rate", "agency", "is_active", *TIMESTAMPS)
        read_only_fields = TIMESTAMPS

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("Give the tax rate a name.")
        if tax_rate_name_taken(organization=self.organization, name=value, exclude_id=self.instance_id):
            raise serializers.ValidationError(f"A tax rate named {value!r} already exists.")
        return value

    def validate_rate(self, value: Decimal) -> Decimal:
        if not 0 <= value <= 100:
            raise serializers.ValidationError("The rate is a percentage between 0 and 100.")
        return value


class TaxCodeSerializer(_OrgSerializerMixin, serializers.ModelSerializer):
    rates = OrgPrimaryKeyRelatedField(queryset=TaxRate.objects.all(), many=True, required=False,
                                      help_text="Ids of the component tax rates; none for an exempt code.")
    total_percent = serializers.DecimalField(max_digits=7, decimal_places=3, read_only=True)

    class Meta:
        model = TaxCode
        fields = ("id", "name", "rates", "total_percent", "is_active", *TIMESTAMPS)
        read_only_fields = TIMESTAMPS

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("Give the tax code a name.")
        if tax_code_name_taken(organization=self.organization, name=value, exclude_id=self.instance_id):
            raise serializers.ValidationError(f"A tax code named {value!r} already exists.")
        return value

    def validate_rates(self, value: list[TaxRate]) -> list[TaxRate]:
        if len({rate.pk for rate in value}) != len(value):
            raise serializers.ValidationError("A rate can appear once in a code.")
        return value


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ("id", "position", "kind", "product", "description", "quantity", "unit_price", "amount",
                  "tax_code", "taxable")
        read_only_fields = fields


class InvoiceTaxLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceTaxLine
        fields = ("tax_rate", "name", "agency", "percent", "taxable_amount", "amount")
        read_only_fields = fields


class LineInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, help_text=(
        "The stored line this item changes (its id stays). Without it the item is a new line."))
    delete = serializers.BooleanField(required=False, help_text="True removes the line named by `id`.")
    kind = serializers.ChoiceField(choices=LineKind.choices, required=False,
                                   help_text="item (the default for a new line), or credit: a positive price "
                                             "taken off the invoice.")
    product = OrgPrimaryKeyRelatedField(queryset=Product.objects.all(), required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=4000,
                                        help_text="Defaults to the stored line's, else the product's name.")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, required=False,
                                        help_text="Required for a new line.")
    unit_price = serializers.DecimalField(**MONEY, required=False, help_text="Defaults to the product's price.")
    tax_code = OrgPrimaryKeyRelatedField(queryset=TaxCode.objects.all(), required=False, allow_null=True,
                                         help_text="Defaults to the product's code; null for no tax.")
    taxable = serializers.BooleanField(required=False, help_text="Before tax codes: with the invoice's tax_rate. "
                                       "Defaults to whether the line has a tax code, else the product's setting.")


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ("id", "kind", "amount", "received_on", "method", "reference", "note", "created_at")
        read_only_fields = fields


SUMMARY_FIELDS: tuple[str, ...] = (
    "id", "number", "customer", "customer_name", "project", "status", "issue_date", "due_date",
    "subtotal", "tax_amount", "total", "amount_paid", "amount_refunded", "balance", "actions",
)


class InvoiceSummarySerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.display_name", read_only=True)
    actions = serializers.SerializerMethodField(help_text="Lifecycle actions you may perform now.")

    class Meta:
        model = Invoice
        fields: tuple[str, ...] = SUMMARY_FIELDS
        read_only_fields: tuple[str, ...] = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, invoice: Invoice) -> list[str]:
        return invoice_actions_for(invoice=invoice, role=self.context.get("role"))


class InvoiceDetailSerializer(InvoiceSummarySerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    tax_lines = InvoiceTaxLineSerializer(many=True, read_only=True, help_text="Tax per component rate.")
    payments = PaymentSerializer(many=True, read_only=True)
    tax_override_by = serializers.CharField(source="tax_override_by.username", read_only=True, allow_null=True,
                                            default=None, help_text="Who took the overriding tax figure.")

    class Meta(InvoiceSummarySerializer.Meta):
        fields = (*SUMMARY_FIELDS, "terms_days", "discount_kind", "discount_value", "discount_amount",
                  "prices_include_tax", "tax_after_discount", "tax_rounding", "tax_lines", "tax_override",
                  "tax_override_source", "tax_override_by", "tax_override_at", "memo", "internal_note",
                  "finalized_at", "sent_at", "voided_at", "lines", "payments", *TIMESTAMPS)
        read_only_fields = fields
        extra_kwargs = {"memo": {"help_text": "The message to the customer."},
                        "tax_override": {"help_text": "A tax figure taken from elsewhere before the invoice was "
                                                      "sent, in place of the one its lines give; null when none."}}


class InvoiceWriteSerializer(serializers.Serializer):
    """Input of create and update. Subtotal, tax, total, balance and payments are not accepted."""

    customer = OrgPrimaryKeyRelatedField(queryset=Customer.objects.all())
    project = OrgPrimaryKeyRelatedField(queryset=Project.objects.all(), required=False, allow_null=True)
    tax_rate = OrgPrimaryKeyRelatedField(
        queryset=TaxRate.objects.all(), required=False, allow_null=True, write_only=True,
        help_text="Before tax codes: taxable lines without a tax_code are taxed with the code of this one rate.")
    issue_date = serializers.DateField()
    due_date = serializers.DateField(required=False, allow_null=True,
                                     help_text="Leave out (or null) to follow the payment terms.")
    terms_days = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_TERMS_DAYS,
                                          help_text="Payment terms in days (0 = due on receipt); default: the "
                                                    "customer's terms, else the organization's.")
    discount_kind = serializers.ChoiceField(choices=DiscountKind.choices, required=False, allow_blank=True)
    discount_value = serializers.DecimalField(**MONEY, required=False, allow_null=True,
                                              help_text="A percentage (10.00 = 10 %) or an amount.")
    memo = serializers.CharField(required=False, allow_blank=True, help_text="The message to the customer.")
    internal_note = serializers.CharField(required=False, allow_blank=True, max_length=4000,
                                          help_text="Never shown to the customer nor sent to QuickBooks.")
    lines = LineInputSerializer(many=True, allow_empty=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "discount_kind" in attrs:  # otherwise the services check the value against the stored kind
            try:
                attrs["discount_value"] = discount_check(kind=attrs.get("discount_kind", ""),
                                                         value=attrs.get("discount_value"))
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.message_dict) from None
        return attrs

    def validate_lines(self, items: list[dict[str, Any]]) -> list[LineInput]:
        """The invoice's complete list of lines after this request, for invoice_create/invoice_update.

        PUT and POST send every line: a stored line the list does not name is removed. PATCH sends
        changes: items with an `id` change (or, with `delete`, remove) that line, items without one are
        added at the end, and every line it does not name stays exactly as it is.
        """
        instance: Invoice | None = self.instance
        stored = ({line.pk: line for line in instance.lines.select_related("product", "tax_code")}
                  if instance else {})
        errors: dict[str, Any] = {}
        for index, item in enumerate(items):
            if "id" in item and item["id"] not in stored:
                errors[str(index)] = {"id": [f"Line {item['id']} is not a line of this invoice."]}
            elif item.get("delete") and "id" not in item:
                errors[str(index)] = {"delete": ["Give the id of the line to remove."]}
            elif "id" not in item and "quantity" not in item:
                errors[str(index)] = {"quantity": ["A new line needs a quantity."]}
        if errors:
            raise serializers.ValidationError(errors)
        changes = {item["id"]: (index, item) for index, item in enumerate(items) if "id" in item}
        if len(changes) != sum("id" in item for item in items):
            raise serializers.ValidationError("A line is listed twice; list each line once.")
        lines: list[LineInput] = []
        if self.partial:
            for line_id, line in stored.items():
                change: tuple[int | None, dict[str, Any]] = changes.get(line_id, (None, {}))
                if not change[1].get("delete"):
                    lines.append(_line_input(*change, line))
        else:
            lines.extend(_line_input(index, item, stored[item["id"]] if "id" in item else None)
                         for index, item in enumerate(items) if not item.get("delete"))
        lines.extend(_line_input(index, item, None) for index, item in enumerate(items)
                     if self.partial and "id" not in item)
        return lines

    def service_kwargs(self, instance: Invoice | None = None) -> dict[str, Any]:
        """Arguments for invoice_create/invoice_update; fields a PATCH left out keep their stored value."""
        data = self.validated_data
        kwargs: dict[str, Any] = {}
        for name, default in (("customer", None), ("project", None), ("issue_date", None), ("memo", "")):
            kwargs[name] = data[name] if name in data else getattr(instance, name, default)
        kwargs["tax_rate"] = data.get("tax_rate")

        def kept(name: str, default: object) -> Any:
            return data[name] if name in data else getattr(instance, name, default)

        kwargs["money"] = InvoiceMoney(discount_kind=kept("discount_kind", ""),
                                       discount_value=kept("discount_value", Decimal(0)),
                                       internal_note=kept("internal_note", ""), terms_days=kept("terms_days", None))
        if "due_date" in data or "terms_days" in data:
            kwargs["due_date"] = data.get("due_date")
        elif instance is not None:
            # A PATCH that moves the issue date keeps an invoice on terms on its terms; a hand-picked date stays.
            kwargs["due_date"] = None if instance.terms_days is not None else instance.due_date
        kwargs["lines"] = data["lines"] if "lines" in data else _line_inputs(instance)
        return kwargs


def _line_input(index: int | None, item: dict[str, Any], line: InvoiceLine | None) -> LineInput:
    """An item of the request over the stored line it names (None: a new line). What the item leaves out
    keeps the stored value; a new line, or a stored one given another product, takes the product's price,
    tax code and taxable setting. `taxable` without a code is the API before tax codes (see tax_rate)."""
    product: Product | None = item.get("product", line.product if line else None)
    # The product the line takes its defaults from: a new line's, or a stored line's new one.
    from_product = product if product is not None and (line is None or product != line.product) else None
    if "unit_price" in item:
        unit_price = item["unit_price"]
    elif from_product is not None:
        unit_price = from_product.unit_price
    elif line is not None:
        unit_price = line.unit_price
    else:
        raise serializers.ValidationError({str(index): {"unit_price": [
            "Give a unit price, or a product to take it from."]}})
    if "tax_code" in item:
        tax_code = item["tax_code"]
    elif from_product is not None:
        tax_code = from_product.tax_code
    else:
        tax_code = line.tax_code if line is not None else None
    if "taxable" in item:
        taxable = item["taxable"]
    elif "tax_code" in item:
        taxable = tax_code is not None
    elif from_product is not None:
        taxable = from_product.taxable
    else:
        taxable = line.taxable if line is not None else True
    if "quantity" in item:
        quantity = item["quantity"]
    elif line is not None:
        quantity = line.quantity
    else:  # validate_lines refuses this first; said again here so a line never lacks a quantity
        raise serializers.ValidationError({str(index): {"quantity": ["A new line needs a quantity."]}})
    description = item.get("description", line.description if line else "")
    return LineInput(description=description.strip(), quantity=quantity,
                     unit_price=unit_price, product=product, taxable=taxable, tax_code=tax_code,
                     kind=item.get("kind", line.kind if line else LineKind.ITEM), id=line.pk if line else None)


def _line_inputs(invoice: Invoice | None) -> list[LineInput]:
    """The stored lines as they are (a PATCH that does not touch `lines`)."""
    if invoice is None:
        return []
    return [_line_input(None, {}, line) for line in invoice.lines.select_related("product", "tax_code")]


class PaymentInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    received_on = serializers.DateField(required=False, help_text="Defaults to today.")
    method = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class RefundInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    received_on = serializers.DateField(required=False, help_text="Defaults to today.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class InvoiceSettingsSerializer(serializers.ModelSerializer):
    """The organization's invoice money settings, which new invoices copy, and the prefix of new invoices'
    numbers."""

    class Meta:
        model = Organization
        fields = ("prices_include_tax", "tax_after_discount", "tax_rounding", "payment_terms_days",
                  "invoice_number_prefix")


class SendInputSerializer(serializers.Serializer):
    """Addresses are checked by invoicing.emailing, the same rules as the page's Send form."""

    to = serializers.CharField(required=False, allow_blank=True, max_length=254, default="",
                               help_text="Empty or left out: the customer's billing email.")
    cc = serializers.ListField(child=serializers.CharField(max_length=254), required=False, default=list)
    bcc = serializers.ListField(child=serializers.CharField(max_length=254), required=False, default=list)


class InvoiceEmailSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.get_username", default=None, read_only=True)

    class Meta:
        model = InvoiceEmail
        fields = ("id", "invoice", "to", "cc", "bcc", "status", "attempts", "error", "message_id", "sent_at",
                  "actor", "created_at")
        read_only_fields = fields
