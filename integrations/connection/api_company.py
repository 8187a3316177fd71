"""REST endpoints of the connected company's settings: what kind it is (re-read on demand) and the
mapping of local tax codes to its TaxCodes, and the account pushed payments are deposited to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import ORG_HEADER_PARAM, OrgAPIMixin, django_error_to_drf
from accounts.models import Organization
from integrations.connection.company import (
    company_reread,
    company_reread_failure,
    deposit_account_set,
    income_account_set,
    tax_code_map_set,
)
from integrations.connection.product_accounts import product_income_account_set, product_income_choice
from integrations.connection.views.common import PLAN_MESSAGE
from integrations.models import CompanyKind, QuickBooksConnection
from integrations.push.services import jobs_retry_unmapped_tax
from integrations.qbo.errors import QboError
from integrations.selectors import connection_live, income_account_rows, qbo_tax_code_choices, tax_code_rows
from invoicing.models import Product, ProductType, TaxCode

TAGS = ["integrations"]
class NotConnected(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "No QuickBooks company is connected."
    default_code = "not_connected"
CONFLICT = inline_serializer("QuickBooksCompanyConflict", {"detail": serializers.CharField()})


class CompanySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[*CompanyKind.values, ""], help_text='"" = not read yet')
    kind_label = serializers.CharField()
    country = serializers.CharField(allow_blank=True)
    allow_discount = serializers.BooleanField()
    custom_txn_numbers = serializers.BooleanField()
    multicurrency_enabled = serializers.BooleanField(help_text="CurrencyPrefs.MultiCurrencyEnabled")
    home_currency = serializers.CharField(allow_blank=True, help_text='CurrencyPrefs.HomeCurrency (ISO 4217); '
                                          'the organization is taken to bill in it. "" = not read yet')
    read_at = serializers.DateTimeField(allow_null=True)


class QboTaxCodeSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    rate = serializers.CharField()


class TaxCodeRowSerializer(serializers.Serializer):
    tax_code = serializers.IntegerField(source="tax_code_id")
    name = serializers.CharField()
    percent = serializers.DecimalField(max_digits=7, decimal_places=3)
    qbo_tax_code = serializers.CharField(source="qbo_id", allow_blank=True)
    qbo_tax_code_name = serializers.CharField(source="qbo_name", allow_blank=True)
    suggested = serializers.BooleanField()


class TaxCodeMappingsSerializer(serializers.Serializer):
    tax_codes = TaxCodeRowSerializer(many=True)
    qbo_tax_codes = QboTaxCodeSerializer(many=True)


class MappingChangeSerializer(serializers.Serializer):
    tax_code = serializers.IntegerField()
    qbo_tax_code = serializers.CharField(allow_blank=True, max_length=40)


class MappingChangesSerializer(serializers.Serializer):
    mappings = MappingChangeSerializer(many=True, allow_empty=False)


def live_or_409(organization: Organization) -> QuickBooksConnection:
    """The connected company these endpoints speak of; 409 when there is none."""
    live = connection_live(organization=organization)
    if live is None:
        raise NotConnected()
    return live


def live_for_writes(organization: Organization) -> QuickBooksConnection:
    if not organization.is_paid_plan:
        raise PermissionDenied(PLAN_MESSAGE)
    return live_or_409(organization)


def company_data(conn: QuickBooksConnection) -> dict[str, object]:
    return CompanySerializer({
        "kind": conn.company_kind, "kind_label": conn.get_company_kind_display() if conn.company_kind else "not read yet",
        "country": conn.company_country, "allow_discount": conn.allow_discount,
        "custom_txn_numbers": conn.custom_txn_numbers, "multicurrency_enabled": conn.multicurrency_enabled,
        "home_currency": conn.home_currency, "read_at": conn.company_read_at}).data


class MappingView(OrgAPIMixin, APIView):
    """One Mappings section: GET reads it; PATCH (Owner) validates `body`, applies it in one transaction (a bad
    choice saves none of the others) and answers with the section as it now is. Subclasses say how to read
    and write; `mapping_schema` documents them."""

    capabilities = {"get": "integration.view", "patch": "integration.manage"}
    body: type[serializers.Serializer]

    def read(self, conn: QuickBooksConnection) -> dict[str, object]:
        raise NotImplementedError

    def write(self, conn: QuickBooksConnection, data: dict[str, Any]) -> None:
        raise NotImplementedError

    # **kwargs: a section of one object (a product's income account) has its id in the URL (self.kwargs).
    def get(self, request: Request, **kwargs: Any) -> Response:
        return Response(self.read(live_or_409(self.organization)))

    def patch(self, request: Request, **kwargs: Any) -> Response:
        live = live_for_writes(self.organization)
        body = self.body(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                self.write(live, body.validated_data)
        except DjangoValidationError as exc:
            raise django_error_to_drf(exc) from None
        live.refresh_from_db()
        return Response(self.read(live))


def mapping_schema(*, response: type[serializers.Serializer], request: type[serializers.Serializer],
                   summary: str) -> Callable[[type[MappingView]], type[MappingView]]:
    """The OpenAPI description of a MappingView's GET and PATCH."""
    return extend_schema_view(
        get=extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], responses={200: response, 409: CONFLICT}),
        patch=extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], request=request, summary=summary,
                            responses={200: response, 400: CONFLICT, 409: CONFLICT}))


