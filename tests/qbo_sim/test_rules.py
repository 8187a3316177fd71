"""Smaller business rules: line math, discounts, payment application limits, accounts, jobs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.account import Account
from quickbooks.objects.customer import Customer

from .test_crud import new_customer, new_invoice, new_item


def _post(qb: Any, entity: str, body: dict[str, Any]) -> dict[str, Any]:
    return qb.create_object(entity, json.dumps(body))[entity]


def _code(qb: Any, entity: str, body: dict[str, Any]) -> int:
    with pytest.raises(QuickbooksException) as err:
        _post(qb, entity, body)
    return int(err.value.error_code)


def test_line_math_and_discount(qb: Any) -> None:
    cust, item = new_customer(qb, "Math Co"), new_item(qb, "Widget", 10.0)
    ref = {"value": item.Id}
    line = {"DetailType": "SalesItemLineDetail", "Amount": 25.0,
            "SalesItemLineDetail": {"ItemRef": ref, "Qty": 2, "UnitPrice": 10.0}}
    assert _code(qb, "Invoice", {"CustomerRef": {"value": cust.Id}, "Line": [line]}) == 6070
    computed = {"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": ref, "Qty": 3, "UnitPrice": 10.0}}
    discount = {"DetailType": "DiscountLineDetail", "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10}}
    inv = _post(qb, "Invoice", {"CustomerRef": {"value": cust.Id}, "Line": [computed, discount]})
    assert inv["Line"][0]["Amount"] == 30.0 and inv["Line"][1]["Amount"] == 3.0 and inv["TotalAmt"] == 27.0
    assert _code(qb, "Invoice", {"Line": [computed]}) == 2020  # no CustomerRef


def test_payment_application_limits(qb: Any) -> None:
    alice, bob = new_customer(qb, "Alice Payer"), new_customer(qb, "Bob Payer")
    inv = new_invoice(qb, alice, new_item(qb, "Fee", 50.0), qty=1)
    link = [{"TxnId": inv.Id, "TxnType": "Invoice"}]
    assert _code(qb, "Payment", {"CustomerRef": {"value": alice.Id}, "TotalAmt": 80,
                                 "Line": [{"Amount": 60, "LinkedTxn": link}]}) == 6000  # over the balance
    assert _code(qb, "Payment", {"CustomerRef": {"value": alice.Id}, "TotalAmt": 10,
                                 "Line": [{"Amount": 20, "LinkedTxn": link}]}) == 6000  # over the payment
    assert _code(qb, "Payment", {"CustomerRef": {"value": bob.Id}, "TotalAmt": 10,
                                 "Line": [{"Amount": 10, "LinkedTxn": link}]}) == 6000  # someone else's invoice
    assert _code(qb, "Payment", {"CustomerRef": {"value": alice.Id}}) == 2020  # TotalAmt required
    unapplied = _post(qb, "Payment", {"CustomerRef": {"value": alice.Id}, "TotalAmt": 15})
    assert unapplied["UnappliedAmt"] == 15


def test_accounts(qb: Any) -> None:
    acct = Account()
    acct.Name, acct.AccountSubType = "Field Labor Income", "ServiceFeeIncome"
    saved = acct.save(qb=qb)
    assert saved.AccountType == "Income" and saved.Classification == "Revenue"
    assert _code(qb, "Account", {"Name": "Bad: Name", "AccountType": "Income"}) == 2040
    assert _code(qb, "Account", {"Name": "field labor income", "AccountType": "Income"}) == 6240
    assert _code(qb, "Account", {"Name": "No Type"}) == 2020


def test_customer_names_and_job_depth(qb: Any) -> None:
    built = _post(qb, "Customer", {"Title": "Dr.", "GivenName": "Ada", "FamilyName": "Lovelace"})
    assert built["DisplayName"] == "Dr. Ada Lovelace" == built["PrintOnCheckName"]
    assert _code(qb, "Customer", {"DisplayName": "Bad Email", "PrimaryEmailAddr": {"Address": "nope"}}) == 2040
    assert _code(qb, "Customer", {"CompanyName": "Only A Company"}) == 2020  # not a name part
    parent = new_customer(qb, "Level 0")
    for level in range(1, 5):
        job = Customer()
        job.DisplayName, job.ParentRef = f"Level {level}", parent.to_ref()
        parent = job.save(qb=qb)
        assert parent.Level == level
    assert _code(qb, "Customer", {"DisplayName": "Level 5", "ParentRef": {"value": parent.Id}}) == 6000
    assert parent.FullyQualifiedName == "Level 0:Level 1:Level 2:Level 3:Level 4"
