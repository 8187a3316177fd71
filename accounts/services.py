from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from accounts.models import Membership, Organization, OrgSequence


def sequence_next(*, organization: Organization, name: str) -> int:
    """Hand out the next number of a per-organization sequence; safe under concurrent writers."""
    with transaction.atomic():
        seq, _ = OrgSequence.objects.get_or_create(organization=organization, name=name)
        seq = OrgSequence.objects.select_for_update().get(pk=seq.pk)
        value = seq.next_value
        seq.next_value = value + 1
        seq.save(update_fields=["next_value"])
    return value


def organization_create(*, name: str, plan: str, slug: str | None = None) -> Organization:
    return Organization.objects.create(name=name, plan=plan, slug=slug or slugify(name)[:80])


def member_add(*, organization: Organization, username: str, role: str, password: str, email: str = "") -> Membership:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults={"email": email})
    if created:
        user.set_password(password)
        user.save()
    membership, _ = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    return membership


# What an organization prints on its invoices; the page's form and the API's serializer check the values
# (the model's validators, the logo's included) and hand them here.
BUSINESS_FIELDS = ("name", "address_line1", "address_line2", "city", "region", "postal_code", "country", "email",
                   "phone", "logo", "payment_instructions")


def organization_business_update(*, organization: Organization, **fields: object) -> Organization:
    unknown = set(fields) - set(BUSINESS_FIELDS)
    if unknown:
        raise ValueError(f"not business details: {sorted(unknown)}")
    # From the database: a bound ModelForm has already put its values on the instance.
    old_logo = Organization.objects.filter(pk=organization.pk).values_list("logo", flat=True).get() or ""
    for field, value in fields.items():
        # None (API) or False (the form's "clear" box) removes the logo
        setattr(organization, field, "" if value is None or value is False else value)
    organization.save()
    if old_logo and "logo" in fields and organization.logo.name != old_logo:
        organization.logo.storage.delete(old_logo)  # a replaced or removed logo leaves no file behind
    return organization


def organization_set_timezone(*, organization: Organization, timezone: str) -> Organization:
    organization.timezone = timezone
    organization.full_clean(validate_unique=False)
    organization.save(update_fields=["timezone"])
    return organization
