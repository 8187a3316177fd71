"""Sign-in, sign-out, the organization switcher, and a user with no organization."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Organization, Role
from accounts.selectors import SESSION_ORG_KEY
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_in_lands_on_dashboard(org: Organization, member: Callable[[Organization, str], Membership],
                                    client: Client) -> None:
    membership = member(org, Role.DISPATCHER)
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": membership.user.username, "password": PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    html = response.content.decode()
    assert "Acme Heating" in html and "Dispatcher" in html and "Sign out" in html


def test_wrong_password_shows_error(org: Organization, member: Callable[[Organization, str], Membership],
                                    client: Client) -> None:
    membership = member(org, Role.OWNER)
    response = client.post(reverse("login"), {"username": membership.user.username, "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post(owner_client: Client) -> None:
    assert owner_client.get(reverse("logout")).status_code == 405
    response = owner_client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert owner_client.get(reverse("dashboard")).status_code == 302


def test_user_without_organization_sees_a_message(client: Client) -> None:
    user = get_user_model().objects.create_user("loner", password=PASSWORD)
    client.force_login(user)
    for url in (reverse("dashboard"), reverse("invoicing:invoice_list"), reverse("customers:list")):
        response = client.get(url)
        assert response.status_code == 403
        assert "not part of an organization" in response.content.decode()


def test_switch_organization(org: Organization, other_org: Organization,
                             member: Callable[[Organization, str], Membership], client: Client) -> None:
    user = member(org, Role.OWNER).user
    Membership.objects.create(user=user, organization=other_org, role=Role.TECHNICIAN)
    client.force_login(user)
    switch_page = client.get(reverse("organization_switch")).content.decode()
    assert "Rival Plumbing" in switch_page and "Technician" in switch_page

    response = client.post(reverse("organization_switch"), {"organization": other_org.pk}, follow=True)

    assert client.session[SESSION_ORG_KEY] == other_org.pk
    assert response.context["current_org"] == other_org
    assert response.context["current_role"] == Role.TECHNICIAN


def test_cannot_switch_to_an_organization_you_do_not_belong_to(org: Organization, other_org: Organization,
                                                                owner_client: Client) -> None:
    response = owner_client.post(reverse("organization_switch"), {"organization": other_org.pk}, follow=True)
    assert SESSION_ORG_KEY not in owner_client.session
    assert response.context["current_org"] == org
    assert "Choose one of your organizations." in response.content.decode()
