"""REST endpoints of the push queue, with the pages' role rules: read with integration.view, act
(Retry, Sync All Pending, per-invoice sync) with invoice.sync. Another organization's ids are 404.

Included by fsm/api_urls.py at the API root: the queue and the log live under
integrations/quickbooks/, the per-invoice sync under invoices/{id}/sync/.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import ORG_HEADER_PARAM, OrgAPIMixin, choice_param
from integrations.models import JobState, ObjectType, SyncAttempt, SyncJob
from integrations.models.jobs import OPEN_STATES
from integrations.push.ast_tax import invoice_take_qbo_tax, qbo_tax_state
from integrations.push.display import object_labels, qbo_record_url
from integrations.push.log import OUTCOME_CHOICES, SyncLogFilterForm, sync_log
from integrations.push.selectors import invoice_sync_action, queue_banner
from integrations.push.services import invoice_sync_request, job_retry, jobs_sync_all_pending
from integrations.push.views import sync_all_notice
from integrations.selectors import connection_active
from invoicing.models import Invoice
from invoicing.validators import invoice_tax_override_check

TAGS = ["integrations"]
NOT_CONNECTED = "QuickBooks is not connected, so nothing can run; reconnect first."


class _Labelled(serializers.Serializer):
    """Adds the object's name and local page; the view puts the labels of a whole page in the context."""

    object_label = serializers.SerializerMethodField()
    object_url = serializers.SerializerMethodField()

    def _label(self, obj: Any) -> Any:
        labels = self.context.get("labels") or object_labels(
            organization=self.context["organization"], keys=[(obj.object_type, obj.local_id)])
        return labels[(obj.object_type, obj.local_id)]

    def get_object_label(self, obj: Any) -> str:
        return self._label(obj).label

    def get_object_url(self, obj: Any) -> str:
        return self._label(obj).url


class SyncJobSerializer(_Labelled, serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = SyncJob
        fields = ["id", "object_type", "local_id", "object_label", "object_url", "operation", "state",
                  "state_label", "attempts", "next_attempt_at", "last_error", "last_error_hint", "last_fault_code",
                  "created_at", "updated_at", "finished_at"]
        read_only_fields = fields


class SyncAttemptSerializer(_Labelled, serializers.ModelSerializer):
    qbo_url = serializers.SerializerMethodField()

    class Meta:
        model = SyncAttempt
        fields = ["id", "object_type", "local_id", "object_label", "object_url", "operation", "outcome",
                  "http_status", "fault_code", "intuit_tid", "message", "qbo_id", "qbo_url", "started_at",
                  "duration_ms", "job"]
        read_only_fields = fields

    def get_qbo_url(self, obj: SyncAttempt) -> str:
        return qbo_record_url(realm_id=obj.connection.realm_id, object_type=obj.object_type, qbo_id=obj.qbo_id)


class SyncActionSerializer(serializers.Serializer):
    # DRF's serializer metaclass takes declared fields off the class, so these never shadow Field.label or
    # Serializer.errors at run time; the stubs cannot know that.
    label = serializers.CharField()  # type: ignore[assignment]
    enabled = serializers.BooleanField()
    kind = serializers.CharField()
    tooltip = serializers.CharField(allow_blank=True)
    qbo_id = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_blank=True)


class BannerSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["empty", "queued", "pending", "errors", "paused", "not_connected"])
    queued = serializers.IntegerField()
    pending_retry = serializers.IntegerField()
    next_retry_at = serializers.DateTimeField(allow_null=True)
    errors = serializers.IntegerField(source="error_count")  # type: ignore[assignment]  # see SyncActionSerializer
    paused = serializers.IntegerField()
    paused_reason = serializers.CharField(allow_blank=True)


class _LabelledList(OrgAPIMixin, generics.ListAPIView):
    """A paginated list whose rows name their objects: one label query per object type per page."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        labels = object_labels(organization=self.organization,
                               keys=[(r.object_type, r.local_id) for r in rows])
        data = self.get_serializer_class()(rows, many=True, context={**self.get_serializer_context(),
                                                                     "labels": labels}).data
        return self.get_paginated_response(data) if page is not None else Response(data)


STATE_PARAM = OpenApiParameter(
    "state", OpenApiTypes.STR, enum=[*JobState.values, "open", "all"],
    description="Only jobs in this state; default `open` (everything not done), `all` includes done jobs.")


class QueueListView(_LabelledList):
    """The sync queue: the organization's push jobs, most recently changed first."""

    capabilities = {"get": "integration.view"}
    serializer_class = SyncJobSerializer

    def get_queryset(self) -> QuerySet[SyncJob]:
        if getattr(self, "swagger_fake_view", False):
            return SyncJob.objects.none()
        state = choice_param(self.request, "state", [*JobState.values, "open", "all"]) or "open"
        qs = SyncJob.objects.filter(connection__organization=self.organization)
        if state == "open":
            qs = qs.filter(state__in=OPEN_STATES)
        elif state != "all":
            qs = qs.filter(state=state)
        return qs.order_by("-updated_at", "-id")

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM, STATE_PARAM])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class QueueSummaryView(OrgAPIMixin, APIView):
    """What the QuickBooks page's queue banner shows: its state, counts and next retry time."""

    capabilities = {"get": "integration.view"}

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], responses=BannerSerializer)
    def get(self, request: Request) -> Response:
        banner = queue_banner(organization=self.organization)
        return Response(BannerSerializer({**banner.__dict__, "error_count": len(banner.errors)}).data)


