"""REST endpoints of the QuickBooks connection: status and preferences, connect URL, disconnect.

Never any token field: the serializers below name every field they emit.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import ORG_HEADER_PARAM, OrgAPIMixin, django_error_to_drf
from accounts.models import Organization
from accounts.permissions import can
from integrations.connection.api_company import (
    CompanyView,
    DepositAccountView,
    IncomeAccountsView,
    ProductIncomeAccountView,
    TaxCodeMappingsView,
)
from integrations.connection.api_method_terms import PaymentMethodsView, TermsView
from integrations.connection.api_numbers import InvoiceNumberLinkView, InvoiceNumberPrefixView, InvoiceNumbersView
from integrations.connection.oauth import ConnectError, connect_start, connection_disconnect
from integrations.connection.panel import Panel, quickbooks_panel
from integrations.connection.preferences import PREFERENCE_FIELDS, preferences_update
from integrations.connection.switch import switch_cancel, switch_confirm, switch_pending
from integrations.connection.views.common import PLAN_MESSAGE
from integrations.models import ConnectionStatus, InvoiceTrigger, SyncPreferences
from integrations.selectors import connection_live, preferences_for

TAGS = ["integrations"]


class PreferencesSerializer(serializers.ModelSerializer):
    invoice_trigger = serializers.ChoiceField(choices=InvoiceTrigger.choices)

    class Meta:
        model = SyncPreferences
        fields = list(PREFERENCE_FIELDS)


class QueueSerializer(serializers.Serializer):
    pending = serializers.IntegerField()
    # DRF's serializer metaclass takes declared fields off the class, so this never shadows
    # Serializer.errors at run time; the stubs cannot know that.
    errors = serializers.IntegerField()  # type: ignore[assignment]
    paused = serializers.IntegerField()


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[*ConnectionStatus.values, "never"])
    status_label = serializers.CharField()
    environment = serializers.CharField()
    environment_label = serializers.CharField()
    company_name = serializers.CharField(allow_blank=True)
    realm_id = serializers.CharField(allow_blank=True)
    company_url = serializers.CharField(allow_blank=True)
    connected_by = serializers.CharField(allow_null=True)
    connected_at = serializers.DateTimeField(allow_null=True)
    disconnected_at = serializers.DateTimeField(allow_null=True)
    last_sync_at = serializers.DateTimeField(allow_null=True)
    authorization_ends_at = serializers.DateTimeField(allow_null=True)
    expiry_warning = serializers.BooleanField()
    status_reason = serializers.CharField(allow_blank=True)
    queue = QueueSerializer()


class PendingSwitchSerializer(serializers.Serializer):
    company_name = serializers.CharField(allow_blank=True)
    realm_id = serializers.CharField()
    previous_company_name = serializers.CharField(allow_blank=True)
    previous_realm_id = serializers.CharField(allow_blank=True)
    expires_at = serializers.DateTimeField()


class QuickBooksSerializer(serializers.Serializer):
    plan_includes_integration = serializers.BooleanField()
    can_manage = serializers.BooleanField()
    connection = StatusSerializer()
    # A different company than the last one, authorized but not connected: POST switch/ to decide.
    pending_switch = PendingSwitchSerializer(allow_null=True)
    preferences = PreferencesSerializer()


class SwitchDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["confirm", "cancel"])


def _status(panel: Panel) -> dict[str, object]:
    conn = panel.connection
    return {
        "status": panel.status, "status_label": panel.status_label, "environment": panel.environment,
        "environment_label": panel.environment_label, "company_url": panel.company_url,
        "company_name": conn.company_name if conn else "", "realm_id": conn.realm_id if conn else "",
        "connected_by": conn.connected_by.get_username() if conn and conn.connected_by else None,
        "connected_at": conn.connected_at if conn else None,
        "disconnected_at": conn.disconnected_at if conn else None,
        "last_sync_at": conn.last_sync_at if conn else None,
        "authorization_ends_at": panel.authorization_ends_at, "expiry_warning": panel.expiry_warning,
        "status_reason": conn.status_reason if conn else "", "queue": panel.queue.__dict__,
    }


def _pending(organization: Organization) -> dict[str, object] | None:
    pending = switch_pending(organization=organization)
    if pending is None:
        return None
    new, old = pending.connection, pending.previous
    return {"company_name": new.company_name, "realm_id": new.realm_id,
            "previous_company_name": old.company_name if old else "", "previous_realm_id": old.realm_id if old else "",
            "expires_at": pending.expires_at}


def _body(organization: Organization, role: str) -> dict[str, object]:
    data = {
        "plan_includes_integration": organization.is_paid_plan,
        "can_manage": can(role, "integration.manage"),
        "connection": _status(quickbooks_panel(organization=organization)),
        "pending_switch": _pending(organization),
        "preferences": PreferencesSerializer(preferences_for(organization=organization)).data,
    }
    return QuickBooksSerializer(data).data


def _require_paid_plan(organization: Organization) -> None:
    if not organization.is_paid_plan:
        raise PermissionDenied(PLAN_MESSAGE)


class QuickBooksView(OrgAPIMixin, APIView):
    """The organization's QuickBooks connection status and sync preferences."""

    capabilities = {"get": "integration.view", "patch": "integration.manage"}

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], responses=QuickBooksSerializer)
    def get(self, request: Request) -> Response:
        return Response(_body(self.organization, self.role))

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], request=PreferencesSerializer,
                   responses=QuickBooksSerializer, summary="Change sync preferences (Owner)")
    def patch(self, request: Request) -> Response:
        _require_paid_plan(self.organization)
        serializer = PreferencesSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        unknown = sorted(set(request.data) - set(PREFERENCE_FIELDS)) if hasattr(request.data, "keys") else []
        if unknown:
            raise serializers.ValidationError({name: ["Unknown preference; nothing was saved."] for name in unknown})
        try:
            preferences_update(organization=self.organization, actor=self.membership.user,
                               changes=serializer.validated_data)
        except DjangoValidationError as exc:
            raise django_error_to_drf(exc) from None
        return Response(_body(self.organization, self.role))


