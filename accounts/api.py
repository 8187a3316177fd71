"""API sign-in (a token for username and password) and who the caller is acting as."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.files import File
from django.core.validators import FileExtensionValidator
from django.utils import timezone
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import ORG_HEADER, ORG_HEADER_PARAM, OrgAPIMixin
from accounts.api_tokens import api_token_issue
from accounts.backends import LOCKED_ATTR
from accounts.forms import lockout_message
from accounts.models import LOGO_EXTENSIONS, Membership, Organization
from accounts.permissions import CAPABILITIES, can
from accounts.services import organization_business_update
from accounts.validators import validate_logo


class MembershipSerializer(serializers.Serializer):
    slug = serializers.CharField(source="organization.slug")
    name = serializers.CharField(source="organization.name")
    plan = serializers.CharField(source="organization.plan")
    role = serializers.CharField()


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    organizations = MembershipSerializer(many=True, help_text=f"Pick one per call with the {ORG_HEADER} header.")


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    organization = MembershipSerializer(help_text="The membership this call acted under.")
    capabilities = serializers.ListField(child=serializers.CharField())
    organizations = MembershipSerializer(many=True)


def _memberships(user: User) -> list[Membership]:
    return list(Membership.objects.select_related("organization").filter(user=user).order_by("id"))


class TokenView(ObtainAuthToken):
    """Exchange username and password for a new token to send as `Authorization: Token <key>`. It expires
    after FSM_API_TOKEN_TTL_HOURS and when the password changes."""

    # No session or token is needed to sign in, and none should trigger CSRF checks here.
    authentication_classes = ()
    # The sign-in throttle answers 429 from inside post() (accounts/throttle.py), not as a DRF throttle.
    error_responses = {"429": "Too many failed sign-ins; `Retry-After` says when to try again."}

    @extend_schema(tags=["auth"], auth=[], responses=TokenResponseSerializer)
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            locked = getattr(request, LOCKED_ATTR, None)
            if locked is not None:  # the sign-in throttle refused it (accounts/throttle.py)
                retry_after = max(1, int((locked - timezone.now()).total_seconds()))
                return Response({"detail": lockout_message(locked)}, status=status.HTTP_429_TOO_MANY_REQUESTS,
                                headers={"Retry-After": str(retry_after)})
            # Answered, not raised: DRF rolls back the request's transaction on an exception, and the
            # failed sign-in the throttle just counted must stay counted.
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user = serializer.validated_data["user"]
        key = api_token_issue(user=user)
        organizations = MembershipSerializer(_memberships(user), many=True).data
        response = Response({"token": key, "organizations": organizations})
        patch_cache_control(response, no_store=True, private=True)  # the key is shown this once: no cache keeps it
        return response


class MeView(OrgAPIMixin, APIView):
    """The signed-in user, the organization and role this call acts under, and what that role may do."""

    capabilities = {"get": None}  # any member may ask who they are

    @extend_schema(tags=["auth"], parameters=[ORG_HEADER_PARAM], responses=MeSerializer)
    def get(self, request: Request) -> Response:
        data = {
            "username": request.user.get_username(),
            "organization": self.membership,
            "capabilities": [cap for cap in CAPABILITIES if can(self.role, cap)],
            "organizations": _memberships(self.membership.user),
        }
        return Response(MeSerializer(data).data)


class BusinessDetailsSerializer(serializers.ModelSerializer):
    """The model's validators (the logo's type and size included) are the page's rules too."""

    logo = serializers.FileField(required=False, allow_null=True, write_only=True,
                                 help_text="PNG, JPEG or GIF up to 1 MB (multipart upload); null removes it.")
    has_logo = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ("name", "address_line1", "address_line2", "city", "region", "postal_code", "country", "email",
                  "phone", "logo", "has_logo", "payment_instructions")

    def get_has_logo(self, organization: Organization) -> bool:
        return bool(organization.logo)

    def validate_logo(self, value: File | None) -> File | None:
        if value is not None:
            FileExtensionValidator(LOGO_EXTENSIONS)(value)
            validate_logo(value)
        return value


class BusinessDetailsView(OrgAPIMixin, APIView):
    """What the organization prints on its invoices: any member reads, Owners and Admins change it."""

    capabilities = {"get": None, "head": None, "options": None, "patch": "organization.manage"}
    parser_classes = [JSONParser, MultiPartParser]  # JSON like every API body; multipart only to upload the logo

    @extend_schema(tags=["organization"], parameters=[ORG_HEADER_PARAM], responses=BusinessDetailsSerializer)
    def get(self, request: Request) -> Response:
        return Response(BusinessDetailsSerializer(self.organization).data)

    @extend_schema(tags=["organization"], parameters=[ORG_HEADER_PARAM], request=BusinessDetailsSerializer,
                   responses=BusinessDetailsSerializer)
    def patch(self, request: Request) -> Response:
        serializer = BusinessDetailsSerializer(self.organization, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        organization = organization_business_update(organization=self.organization, **serializer.validated_data)
        return Response(BusinessDetailsSerializer(organization).data)