class QueueRetryView(OrgAPIMixin, APIView):
    """Retry one failed item now, with fresh attempts (even inside its backoff window)."""

    capabilities = {"post": "invoice.sync"}

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], request=None, summary="Retry one item",
                   responses={200: SyncJobSerializer,
                              409: inline_serializer("QueueNotConnected", {"detail": serializers.CharField()})})
    def post(self, request: Request, pk: int) -> Response:
        organization = self.organization
        if not SyncJob.objects.filter(connection__organization=organization, pk=pk).exists():
            raise NotFound("No sync item with this id in this organization.")
        try:
            job = job_retry(organization=organization, job_id=pk)
        except (DjangoPermissionDenied, SyncJob.DoesNotExist):
            # The service's words for "not connected" (or an item of an earlier, disconnected link).
            return Response({"detail": NOT_CONNECTED}, status=status.HTTP_409_CONFLICT)
        return Response(SyncJobSerializer(job, context={"organization": organization}).data)


class SyncAllPendingView(OrgAPIMixin, APIView):
    """Run now every item that is queued or due; items still in backoff keep their schedule and failed
    items wait for their own Retry."""

    capabilities = {"post": "invoice.sync"}

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], request=None, summary="Sync All Pending",
                   responses={200: inline_serializer("SyncAllPending", {
                       "queued": serializers.IntegerField(), "detail": serializers.CharField(),
                       "queue": BannerSerializer()}),
                       409: inline_serializer("SyncAllNotConnected", {"detail": serializers.CharField()})})
    def post(self, request: Request) -> Response:
        organization = self.organization
        connection = connection_active(organization=organization)
        if connection is None:
            return Response({"detail": NOT_CONNECTED}, status=status.HTTP_409_CONFLICT)
        count = jobs_sync_all_pending(connection=connection)
        banner = queue_banner(organization=organization)
        return Response({"queued": count, "detail": sync_all_notice(count, connection),
                         "queue": BannerSerializer({**banner.__dict__, "error_count": len(banner.errors)}).data})


LOG_PARAMS = [
    OpenApiParameter("outcome", OpenApiTypes.STR, enum=[v for v, _ in OUTCOME_CHOICES if v],
                     description="`succeeded`, `failed`, or one outcome."),
    OpenApiParameter("object_type", OpenApiTypes.STR, description="customer, item, invoice, project or payment."),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="From this local day (included)."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Up to this local day (included)."),
]


class SyncLogView(_LabelledList):
    """The sync log: every attempt against QuickBooks (30 days), newest first."""

    capabilities = {"get": "integration.view"}
    serializer_class = SyncAttemptSerializer

    def get_queryset(self) -> QuerySet[SyncAttempt]:
        if getattr(self, "swagger_fake_view", False):
            return SyncAttempt.objects.none()
        form = SyncLogFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError({name: [str(message) for message in errors] for name, errors in form.errors.items()})
        return sync_log(organization=self.organization, **form.filters())

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM, *LOG_PARAMS])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class InvoiceSyncView(OrgAPIMixin, APIView):
    """The per-invoice action: Sync to QuickBooks / Force re-sync / Retry / Create in QuickBooks again, as on
    the invoice page."""

    capabilities = {"post": "invoice.sync"}

    @extend_schema(tags=["invoices"], parameters=[ORG_HEADER_PARAM], request=None, summary="Sync to QuickBooks",
                   responses={202: inline_serializer("InvoiceSyncQueued", {
                       "job": SyncJobSerializer(), "action": SyncActionSerializer()}),
                       400: inline_serializer("InvoiceSyncRefused", {"detail": serializers.CharField()})})
    def post(self, request: Request, pk: int) -> Response:
        invoice = Invoice.objects.for_org(self.organization).filter(pk=pk).first()
        if invoice is None:
            raise NotFound("No invoice with this id in this organization.")
        job = invoice_sync_request(invoice=invoice, actor=self.membership.user)  # a refusal (ValidationError) answers 400 via the mixin
        action = invoice_sync_action(invoice=invoice)
        return Response({"job": SyncJobSerializer(job, context={"organization": self.organization}).data,
                         "action": SyncActionSerializer(action.__dict__).data}, status=status.HTTP_202_ACCEPTED)


