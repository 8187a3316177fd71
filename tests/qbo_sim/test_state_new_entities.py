"""The state file keeps what the trade-business entities added: credits in balances, name
uniqueness of classes, uploaded file bytes and Estimate links survive a restart."""

from __future__ import annotations

from pathlib import Path

import requests

from qbo_sim.testing import SimControl, SimulatorProcess

LINE = {"DetailType": "SalesItemLineDetail", "Amount": 50, "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}


def test_restart_keeps_credits_classes_files_and_links(tmp_path: Path) -> None:
    state = str(tmp_path / "state.json")
    with SimulatorProcess(["--state", state, "--no-throttle"]) as sim:
        ctl = SimControl(sim.url)
        realm = ctl.create_company("Persist Co")
        cust = ctl.entities(realm, "Customer", {"DisplayName": "P1"})
        est = ctl.entities(realm, "Estimate", {"CustomerRef": {"value": cust["Id"]}, "Line": [LINE]})
        ctl.entities(realm, "Invoice", {"CustomerRef": {"value": cust["Id"]}, "Line": [LINE],
                                        "LinkedTxn": [{"TxnId": est["Id"], "TxnType": "Estimate"}]})
        ctl.entities(realm, "CreditMemo", {"CustomerRef": {"value": cust["Id"]}, "Line": [{**LINE, "Amount": 20}]})
        ctl.entities(realm, "Class", {"Name": "Zone A"})
        token = ctl.connect(realm)["access_token"]
        up = requests.post(f"{sim.url}/v3/company/{realm}/upload", headers={"Authorization": f"Bearer {token}"},
                           files={"file_content_01": ("a.txt", b"hello", "text/plain")}, timeout=10)
        att = up.json()["AttachableResponse"][0]["Attachable"]["Id"]
    with SimulatorProcess(["--state", state, "--no-throttle"]) as sim:
        ctl = SimControl(sim.url)
        h = {"Authorization": f"Bearer {ctl.connect(realm)['access_token']}", "Accept": "application/json"}
        base = f"{sim.url}/v3/company/{realm}"
        assert requests.get(f"{base}/customer/{cust['Id']}", headers=h, timeout=10).json()["Customer"]["Balance"] == 30
        dup = requests.post(f"{base}/class", headers=h, json={"Name": "zone a"}, timeout=10)
        assert dup.json()["Fault"]["Error"][0]["code"] == "6240"
        link = requests.get(f"{base}/download/{att}", headers=h, timeout=10).text
        assert requests.get(link, timeout=10).content == b"hello"
        assert requests.get(f"{base}/estimate/{est['Id']}", headers=h, timeout=10).json()["Estimate"]["TxnStatus"] \
            == "Closed"
