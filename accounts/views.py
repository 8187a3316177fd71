"""Sign-in, sign-out, the organization switcher and the organization's settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import org_member_required
from accounts.forms import BusinessDetailsForm, OrganizationSettingsForm, OrganizationSwitchForm, SignInForm
from accounts.models import Membership
from accounts.permissions import can
from accounts.requests import OrgRequest, UserRequest
from accounts.selectors import SESSION_ORG_KEY, organization_logo_data_uri
from accounts.services import organization_business_update, organization_set_timezone


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), so a link or prefetch cannot sign anyone out."""


@login_required
@require_http_methods(["GET", "POST"])
def organization_switch(request: UserRequest) -> HttpResponse:
    form = OrganizationSwitchForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["organization"]
        request.session[SESSION_ORG_KEY] = chosen.pk
        messages.success(request, f"You are now working in {chosen.name}.")
        return redirect("dashboard")
    if request.method == "POST":
        messages.error(request, "Choose one of your organizations.")
    memberships = Membership.objects.filter(user=request.user).select_related("organization").order_by(
        "organization__name"
    )
    return render(request, "accounts/organization_switch.html", {"form": form, "memberships": memberships})


@org_member_required("organization.manage")
def business_details(request: OrgRequest) -> HttpResponse:
    """The business's name, address, logo and payment instructions, as its invoices print them."""
    org = request.organization
    form = BusinessDetailsForm(request.POST or None, request.FILES or None, instance=org)
    if request.method == "POST":
        if form.is_valid():
            changes = {field: form.cleaned_data[field] for field in form.changed_data if field != "remove_logo"}
            if form.cleaned_data["remove_logo"] and "logo" not in changes:
                changes["logo"] = None
            organization_business_update(organization=org, **changes)
            messages.success(request, "Business details saved; invoices print them from now on.")
            return redirect("business_details")
        org.refresh_from_db()  # the form's failed validation left its values on the instance
    return render(request, "accounts/business_details.html",
                  {"form": form, "logo_data_uri": organization_logo_data_uri(org)},
                  status=400 if request.method == "POST" else 200)


@org_member_required()
@require_http_methods(["GET", "POST"])
def organization_settings(request: OrgRequest) -> HttpResponse:
    """Every member sees the settings; Owners and Admins change them."""
    organization = request.organization
    can_manage = can(request.role, "organization.manage")
    form = OrganizationSettingsForm(request.POST or None, initial={"timezone": organization.timezone})
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Your role may not change the organization's settings (organization.manage).")
        if form.is_valid():
            organization_set_timezone(organization=organization, timezone=form.cleaned_data["timezone"])
            messages.success(request, f"Times are now shown in {organization.timezone}.")
            return redirect("organization_settings")
    return render(request, "accounts/organization_settings.html",
                  {"form": form, "can_manage": can_manage, "organization": organization})
