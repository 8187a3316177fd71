"""Entity rules. ``TYPES`` maps every Accounting API v3 entity name to its rule object."""

from __future__ import annotations

from .. import schema
from .books import AttachableType, ClassType, DepartmentType, DepositType, ReadOnlyEntity, TaxAgencyType
from .catalog import AccountType, ItemType, PaymentMethodType, ReadOnlyType, TermType
from .common import EntityType, WriteOpts
from .invoice import InvoiceType
from .payment import PaymentType
from .people import CustomerType, EmployeeType, VendorType
from .sales import CreditMemoType, EstimateType, RefundReceiptType, SalesReceiptType

_WRITABLE: tuple[EntityType, ...] = (
    CustomerType(), VendorType(), EmployeeType(), ItemType(), AccountType(), TermType(),
    PaymentMethodType(), InvoiceType(), PaymentType(), EstimateType(), CreditMemoType(), SalesReceiptType(),
    RefundReceiptType(), DepositType(), ClassType(), DepartmentType(), TaxAgencyType(), AttachableType(),
    ReadOnlyType("TaxCode"), ReadOnlyType("TaxRate"),
    ReadOnlyType("CompanyInfo", name_list=False), ReadOnlyType("Preferences", name_list=False),
)
TYPES: dict[str, EntityType] = {t.name: t for t in _WRITABLE}
for _info in schema.ENTITIES.values():
    TYPES.setdefault(_info.name, ReadOnlyEntity(_info))
# Lower-case URL segment -> entity name (QBO paths are lower case: /v3/company/1/customer).
BY_PATH: dict[str, str] = {name.lower(): name for name in TYPES}
# Transactions whose balance is part of the customer's (Invoice +, CreditMemo/Payment -).
BALANCE_ENTITIES = ("Invoice", "Payment", "CreditMemo")

__all__ = ["BALANCE_ENTITIES", "BY_PATH", "TYPES", "EntityType", "WriteOpts"]
