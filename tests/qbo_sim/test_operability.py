"""Process-level behaviour: READY line, CLI seeding, state file, home page, clean 4xx."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import certifi
import pytest
import requests
from intuitlib.enums import Scopes
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer

from qbo_sim import testing
from qbo_sim.testing import PACKAGE_PARENT, SimControl, SimulatorProcess, make_qb_client


def test_ready_line_is_first_and_cli_seeds(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "qbo_sim", "--port", "0", "--no-throttle", "--seed", "5",
                             "--seed-company", "Demo Heating", "--seed-customers", "12", "--seed-items", "4", "--seed-projects", "2",
                             "--seed-invoices", "3", "--seed-payments", "1"], cwd=PACKAGE_PARENT,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        assert ready.startswith("QBO_SIM_READY http://127.0.0.1:")
        company_line = proc.stdout.readline().split()
        assert company_line[0] == "QBO_SIM_COMPANY"
        url, realm = ready.split()[1], company_line[1]
        ctl = SimControl(url)
        objects = ctl.company(realm)["objects"]
        assert objects["Customer"]["total"] == 14 and objects["Invoice"]["total"] == 3
        projects = [c for c in ctl.objects(realm, "Customer") if c["IsProject"]]
        assert len(projects) == 2 and all(p["Job"] and ":" in p["FullyQualifiedName"] for p in projects)
        assert objects["Vendor"]["total"] == 1  # the seeded vendor that owns a customer-like name
    finally:
        proc.terminate()
        proc.wait(10)


def test_state_file_survives_restart(tmp_path: Path) -> None:
    state = tmp_path / "qbo.json"
    with SimulatorProcess(["--state", str(state)]) as first:
        ctl = first.control
        realm = ctl.create_company("Persistent Co", seed={"customers": 10, "items": 3, "invoices": 2})
        tokens = ctl.connect(realm)
        qb = make_qb_client(first.url, realm, tokens["access_token"], tokens["refresh_token"])
        c = Customer()
        c.DisplayName = "Saved Customer"
        saved = c.save(qb=qb, request_id="persist-1")
        before = ctl.stats(realm)["objects"]
    assert state.exists()
    with SimulatorProcess(["--state", str(state)]) as second:
        ctl = second.control
        assert ctl.stats(realm)["objects"] == before
        qb = make_qb_client(second.url, realm, tokens["access_token"], tokens["refresh_token"])
        assert Customer.get(saved.Id, qb=qb).DisplayName == "Saved Customer"  # tokens survived too
        again = Customer()
        again.DisplayName = "Saved Customer"
        assert again.save(qb=qb, request_id="persist-1").Id == saved.Id  # so did the replay store
        newer = Customer()
        newer.DisplayName = "After Restart"
        assert int(newer.save(qb=qb).Id) > int(saved.Id)


def test_home_page_lists_companies_and_requests(sim: SimulatorProcess, qb: Any, realm: str) -> None:
    Customer.count(qb=qb)
    page = requests.get(sim.url + "/", timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert realm in page.text and f"/v3/company/{realm}/query" in page.text


def test_malformed_and_unknown_requests_get_clean_faults(api: Any) -> None:
    bad_json = api.post(f"{api.base}/customer", data="{not json", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["Fault"]["Error"][0]["code"] == "2010"
    unknown = api.get(f"{api.base}/spaceship/1")
    assert unknown.status_code == 400 and unknown.json()["Fault"]["Error"][0]["code"] == "500"
    wrong_type = api.post(f"{api.base}/customer", data="[1, 2]", headers={"Content-Type": "application/json"})
    assert wrong_type.status_code == 400
    for resp in (bad_json, unknown, wrong_type):
        assert "Traceback" not in resp.text and resp.headers["intuit_tid"]
    old_minor = api.get(f"{api.base}/preferences", params={"minorversion": "4"})
    assert old_minor.status_code == 200 and old_minor.json()["Preferences"]["SyncToken"] == "0"
    missing = api.get(f"{api.base}/customer/424242")
    assert missing.status_code == 400 and missing.json()["Fault"]["Error"][0]["code"] == "610"


def test_wrong_company_is_403_lowercase_envelope(sim: SimulatorProcess, control: SimControl, tokens: dict) -> None:
    other = control.create_company("Someone Else's Books")
    resp = requests.get(f"{sim.url}/v3/company/{other}/companyinfo/{other}",
                        headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=5)
    assert resp.status_code == 403 and resp.json()["fault"]["error"][0]["code"] == "3100"


def test_reset_forgets_everything_and_restores_cli_config() -> None:
    with SimulatorProcess(["--no-throttle", "--access-token-ttl", "77"]) as sim:
        ctl = sim.control
        realm = ctl.create_company("Wipe Me")
        tokens = ctl.connect(realm)
        ctl.config(access_token_ttl=5, throttle=True)
        ctl.reset()
        assert ctl.companies() == []
        cfg = ctl.config()
        assert cfg["access_token_ttl"] == 77 and cfg["throttle"] is False
        resp = requests.get(f"{sim.url}/v3/company/{realm}/companyinfo/{realm}",
                            headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=5)
        assert resp.status_code == 401



def test_https_with_test_ca_needs_no_insecure_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    with SimulatorProcess(["--tls", "--no-throttle"]) as sim:
        assert sim.url.startswith("https://127.0.0.1:") and sim.ca_path
        monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", sim.ca_path)  # how clients trust the test CA
        realm = SimControl(sim.url).create_company("TLS Books")
        client = testing.make_auth_client(sim.url)
        url = client.get_authorization_url([Scopes.ACCOUNTING])
        client.get_bearer_token(testing.authorize(sim.url, auth_url=url, realm_id=realm)["code"], realm_id=realm)
        qb = make_qb_client(sim.url, realm, client.access_token, client.refresh_token, auth_client=client)
        assert CompanyInfo.get(realm, qb=qb).CompanyName == "TLS Books"
        assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
        with pytest.raises(requests.exceptions.SSLError):  # not trusted by the public bundle
            requests.get(sim.url + "/_sim/health", verify=certifi.where(), timeout=5)
