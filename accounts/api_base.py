"""What every API view shares: the caller's organization and role, capability checks, org-scoped
querysets and foreign keys, query-parameter parsing, and Django errors turned into 400s."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, cast

from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.deletion import ProtectedError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_tokens import HashedTokenAuthentication
from accounts.models import Membership, Organization
from accounts.permissions import can
from accounts.selectors import membership_for_request
from accounts.tenancy import OrgOwned

ORG_HEADER = "X-Organization"
READ_ACTIONS = ("list", "retrieve", "metadata")
WRITE_ACTIONS = ("create", "update", "partial_update", "destroy")


class ApiRequest(Request):
    """A DRF request after OrgAPIMixin.perform_authentication: the membership the call acts under, if any."""

    membership: Membership | None
    organization: Organization | None
    role: str | None


def request_membership(request: Request) -> Membership | None:
    """What OrgAPIMixin.perform_authentication attached (None: not a member, or not authenticated yet)."""
    membership = getattr(request, "membership", None)
    assert membership is None or isinstance(membership, Membership)
    return membership


def api_membership(request: Request) -> Membership | None:
    """The membership the call acts under: the one named by X-Organization, else the usual choice."""
    if not request.user.is_authenticated:
        return None
    slug = request.headers.get(ORG_HEADER, "").strip()
    if slug:
        return (Membership.objects.select_related("organization")
                .filter(user=request.user, organization__slug=slug).first())
    # DRF copies the token-authenticated user onto the Django request, so the selector the pages
    # use (session choice, else the first membership) gives the same answer for API callers.
    return membership_for_request(request._request)


def crud_capabilities(view: str, edit: str) -> dict[str, str | None]:
    return {**dict.fromkeys(READ_ACTIONS, view), **dict.fromkeys(WRITE_ACTIONS, edit)}


class HasOrgCapability(BasePermission):
    """A member of the organization whose role has the capability the view names for this action."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        membership = request_membership(request)
        if membership is None:
            raise PermissionDenied(_no_membership_message(request))
        if not _has_handler(view, request):
            return True  # let the view answer 405 Method Not Allowed
        capability = _capability_for(view)
        if capability is not None and not can(membership.role, capability):
            raise PermissionDenied(f"Your role ({membership.get_role_display()}) may not do this "
                                   f"({capability}).")
        return True


def _no_membership_message(request: Request) -> str:
    slug = request.headers.get(ORG_HEADER, "").strip()
    if slug:
        return f"You are not a member of the organization {slug!r} named in the {ORG_HEADER} header."
    return "Your account is not a member of any organization."


def _has_handler(view: APIView, request: Request) -> bool:
    if isinstance(view, viewsets.ViewSetMixin):
        return getattr(view, "action", None) is not None
    return hasattr(view, (request.method or "").lower())


def _capability_for(view: APIView) -> str | None:
    action = getattr(view, "action", None) or (view.request.method or "").lower()
    if action in ("options", "metadata"):
        return None  # describes the endpoint only; DRF's metadata asks each method's own permission
    if action == "head":
        action = "get"  # Django answers HEAD with the GET handler: the same capability
    try:
        return view.capabilities[action]  # type: ignore[attr-defined]
    except (AttributeError, KeyError):
        # Fail closed and loudly: an action nobody mapped to a capability is a programming error.
        raise ImproperlyConfigured(f"{type(view).__name__} maps no capability for {action!r}.") from None


def django_error_to_drf(exc: DjangoValidationError) -> ValidationError:
    """Field errors stay field errors; a message-only error (an illegal transition) becomes `detail`."""
    if hasattr(exc, "error_dict"):
        return ValidationError(serializers.as_serializer_error(exc))
    return ValidationError({"detail": " ".join(exc.messages)})


ORG_HEADER_PARAM = OpenApiParameter(
    ORG_HEADER, OpenApiTypes.STR, location=OpenApiParameter.HEADER, required=False,
    description="Slug of the organization to act in, for users in several; default: their first.",
)


