"""Entity rules. ``TYPES`` maps QBO entity names to their rule objects."""

from __future__ import annotations

from .catalog import AccountType, ItemType, PaymentMethodType, ReadOnlyType, TermType
from .common import EntityType, WriteOpts
from .invoice import InvoiceType
from .payment import PaymentType
from .people import CustomerType, EmployeeType, VendorType

TYPES: dict[str, EntityType] = {t.name: t for t in (
    CustomerType(), VendorType(), EmployeeType(), ItemType(), AccountType(), TermType(),
    PaymentMethodType(), InvoiceType(), PaymentType(),
    ReadOnlyType("TaxCode"), ReadOnlyType("TaxRate"),
    ReadOnlyType("CompanyInfo", name_list=False), ReadOnlyType("Preferences", name_list=False),
)}
# Lower-case URL segment -> entity name (QBO paths are lower case: /v3/company/1/customer).
BY_PATH: dict[str, str] = {name.lower(): name for name in TYPES}

__all__ = ["BY_PATH", "TYPES", "EntityType", "WriteOpts"]