class ConnectUrlView(OrgAPIMixin, APIView):
    """Start connecting: the Intuit authorization URL to open in the Owner's browser. The state in it
    works once, for 15 minutes, for this user and organization."""

    capabilities = {"post": "integration.manage"}

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], request=None, summary="Authorization URL (Owner)",
                   responses={200: inline_serializer("QuickBooksConnectUrl", {"authorize_url": serializers.URLField()}),
                              409: inline_serializer("QuickBooksConflict", {"detail": serializers.CharField()})})
    def post(self, request: Request) -> Response:
        _require_paid_plan(self.organization)
        # A session caller's browser follows the URL with that same session: bind the state to it.
        # A token caller has none (its browser's session is unknown to us), so the state binds to the
        # user and organization only.
        by_session = isinstance(request.successful_authenticator, SessionAuthentication)
        session_key = (request.session.session_key or "") if by_session else ""
        try:
            url = connect_start(organization=self.organization, user=self.membership.user,
                                session_key=session_key)
        except ConnectError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response({"authorize_url": url})


class DisconnectView(OrgAPIMixin, APIView):
    """Disconnect: revoke at Intuit (best effort), wipe tokens, pause syncing. Records and mappings stay."""

    capabilities = {"post": "integration.manage"}

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], request=None, summary="Disconnect (Owner)",
                   responses={200: inline_serializer("QuickBooksDisconnected", {
                       "revoked": serializers.BooleanField(), "detail": serializers.CharField(),
                       "connection": StatusSerializer()}),
                       409: inline_serializer("QuickBooksNothingConnected", {"detail": serializers.CharField()})})
    def post(self, request: Request) -> Response:
        organization = self.organization
        live = connection_live(organization=organization)
        if live is None:
            _require_paid_plan(self.organization)
            return Response({"detail": "No QuickBooks company is connected."}, status=status.HTTP_409_CONFLICT)
        # No plan check when something is connected: a downgraded organization may always cut the link.
        revoked = connection_disconnect(connection=live, actor=self.membership.user)
        detail = ("Disconnected; the tokens were revoked at Intuit." if revoked else
                  "Disconnected here and the tokens were wiped, but QuickBooks could not be told to revoke them.")
        return Response({"revoked": revoked, "detail": detail,
                         "connection": _status(quickbooks_panel(organization=organization))})


class SwitchView(OrgAPIMixin, APIView):
    """Decide a pending company switch: `confirm` connects the new company and queues its initial sync
    (match first, then create); `cancel` revokes its grant. Nothing reaches it before a confirm."""

    capabilities = {"post": "integration.manage"}

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], request=SwitchDecisionSerializer,
                   responses={200: QuickBooksSerializer, 409: inline_serializer(
                       "QuickBooksNoSwitch", {"detail": serializers.CharField()})},
                   summary="Confirm or cancel switching company (Owner)")
    def post(self, request: Request) -> Response:
        _require_paid_plan(self.organization)
        decision = SwitchDecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        organization = self.organization
        if decision.validated_data["decision"] == "cancel":
            if switch_cancel(organization=organization, user=self.membership.user) is None:
                return Response({"detail": "No company switch is waiting."}, status=status.HTTP_409_CONFLICT)
            return Response(_body(self.organization, self.role))
        try:
            switch_confirm(organization=organization, user=self.membership.user)
        except ConnectError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(_body(self.organization, self.role))


# Included by fsm/api_urls.py at "integrations/quickbooks/".
urlpatterns = [
    path("", QuickBooksView.as_view(), name="quickbooks"),
    path("connect-url/", ConnectUrlView.as_view(), name="quickbooks-connect-url"),
    path("disconnect/", DisconnectView.as_view(), name="quickbooks-disconnect"),
    path("switch/", SwitchView.as_view(), name="quickbooks-switch"),
    path("company/", CompanyView.as_view(), name="quickbooks-company"),
    path("tax-codes/", TaxCodeMappingsView.as_view(), name="quickbooks-tax-codes"),
    path("deposit-account/", DepositAccountView.as_view(), name="quickbooks-deposit-account"),
    path("income-accounts/", IncomeAccountsView.as_view(), name="quickbooks-income-accounts"),
    path("products/<int:product_id>/income-account/", ProductIncomeAccountView.as_view(),
         name="quickbooks-product-income-account"),
    path("payment-methods/", PaymentMethodsView.as_view(), name="quickbooks-payment-methods"),
    path("terms/", TermsView.as_view(), name="quickbooks-terms"),
    path("invoice-numbers/", InvoiceNumbersView.as_view(), name="quickbooks-invoice-numbers"),
    path("invoice-numbers/<int:clash_id>/link/", InvoiceNumberLinkView.as_view(), name="quickbooks-invoice-number-link"),
    path("invoice-numbers/prefix/", InvoiceNumberPrefixView.as_view(), name="quickbooks-invoice-number-prefix"),
]