class OrgAPIMixin(APIView):
    """Resolves the organization after authentication and answers Django validation errors with 400."""

    # Token first: DRF takes the first authenticator's challenge, so an anonymous call gets
    # 401 + `WWW-Authenticate: Token` (a hint how to sign in) instead of a bare 403.
    authentication_classes: Sequence[type[BaseAuthentication]] = [HashedTokenAuthentication, SessionAuthentication]
    permission_classes: Sequence[type[BasePermission]] = [IsAuthenticated, HasOrgCapability]
    # action (or HTTP method on a plain APIView) -> capability; None lets any member in.
    capabilities: ClassVar[dict[str, str | None]] = {}

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)
        membership = api_membership(request)
        if membership is not None and isinstance(request.user, User):
            membership.user = request.user  # the signed-in person it was looked up by: no query to read it back
        member = cast(ApiRequest, request)  # it becomes one here: the three lines below set what it declares
        member.membership = membership
        member.organization = membership.organization if membership else None
        member.role = membership.role if membership else None

    @property
    def membership(self) -> Membership:
        """The caller's membership; HasOrgCapability has refused every call without one."""
        membership = request_membership(self.request)
        assert membership is not None
        return membership

    @property
    def organization(self) -> Organization:
        return self.membership.organization

    @property
    def role(self) -> str:
        return self.membership.role

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError):
            exc = django_error_to_drf(exc)
        elif isinstance(exc, ValidationError) and isinstance(exc.detail, list):
            # A bare list (DRF's SearchFilter refusing a NUL character) becomes the documented shape.
            exc = ValidationError({"detail": " ".join(str(message) for message in exc.detail)})
        return super().handle_exception(exc)

    def get_serializer_context(self) -> dict[str, Any]:
        """GenericAPIView's context (request, format, view; a plain APIView has none) plus the caller's
        organization and role, which OrgPrimaryKeyRelatedField and the serializers read."""
        membership = request_membership(self.request)
        return {"request": self.request, "format": self.format_kwarg, "view": self,
                "organization": membership.organization if membership else None,
                "role": membership.role if membership else None}


@extend_schema(parameters=[ORG_HEADER_PARAM])
class OrgModelViewSet(OrgAPIMixin, viewsets.ModelViewSet):
    """CRUD on one org-owned model; every row read or written belongs to the caller's organization."""

    model: ClassVar[type[OrgOwned]]

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no organization
            return self.model.objects.none()
        return self.scope(self.model.objects.for_org(self.organization))

    def scope(self, queryset: models.QuerySet) -> models.QuerySet:
        """Filters and joins of the view; the organization filter is already applied."""
        return queryset

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        _save_or_400(serializer, organization=self.organization)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        _save_or_400(serializer)

    def perform_destroy(self, instance: models.Model) -> None:
        try:
            instance.delete()
        except ProtectedError as exc:
            users = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
            raise ValidationError({"detail": f"{instance} cannot be deleted: it is still used by "
                                             f"{', '.join(users)}."}) from None


def _save_or_400(serializer: serializers.BaseSerializer, **extra: object) -> None:
    # The serializer checks uniqueness first; the database constraint still catches a concurrent twin.
    try:
        with transaction.atomic():
            serializer.save(**extra)
    except IntegrityError:
        raise ValidationError({"detail": "This conflicts with a record saved a moment ago; reload and retry."}) from None


class OrgPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that accepts only rows of the caller's organization; others look nonexistent."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        queryset = super().get_queryset()  # the given queryset, unevaluated (not this class's org filter)
        if queryset is not None:
            name = queryset.model._meta.verbose_name
            self.error_messages["does_not_exist"] = f"There is no {name} with id {{pk_value}} in this organization."

    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()
        assert queryset is not None  # DRF asks only writable fields, and each of those is given a queryset
        organization = self.context.get("organization")
        return queryset.none() if organization is None else queryset.filter(organization=organization)


def bool_param(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ValidationError({name: [f"{raw!r} is not a boolean; use true or false."]})


def filter_active(queryset: models.QuerySet, request: Request) -> models.QuerySet:
    active = bool_param(request, "active")
    return queryset if active is None else queryset.filter(is_active=active)


ACTIVE_PARAM = OpenApiParameter("active", OpenApiTypes.BOOL, description="Only active (true) or inactive (false).")


def int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({name: [f"{raw!r} is not an id; give a whole number."]}) from None


def choice_param(request: Request, name: str, choices: Iterable[str]) -> str | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    allowed = list(choices)
    if raw not in allowed:
        raise ValidationError({name: [f"Unknown {name} {raw!r}; choose one of: {', '.join(allowed)}."]})
    return raw
