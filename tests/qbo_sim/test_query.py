"""The query language as python-quickbooks (and hand-written SQL) sends it."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from quickbooks.exceptions import ValidationException
from quickbooks.objects.account import Account
from quickbooks.objects.customer import Customer
from quickbooks.objects.taxcode import TaxCode

from qbo_sim.testing import SimControl, SimulatorProcess, make_qb_client

SEEDED = 2500


@pytest.fixture(scope="module")
def big(sim: SimulatorProcess, control: SimControl) -> tuple[str, Any]:
    """A company with 2500 seeded customers (one of them inactive), shared by this module."""
    realm = control.create_company("Big Customer List", seed={"customers": SEEDED, "seed": 3})
    tokens = control.connect(realm)
    return realm, make_qb_client(sim.url, realm, tokens["access_token"], tokens["refresh_token"])


def test_pagination_past_1000_rows(big: tuple[str, Any]) -> None:
    _, qb = big
    seen: list[str] = []
    start = 1
    while True:
        page = Customer.where("", start_position=start, max_results=1000, qb=qb)
        seen += [c.Id for c in page]
        if len(page) < 1000:
            break
        start += len(page)
    assert len(seen) == SEEDED - 1 == len(set(seen))  # active only; one seeded customer is inactive
    assert Customer.count(qb=qb) == SEEDED - 1
    assert Customer.count("Active = false", qb=qb) == 1
    assert Customer.count("Active IN (true, false)", qb=qb) == SEEDED


def test_maxresults_is_capped_and_reports_rows_returned(big: tuple[str, Any]) -> None:
    _, qb = big
    body = qb.query("SELECT * FROM Customer STARTPOSITION 2400 MAXRESULTS 5000")
    rows = body["QueryResponse"]["Customer"]
    assert len(rows) == 100 == body["QueryResponse"]["maxResults"] and body["QueryResponse"]["startPosition"] == 2400
    assert len(qb.query("SELECT * FROM Customer MAXRESULTS 5000")["QueryResponse"]["Customer"]) == 1000
    assert len(Customer.all(qb=qb)) == 100  # python-quickbooks' default page
    assert len(Customer.filter(Active=True, qb=qb)) == 100  # no MAXRESULTS: server default 100


def test_like_in_escaping_and_order(big: tuple[str, Any]) -> None:
    _, qb = big
    obrien = Customer.filter(DisplayName="O'Brien Heating & Air", qb=qb)  # sends O\'Brien
    assert [c.DisplayName for c in obrien] == ["O'Brien Heating & Air"]
    liked = Customer.where("DisplayName LIKE 'o\\'brien%'", order_by="DisplayName DESC", qb=qb)
    assert liked and all(c.DisplayName.lower().startswith("o'brien") for c in liked)
    assert [c.DisplayName for c in liked] == sorted((c.DisplayName for c in liked), key=str.casefold, reverse=True)
    chosen = Customer.choose(["1", "2", "3"], qb=qb)  # ... WHERE Id in ('1', '2', '3')
    assert sorted(c.Id for c in chosen) == ["1", "3"]  # customer 2 is the seeded inactive one
    suffix = Customer.where("DisplayName LIKE '%Smith'", qb=qb)
    assert {c.DisplayName for c in suffix} >= {"Jane Smith", "Jane A. Smith"}


def test_nested_properties_and_lowercase_keywords(big: tuple[str, Any]) -> None:
    _, qb = big
    rows = qb.query("select Id, DisplayName from Customer where MetaData.LastUpdatedTime >= '2000-01-01' "
                    "and PrimaryEmailAddr = 'jane.smith@example.com' orderby Id asc maxresults 10")
    got = rows["QueryResponse"]["Customer"]
    assert {r["DisplayName"] for r in got} == {"Jane Smith", "Jane A. Smith"}
    assert set(got[0]) == {"Id", "DisplayName", "domain", "sparse"}  # projection
    accounts = Account.where("AccountType = 'Income' and AccountSubType = 'SalesOfProductIncome'", qb=qb)
    assert [a.Name for a in accounts] == ["Sales of Product Income"]
    assert {t.Id for t in TaxCode.all(qb=qb)} >= {"TAX", "NON"}


def test_empty_result_is_empty_object(big: tuple[str, Any]) -> None:
    _, qb = big
    body = qb.query("SELECT * FROM Customer WHERE DisplayName = 'Nobody At All'")
    assert body["QueryResponse"] == {}


def test_get_query_form(sim: SimulatorProcess, big: tuple[str, Any]) -> None:
    realm, qb = big
    resp = requests.get(f"{sim.url}/v3/company/{realm}/query", params={"query": "select count(*) from Customer",
                                                                       "minorversion": "4"},
                        headers={"Authorization": f"Bearer {qb.auth_client.access_token}"}, timeout=10)
    assert resp.status_code == 200 and resp.json()["QueryResponse"]["totalCount"] == SEEDED - 1


@pytest.mark.parametrize("text", [
    "SELECT * FROM Customer WHERE DisplayName = 'a' OR DisplayName = 'b'",
    "SELECT * FROM Customer WHERE",
    "SELEKT * FROM Customer",
    "SELECT * FROM Customer WHERE DisplayName = 'unterminated",
    "SELECT * FROM Customer GROUP BY DisplayName",
    "DELETE FROM Customer",
])
def test_bad_queries_are_4000(big: tuple[str, Any], text: str) -> None:
    _, qb = big
    with pytest.raises(ValidationException) as err:
        qb.query(text)
    assert err.value.error_code == 4000 and err.value.detail.startswith("QueryParserError:")
    if " OR " in text:
        assert "Encountered" in err.value.detail and "OR" in err.value.detail
