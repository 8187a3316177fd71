"""API representations of products, tax rates, invoices, their lines and payments.

Money totals are never read from the client: the write serializers have no such fields and
invoicing.services computes them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api_base import OrgPrimaryKeyRelatedField
from accounts.models import Organization
from customers.models import Customer, Project
from invoicing.models import Invoice, InvoiceEmail, InvoiceLine, Payment, Product, TaxRate
from invoicing.selectors import invoice_actions_for
from invoicing.services import LineInput, product_name_taken, product_sku_taken

TIMESTAMPS = ("created_at", "updated_at")
MONEY = {"max_digits": 12, "decimal_places": 2}


class _OrgSerializerMixin:
    @property
    def organization(self) -> Organization:
        return self.context["organization"]  # type: ignore[attr-defined]

    @property
    def instance_id(self) -> int | None:
        return getattr(self.instance, "pk", None)  # type: ignore[attr-defined]


class ProductSerializer(_OrgSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ("id", "name", "sku", "type", "description", "unit_price", "taxable", "is_active", *TIMESTAMPS)
        read_only_fields = TIMESTAMPS

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
        fields = ("id", "name", "rate", "is_active", *TIMESTAMPS)
        read_only_fields = TIMESTAMPS

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("Give the tax rate a name.")
        clash = TaxRate.objects.for_org(self.organization).filter(name__iexact=value).exclude(pk=self.instance_id)
        if clash.exists():
            raise serializers.ValidationError(f"A tax rate named {value!r} already exists.")
        return value

    def validate_rate(self, value: Decimal) -> Decimal:
        if not 0 <= value <= 100:
            raise serializers.ValidationError("The rate is a percentage between 0 and 100.")
        return value


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ("id", "position", "product", "description", "quantity", "unit_price", "amount", "taxable")
        read_only_fields = fields


class LineInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, help_text=(
        "The stored line this item changes (its id stays). Without it the item is a new line."))
    delete = serializers.BooleanField(required=False, help_text="True removes the line named by `id`.")
    product = OrgPrimaryKeyRelatedField(queryset=Product.objects.all(), required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=4000,
                                        help_text="Defaults to the stored line's, else the product's name.")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, required=False,
                                        help_text="Required for a new line.")
    unit_price = serializers.DecimalField(**MONEY, required=False, help_text="Defaults to the product's price.")
    taxable = serializers.BooleanField(required=False, help_text="Defaults to the product's setting, else true.")


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ("id", "kind", "amount", "received_on", "method", "reference", "note", "created_at")
        read_only_fields = fields


SUMMARY_FIELDS = (
    "id", "number", "customer", "customer_name", "project", "status", "issue_date", "due_date",
    "subtotal", "tax_amount", "total", "amount_paid", "amount_refunded", "balance", "actions",
)


class InvoiceSummarySerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.display_name", read_only=True)
    actions = serializers.SerializerMethodField(help_text="Lifecycle actions you may perform now.")

    class Meta:
        model = Invoice
        fields = SUMMARY_FIELDS
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, invoice: Invoice) -> list[str]:
        return invoice_actions_for(invoice=invoice, role=self.context.get("role"))


class InvoiceDetailSerializer(InvoiceSummarySerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta(InvoiceSummarySerializer.Meta):
        fields = (*SUMMARY_FIELDS, "tax_rate", "tax_percent", "memo", "finalized_at", "sent_at", "voided_at",
                  "lines", "payments", *TIMESTAMPS)
        read_only_fields = fields


class InvoiceWriteSerializer(serializers.Serializer):
    """Input of create and update. Subtotal, tax, total, balance and payments are not accepted."""

    customer = OrgPrimaryKeyRelatedField(queryset=Customer.objects.all())
    project = OrgPrimaryKeyRelatedField(queryset=Project.objects.all(), required=False, allow_null=True)
    tax_rate = OrgPrimaryKeyRelatedField(queryset=TaxRate.objects.all(), required=False, allow_null=True)
    issue_date = serializers.DateField()
    due_date = serializers.DateField()
    memo = serializers.CharField(required=False, allow_blank=True)
    lines = LineInputSerializer(many=True, allow_empty=True)

    def validate_lines(self, items: list[dict[str, Any]]) -> list[LineInput]:
        """The invoice's complete list of lines after this request, for invoice_create/invoice_update.

        PUT and POST send every line: a stored line the list does not name is removed. PATCH sends
        changes: items with an `id` change (or, with `delete`, remove) that line, items without one are
        added at the end, and every line it does not name stays exactly as it is.
        """
        instance: Invoice | None = self.instance
        stored = {line.pk: line for line in instance.lines.select_related("product")} if instance else {}
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
                index, item = changes.get(line_id, (None, {}))
                if not item.get("delete"):
                    lines.append(_line_input(index, item, line))
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
        for name, default in (("customer", None), ("project", None), ("tax_rate", None), ("issue_date", None),
                              ("due_date", None), ("memo", "")):
            kwargs[name] = data[name] if name in data else getattr(instance, name, default)
        kwargs["lines"] = data["lines"] if "lines" in data else _line_inputs(instance)
        return kwargs


def _line_input(index: int | None, item: dict[str, Any], line: InvoiceLine | None) -> LineInput:
    """An item of the request over the stored line it names (None: a new line). What the item leaves out
    keeps the stored value; a new line, or a stored one given another product, takes the product's."""
    product: Product | None = item.get("product", line.product if line else None)
    from_product = product is not None and (line is None or product != line.product)
    if "unit_price" in item:
        unit_price = item["unit_price"]
    elif from_product:
        unit_price = product.unit_price
    elif line is not None:
        unit_price = line.unit_price
    else:
        raise serializers.ValidationError({str(index): {"unit_price": [
            "Give a unit price, or a product to take it from."]}})
    if "taxable" in item:
        taxable = item["taxable"]
    elif from_product:
        taxable = product.taxable
    else:
        taxable = line.taxable if line is not None else True
    description = item.get("description", line.description if line else "")
    return LineInput(description=description.strip(), quantity=item.get("quantity", line and line.quantity),
                     unit_price=unit_price, product=product, taxable=taxable, id=line.pk if line else None)


def _line_inputs(invoice: Invoice | None) -> list[LineInput]:
    """The stored lines as they are (a PATCH that does not touch `lines`)."""
    if invoice is None:
        return []
    return [_line_input(None, {}, line) for line in invoice.lines.select_related("product")]


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