def _mappings(conn: QuickBooksConnection) -> dict[str, object]:
    return TaxCodeMappingsSerializer({"tax_codes": tax_code_rows(connection=conn),
                                      "qbo_tax_codes": qbo_tax_code_choices(connection=conn)}).data


class CompanyView(OrgAPIMixin, APIView):
    """The connected company's kind and flags; POST re-reads them from QuickBooks (Owner)."""

    capabilities = {"get": "integration.view", "post": "integration.manage"}

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], responses={200: CompanySerializer, 409: CONFLICT})
    def get(self, request: Request) -> Response:
        live = live_or_409(self.organization)
        return Response(company_data(live))

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], request=None, summary="Re-read company settings (Owner)",
                   responses={200: CompanySerializer, 409: CONFLICT})
    def post(self, request: Request) -> Response:
        live = live_for_writes(self.organization)
        try:
            conn = company_reread(connection=live)
        except (QboError, requests.RequestException) as exc:
            return Response({"detail": company_reread_failure(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(company_data(conn))


@mapping_schema(response=TaxCodeMappingsSerializer, request=MappingChangesSerializer, summary="Map tax codes (Owner)")
class TaxCodeMappingsView(MappingView):
    """Local tax codes and the QBO TaxCode each is sent as; PATCH sets some (all or nothing; "" unmaps)."""

    body = MappingChangesSerializer

    def read(self, conn: QuickBooksConnection) -> dict[str, object]:
        return _mappings(conn)

    def write(self, conn: QuickBooksConnection, data: dict[str, Any]) -> None:
        codes = {c.pk: c for c in TaxCode.objects.filter(organization=self.organization)}
        for change in data["mappings"]:
            local = codes.get(change["tax_code"])
            if local is None:
                raise DjangoValidationError({"mappings": [f"No tax code {change['tax_code']} here."]})
            tax_code_map_set(connection=conn, tax_code=local, qbo_id=change["qbo_tax_code"])
        jobs_retry_unmapped_tax(connection=conn)


class AccountSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class DepositAccountSerializer(serializers.Serializer):
    deposit_account = serializers.CharField(
        allow_blank=True, max_length=40,
        help_text='Where pushed payments are deposited: "" = QuickBooks\' default (Undeposited Funds), or the id '
                  "of one of `accounts`.")
    accounts = AccountSerializer(many=True, read_only=True, help_text="Undeposited Funds and the bank accounts, "
                                                                      "as last read from the company.")


def _deposit(conn: QuickBooksConnection) -> dict[str, object]:
    return DepositAccountSerializer({"deposit_account": conn.deposit_account_id,
                                     "accounts": conn.qbo_deposit_accounts}).data


@mapping_schema(response=DepositAccountSerializer, request=DepositAccountSerializer,
                summary="Choose the deposit account of pushed payments (Owner)")
class DepositAccountView(MappingView):
    """Mappings: payments. The account pushed payments are deposited to; PATCH chooses it (Owner)."""

    body = DepositAccountSerializer

    def read(self, conn: QuickBooksConnection) -> dict[str, object]:
        return _deposit(conn)

    def write(self, conn: QuickBooksConnection, data: dict[str, Any]) -> None:
        deposit_account_set(connection=conn, account_id=data["deposit_account"].strip())


class IncomeAccountChoiceSerializer(serializers.Serializer):
    product_type = serializers.ChoiceField(choices=ProductType.choices)
    account = serializers.CharField(allow_blank=True, max_length=40, help_text='"" = the default account')


class IncomeAccountsSerializer(serializers.Serializer):
    income_accounts = IncomeAccountChoiceSerializer(many=True, allow_empty=False)
    accounts = AccountSerializer(many=True, read_only=True, help_text="The company's Income accounts, as last read.")


def _income(conn: QuickBooksConnection) -> dict[str, object]:
    rows = [{"product_type": row.product_type, "account": row.account_id}
            for row in income_account_rows(connection=conn)]
    return IncomeAccountsSerializer({"income_accounts": rows, "accounts": conn.qbo_income_accounts}).data


@mapping_schema(response=IncomeAccountsSerializer, request=IncomeAccountsSerializer,
                summary="Choose the income account per product type (Owner)")
class IncomeAccountsView(MappingView):
    """Mappings: products. The Income account each product type's items post their sales to; PATCH sets
    some (all or nothing; Owner)."""

    body = IncomeAccountsSerializer

    def read(self, conn: QuickBooksConnection) -> dict[str, object]:
        return _income(conn)

    def write(self, conn: QuickBooksConnection, data: dict[str, Any]) -> None:
        for choice in data["income_accounts"]:
            income_account_set(connection=conn, product_type=choice["product_type"], account_id=choice["account"].strip())


class ProductIncomeAccountSerializer(serializers.Serializer):
    account = serializers.CharField(allow_blank=True, max_length=40,
                                    help_text='The Income account this product\'s sales post to: "" = its type\'s default, '
                                              "or the id of one of `accounts`.")
    type_default = serializers.CharField(read_only=True, help_text="The account its type posts to "
                                         '("" = the company default, looked up on the first push).')
    type_default_name = serializers.CharField(read_only=True)
    accounts = AccountSerializer(many=True, read_only=True, help_text="The company's Income accounts, as last read.")


@mapping_schema(response=ProductIncomeAccountSerializer, request=ProductIncomeAccountSerializer,
                summary="Choose one product's income account (Owner)")
class ProductIncomeAccountView(MappingView):
    """Mappings: products, one product: the Income account its sales post to instead of its type's; PATCH
    chooses it ("" = the type's default) and queues the product's push (Owner)."""

    body = ProductIncomeAccountSerializer

    def _product(self) -> Product:
        return get_object_or_404(Product.objects.for_org(self.organization), pk=self.kwargs["product_id"])

    def read(self, conn: QuickBooksConnection) -> dict[str, object]:
        choice = product_income_choice(connection=conn, product=self._product())
        return ProductIncomeAccountSerializer({"account": choice.account_id, "type_default": choice.type_default_id,
                                               "type_default_name": choice.type_default_name,
                                               "accounts": conn.qbo_income_accounts}).data

    def write(self, conn: QuickBooksConnection, data: dict[str, Any]) -> None:
        product_income_account_set(connection=conn, product=self._product(), account_id=data["account"].strip())
