"""REST endpoints of Mappings: payment methods and terms (the page's tables): GET lists each local method or
number of days with what it is sent as and why; PATCH (Owner) chooses some, all or nothing."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from integrations.connection.api_company import AccountSerializer, MappingView, mapping_schema
from integrations.connection.method_terms import payment_methods_set, terms_set
from integrations.method_terms import BY_DAYS, BY_NAME, CHOICE, payment_method_rows, term_rows
from integrations.models import QuickBooksConnection

BY_HELP = ('"choice" = chosen here; "{implicit}" = none chosen, QuickBooks\' {what} (the default); "" = none '
           "chosen and none matches: sent without one.")


class MethodChoiceSerializer(serializers.Serializer):
    method = serializers.CharField(max_length=40, help_text="A payment method here (as the payment form or a "
                                                            "recorded payment names it).")
    qbo_payment_method = serializers.CharField(allow_blank=True, max_length=40,
                                               help_text='A PaymentMethod id of `qbo_payment_methods`; "" = none.')
    qbo_payment_method_name = serializers.CharField(read_only=True)
    matched_by = serializers.ChoiceField(choices=[CHOICE, BY_NAME, ""], read_only=True,
                                         help_text=BY_HELP.format(implicit=BY_NAME, what="method of the same name"))


class PaymentMethodsSerializer(serializers.Serializer):
    payment_methods = MethodChoiceSerializer(many=True, allow_empty=False)
    qbo_payment_methods = AccountSerializer(many=True, read_only=True,
                                            help_text="The company's PaymentMethods, as last read.")


class QboTermSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    days = serializers.CharField()


class TermChoiceSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=0, max_value=32767,
                                    help_text="A number of days invoices here are sent with.")
    qbo_term = serializers.CharField(allow_blank=True, max_length=40, help_text='A Term id of `qbo_terms`; "" = none.')
    qbo_term_name = serializers.CharField(read_only=True)
    matched_by = serializers.ChoiceField(choices=[CHOICE, BY_DAYS, ""], read_only=True,
                                         help_text=BY_HELP.format(implicit=BY_DAYS, what="Term of the same DueDays"))


class TermsSerializer(serializers.Serializer):
    terms = TermChoiceSerializer(many=True, allow_empty=False)
    qbo_terms = QboTermSerializer(many=True, read_only=True, help_text="The company's Terms with DueDays, as last read.")


@mapping_schema(response=PaymentMethodsSerializer, request=PaymentMethodsSerializer,
                summary="Choose the QuickBooks payment method per payment method (Owner)")
class PaymentMethodsView(MappingView):
    """Mappings: payments. The QBO PaymentMethod each payment method here is sent as; payments already in
    QuickBooks keep theirs."""

    body = PaymentMethodsSerializer

    def read(self, conn: QuickBooksConnection) -> dict[str, object]:
        rows = [{"method": r.local, "qbo_payment_method": r.qbo_id, "qbo_payment_method_name": r.qbo_name,
                 "matched_by": r.by} for r in payment_method_rows(connection=conn)]
        return PaymentMethodsSerializer({"payment_methods": rows, "qbo_payment_methods": conn.qbo_payment_methods}).data

    def write(self, conn: QuickBooksConnection, data: dict[str, Any]) -> None:
        payment_methods_set(connection=conn, choices=[(c["method"], c["qbo_payment_method"].strip())
                                                      for c in data["payment_methods"]])


@mapping_schema(response=TermsSerializer, request=TermsSerializer,
                summary="Choose the QuickBooks term per number of days (Owner)")
class TermsView(MappingView):
    """Mappings: terms. The QBO Term an invoice is sent with, per number of days; invoices already in
    QuickBooks keep theirs."""

    body = TermsSerializer

    def read(self, conn: QuickBooksConnection) -> dict[str, object]:
        rows = [{"days": int(r.local), "qbo_term": r.qbo_id, "qbo_term_name": r.qbo_name, "matched_by": r.by}
                for r in term_rows(connection=conn)]
        return TermsSerializer({"terms": rows, "qbo_terms": conn.qbo_terms}).data

    def write(self, conn: QuickBooksConnection, data: dict[str, Any]) -> None:
        terms_set(connection=conn, choices=[(c["days"], c["qbo_term"].strip()) for c in data["terms"]])