class TaxTakeInputSerializer(serializers.Serializer):
    expected = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, min_value=Decimal(0),
        help_text="QuickBooks' tax as you were shown it; when QuickBooks' figure changed since, nothing is taken.")


class TaxTakenSerializer(serializers.Serializer):
    tax_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax_override = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax_override_source = serializers.CharField()
    job = SyncJobSerializer(allow_null=True)


class QboTaxStateSerializer(serializers.Serializer):
    qbo_total_tax = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True,
                                             help_text="QuickBooks' tax as last pushed; null when it has none.")
    tax_amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Ours.")
    can_take = serializers.BooleanField(help_text="You may take QuickBooks' tax now (POST).")
    why_not = serializers.CharField(allow_blank=True)


class InvoiceQboTaxView(OrgAPIMixin, APIView):
    """US automated sales tax. GET: QuickBooks' tax of the invoice beside ours, and whether you may take it.
    POST: make QuickBooks' tax this invoice's (totals follow) and queue its update in QuickBooks. Only before
    the invoice is sent; refused plainly (400) when sent, paid, void or a draft, or when QuickBooks has no
    figure for it. Roles that may not change a finalized invoice get 403."""

    capabilities = {"get": "invoice.view", "post": "invoice.view"}  # the invoice rule decides the POST

    def _invoice(self, pk: int) -> Invoice:
        invoice = Invoice.objects.for_org(self.organization).filter(pk=pk).first()
        if invoice is None:
            raise NotFound("No invoice with this id in this organization.")
        return invoice

    @extend_schema(tags=["invoices"], parameters=[ORG_HEADER_PARAM], summary="QuickBooks' tax beside ours",
                   responses={200: QboTaxStateSerializer})
    def get(self, request: Request, pk: int) -> Response:
        state = qbo_tax_state(invoice=self._invoice(pk), role=self.role)
        return Response(QboTaxStateSerializer(state.__dict__).data)

    @extend_schema(tags=["invoices"], parameters=[ORG_HEADER_PARAM], request=TaxTakeInputSerializer,
                   summary="Use QuickBooks' tax", responses={200: TaxTakenSerializer})  # 400/403/404: FsmAutoSchema
    def post(self, request: Request, pk: int) -> Response:
        invoice = self._invoice(pk)
        body = TaxTakeInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            invoice_tax_override_check(invoice=invoice, role=self.role)  # refusal 400 via the mixin
        except DjangoPermissionDenied as exc:  # DRF would answer its generic sentence, not the rule's
            raise PermissionDenied(str(exc)) from None
        saved = invoice_take_qbo_tax(invoice=invoice, user=self.membership.user,
                                     expected=body.validated_data.get("expected"))
        job = SyncJob.objects.filter(connection__organization=self.organization, object_type=ObjectType.INVOICE,
                                     local_id=saved.pk, state__in=OPEN_STATES).first()
        data = {"tax_amount": saved.tax_amount, "total": saved.total, "balance": saved.balance,
                "tax_override": saved.tax_override, "tax_override_source": saved.tax_override_source,
                "job": job}
        return Response(TaxTakenSerializer(data, context={"organization": self.organization}).data)


# Included by fsm/api_urls.py at the API root.
urlpatterns = [
    path("integrations/quickbooks/queue/", QueueListView.as_view(), name="quickbooks-queue"),
    path("integrations/quickbooks/queue/summary/", QueueSummaryView.as_view(), name="quickbooks-queue-summary"),
    path("integrations/quickbooks/queue/sync-all-pending/", SyncAllPendingView.as_view(),
         name="quickbooks-queue-sync-all-pending"),
    path("integrations/quickbooks/queue/<int:pk>/retry/", QueueRetryView.as_view(), name="quickbooks-queue-retry"),
    path("integrations/quickbooks/sync-log/", SyncLogView.as_view(), name="quickbooks-sync-log"),
    path("invoices/<int:pk>/sync/", InvoiceSyncView.as_view(), name="invoice-sync"),
    path("invoices/<int:pk>/quickbooks-tax/", InvoiceQboTaxView.as_view(), name="invoice-quickbooks-tax"),
]
