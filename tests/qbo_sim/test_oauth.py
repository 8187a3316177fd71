"""OAuth 2.0 against the simulator with the unmodified intuit-oauth AuthClient."""

from __future__ import annotations

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from quickbooks.exceptions import AuthorizationException
from quickbooks.objects.customer import Customer

from qbo_sim import testing
from qbo_sim.testing import SimControl, SimulatorProcess

DISCOVERY_KEYS = ("authorization_endpoint", "token_endpoint", "revocation_endpoint", "issuer", "jwks_uri",
                  "userinfo_endpoint")


def _connect(sim: SimulatorProcess, **kw: str) -> tuple[AuthClient, dict[str, str]]:
    client = testing.make_auth_client(sim.url)
    url = client.get_authorization_url([Scopes.ACCOUNTING, Scopes.OPENID, Scopes.EMAIL], state_token="csrf-1")
    callback = testing.authorize(sim.url, auth_url=url, **kw)
    return client, callback


def test_discovery_points_at_the_simulator(sim: SimulatorProcess) -> None:
    for path in ("openid_sandbox_configuration", "openid_configuration"):
        doc = requests.get(f"{sim.url}/.well-known/{path}", timeout=5).json()
        assert all(doc[key].startswith(sim.url) for key in DISCOVERY_KEYS)


def test_code_exchange_userinfo_and_id_token(sim: SimulatorProcess, control: SimControl) -> None:
    client, callback = _connect(sim, new_company="Brightwater HVAC")
    assert callback["state"] == "csrf-1" and callback["code"] and callback["realmId"]
    client.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    assert client.access_token and client.refresh_token.startswith("RT1-")
    assert client.expires_in == 3600 and client.x_refresh_token_expires_in == 8726400
    assert client.id_token, "id_token must verify against the JWKS (iss, aud list, RS256)"
    assert client.get_user_info().json()["email"] == "dev@example.com"
    assert any(c["name"] == "Brightwater HVAC" for c in control.companies())
    qb = testing.make_qb_client(sim.url, callback["realmId"], client.access_token, client.refresh_token)
    assert Customer.count(qb=qb) == 0


def test_authorize_existing_company_and_cancel(sim: SimulatorProcess, realm: str) -> None:
    _, callback = _connect(sim, realm_id=realm)
    assert callback["realmId"] == realm
    _, denied = _connect(sim, action="cancel")
    assert denied == {"error": "access_denied", "state": "csrf-1"}


def test_authorize_page_has_stable_element_ids(sim: SimulatorProcess) -> None:
    html = requests.get(f"{sim.url}/connect/oauth2", params={
        "client_id": "sim-client-id", "response_type": "code", "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": "http://127.0.0.1:9/cb", "state": "s"}, timeout=5).text
    for needle in ('id="email"', 'name="realm"', 'name="new_company"', 'name="action" value="authorize"',
                   'name="action" value="cancel"'):
        assert needle in html


def test_code_works_once_and_second_exchange_revokes_first_tokens(sim: SimulatorProcess) -> None:
    client, callback = _connect(sim)
    client.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    first_access = client.access_token
    replay = testing.make_auth_client(sim.url)
    with pytest.raises(AuthClientError) as err:
        replay.get_bearer_token(callback["code"])
    assert err.value.status_code == 400 and b"invalid_grant" in err.value.content
    assert err.value.intuit_tid  # every response carries intuit_tid
    qb = testing.make_qb_client(sim.url, callback["realmId"], first_access)
    with pytest.raises(AuthorizationException) as auth_err:
        Customer.count(qb=qb)
    assert auth_err.value.error_code == 401


def test_refresh_rotation_and_invalid_grant_on_superseded(sim: SimulatorProcess, control: SimControl) -> None:
    client, callback = _connect(sim)
    client.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    first_rt, first_at = client.refresh_token, client.access_token
    client.refresh()
    assert client.refresh_token == first_rt, "inside the 24 h window the value does not change"
    assert client.access_token != first_at
    control.rotate_refresh_now(callback["realmId"])
    client.refresh()
    assert client.refresh_token != first_rt
    with pytest.raises(AuthClientError) as err:
        client.refresh(refresh_token=first_rt)
    assert err.value.status_code == 400
    assert err.value.content == b'{"error": "invalid_grant", "error_description": "Incorrect or invalid refresh token"}'
    client.refresh()  # the new value keeps working
    stats = control.stats(callback["realmId"])
    assert stats["token_refresh_calls"] == 4


def test_wrong_secret_is_invalid_client(sim: SimulatorProcess) -> None:
    client = testing.make_auth_client(sim.url, client_secret="nope")
    with pytest.raises(AuthClientError) as err:
        client.refresh(refresh_token="RT1-whatever")
    assert err.value.status_code == 401 and err.value.content == b'{"error": "invalid_client"}'


def test_revoke_kills_both_tokens(sim: SimulatorProcess) -> None:
    client, callback = _connect(sim)
    client.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    access, refresh = client.access_token, client.refresh_token
    assert client.revoke(token=refresh) is True
    with pytest.raises(AuthClientError):
        client.refresh(refresh_token=refresh)
    qb = testing.make_qb_client(sim.url, callback["realmId"], access)
    with pytest.raises(AuthorizationException):
        Customer.count(qb=qb)


def test_control_revoke_and_expiry_answer_401_lowercase_envelope(sim: SimulatorProcess, control: SimControl,
                                                                realm: str) -> None:
    tokens = control.connect(realm)
    url = f"{sim.url}/v3/company/{realm}/companyinfo/{realm}"
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(url, headers=headers, timeout=5).status_code == 200
    control.expire_tokens(realm)
    resp = requests.get(url, headers=headers, timeout=5)
    assert resp.status_code == 401 and resp.headers["intuit_tid"]
    assert resp.json()["fault"]["error"][0]["code"] == "3200"
    client = testing.make_auth_client(sim.url)
    client.refresh(refresh_token=tokens["refresh_token"])  # expiry is cured by a refresh...
    control.revoke(realm)
    with pytest.raises(AuthClientError):  # ...revocation is not
        client.refresh()


def test_hard_expiry_only_when_asked_for(sim: SimulatorProcess) -> None:
    """§1.5: `x_refresh_token_hard_expires_in` (the 5-year limit) comes only with the request header."""
    plain, callback = _connect(sim, new_company="Hard Limit Co")
    plain.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    assert getattr(plain, "x_refresh_token_hard_expires_in", None) is None

    asking, callback = _connect(sim, new_company="Hard Limit Co 2")
    asking.headers["x-include-refresh-token-hard-expires-in"] = "true"
    asking.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    five_years = 5 * 365 * 86400
    assert five_years - 60 <= asking.x_refresh_token_hard_expires_in <= five_years
    asking.refresh()
    assert five_years - 60 <= asking.x_refresh_token_hard_expires_in <= five_years  # refreshing never extends it
