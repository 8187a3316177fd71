"""Rebuild the derived per-company indexes after loading state from disk."""

from __future__ import annotations

from ..store import Company
from .common import name_key
from .people import PERSON_GROUP


def rebuild_indexes(co: Company) -> None:
    co.names.clear()
    co.applied.clear()
    co.by_customer.clear()
    co.children.clear()
    for entity, recs in co.records.items():
        for rec in recs.values():
            data = rec.data
            if entity in ("Customer", "Vendor", "Employee"):
                co.names[PERSON_GROUP][name_key(data["DisplayName"])] = (entity, rec.id)
            elif entity in ("Item", "Account", "Term", "PaymentMethod", "Class", "Department"):
                co.names[entity][name_key(data["Name"])] = (entity, rec.id)
            elif entity == "TaxAgency":
                co.names[entity][name_key(data["DisplayName"])] = (entity, rec.id)
            parent = (data.get("ParentRef") or {}).get("value")
            if entity == "Customer" and parent:
                co.children[parent].add(rec.id)
            customer = (data.get("CustomerRef") or {}).get("value")
            if entity in ("Invoice", "Payment", "CreditMemo") and customer:
                co.by_customer[customer].add((entity, rec.id))
            if entity == "Payment" and not rec.deleted and not rec.voided:
                for line in data.get("Line", []):
                    for link in line.get("LinkedTxn", []):
                        amounts = co.applied[link["TxnId"]]
                        amounts[rec.id] = round(amounts.get(rec.id, 0.0) + line["Amount"], 2)
