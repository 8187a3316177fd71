"""Token sign-in end to end, and choosing the organization with X-Organization."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.test import APIClient

from accounts.models import ApiToken, Membership, Organization, Role
from accounts.services import member_add
from customers.models import Customer
from tests.api.conftest import API
from tests.conftest import PASSWORD


def _token(username: str, password: str = PASSWORD) -> APIClient:
    response = APIClient().post(f"{API}/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def test_token_sign_in_end_to_end(org: Organization, member: Callable[[Organization, str], Membership],
                                  make_customer: Callable[..., Customer]) -> None:
    user = member(org, Role.DISPATCHER).user
    make_customer(org, "Jane Smith")
    response = APIClient().post(f"{API}/auth/token/", {"username": user.username, "password": PASSWORD},
                                format="json")
    assert response.status_code == 200
    body = response.json()
    assert ApiToken.objects.filter(user=user).count() == 1
    assert body["organizations"] == [{"slug": org.slug, "name": org.name, "plan": org.plan, "role": Role.DISPATCHER}]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    listed = client.get(f"{API}/customers/")
    assert listed.status_code == 200
    assert [row["display_name"] for row in listed.json()["results"]] == ["Jane Smith"]
    created = client.post(f"{API}/customers/", {"display_name": "Via token"}, format="json")
    assert created.status_code == 201
    assert Customer.objects.get(pk=created.json()["id"]).organization_id == org.pk


def test_wrong_password_gets_no_token(org: Organization, member: Callable[[Organization, str], Membership]) -> None:
    user = member(org, Role.OWNER).user
    response = APIClient().post(f"{API}/auth/token/", {"username": user.username, "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not ApiToken.objects.filter(user=user).exists()


def test_bad_token_is_401(db: None) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get(f"{API}/customers/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_x_organization_header_picks_the_org(org: Organization, other_org: Organization,
                                             make_customer: Callable[..., Customer]) -> None:
    member_add(organization=org, username="consultant", role=Role.TECHNICIAN, password=PASSWORD)
    member_add(organization=other_org, username="consultant", role=Role.OWNER, password=PASSWORD)
    make_customer(org, "In first org")
    make_customer(other_org, "In second org")
    client = _token("consultant")

    def names(**headers: str) -> list[str]:
        response = client.get(f"{API}/customers/", headers=headers)
        assert response.status_code == 200
        return [row["display_name"] for row in response.json()["results"]]

    assert names() == ["In first org"]  # default: the first membership
    assert names(**{"X-Organization": other_org.slug}) == ["In second org"]
    # The role is the one held in the chosen org: owner there, technician in the first.
    me = client.get(f"{API}/me/", headers={"X-Organization": other_org.slug}).json()
    assert (me["organization"]["slug"], me["organization"]["role"]) == (other_org.slug, Role.OWNER)
    assert client.post(f"{API}/customers/", {"display_name": "x"}, format="json").status_code == 403
    assert client.post(f"{API}/customers/", {"display_name": "x"}, format="json",
                       headers={"X-Organization": other_org.slug}).status_code == 201


def test_x_organization_of_a_stranger_org_is_403(org: Organization, other_org: Organization,
                                                 member: Callable[[Organization, str], Membership],
                                                 make_customer: Callable[..., Customer]) -> None:
    make_customer(other_org, "Secret")
    client = _token(member(org, Role.OWNER).user.username)
    response = client.get(f"{API}/customers/", headers={"X-Organization": other_org.slug})
    assert response.status_code == 403
    assert other_org.slug in response.json()["detail"]
    assert "Secret" not in response.content.decode()


def test_session_sign_in_also_works(org: Organization, member: Callable[[Organization, str], Membership],
                                   make_customer: Callable[..., Customer]) -> None:
    make_customer(org, "Jane Smith")
    client = APIClient()
    client.force_login(member(org, Role.TECHNICIAN).user)
    response = client.get(f"{API}/customers/")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_me_lists_what_the_role_may_do(org: Organization, member: Callable[[Organization, str], Membership]) -> None:
    client = _token(member(org, Role.DISPATCHER).user.username)
    me = client.get(f"{API}/me/").json()
    assert "invoice.finalize" in me["capabilities"]
    assert "invoice.void" not in me["capabilities"]
