from __future__ import annotations

from django.conf import settings
from django.db import models

from integrations.fields import SealedTextField


class QboEnvironment(models.TextChoices):
    PRODUCTION = "production", "Production"
    SANDBOX = "sandbox", "Sandbox"
    SIMULATOR = "simulator", "Simulator"


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    AUTH_EXPIRED = "auth_expired", "Authorization expired"
    DISCONNECTED = "disconnected", "Disconnected"


class CompanyKind(models.TextChoices):
    """How the company taxes (qbo-tax-and-money.md §1.2)."""

    US_MANUAL = "us_manual", "US, manual sales tax"
    US_AST = "us_ast", "US, automated sales tax"
    US_NO_TAX = "us_no_tax", "US, sales tax off"
    NON_US = "non_us", "Outside the US (VAT/GST per line)"


class QuickBooksConnection(models.Model):
    """One organization's link to one QBO company (realm).

    A row per (organization, realm): reconnecting to the same company reuses the row and with it every
    mapping; a different company gets a new row, so its ids never meet the old company's.
    """

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="qbo_connections")
    realm_id = models.CharField(max_length=40)
    environment = models.CharField(max_length=20, choices=QboEnvironment.choices)
    company_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.CONNECTED)
    # Encrypted at rest (Fernet keys from FIELD_ENCRYPTION_KEYS) and in dumps; never logged, shown or
    # serialized.
    access_token = SealedTextField(blank=True, default="")
    refresh_token = SealedTextField(blank=True, default="")
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_hard_expires_at = models.DateTimeField(null=True, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    connected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    connected_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=500, blank=True)
    # Set while a different company than the one the organization used last waits for the Owner's
    # confirmation: the row stays Disconnected (nothing syncs, no import is queued) and holds the new
    # grant until the Owner confirms (activated) or cancels (grant revoked, tokens wiped).
    switch_pending_at = models.DateTimeField(null=True, blank=True)
    # Round-robin fairness: the push queue serves the connection waiting longest first.
    last_served_at = models.DateTimeField(null=True, blank=True)
    # QBO ids looked up once and reused (an Item needs an income account; lines need a fallback item).
    income_account_qbo_id = models.CharField(max_length=40, blank=True)
    # What the company is, read from its own records on connect and on demand (integrations.connection.company):
    # the push follows the kind, never a setting of ours. "" = not read yet (connections made before).
    company_kind = models.CharField(max_length=20, choices=CompanyKind.choices, blank=True, default="")
    company_country = models.CharField(max_length=10, blank=True)
    allow_discount = models.BooleanField(default=False)  # SalesFormsPrefs.AllowDiscount
    apply_tax_after_discount = models.BooleanField(default=True)  # US default for new invoices
    custom_txn_numbers = models.BooleanField(default=True)  # SalesFormsPrefs.CustomTxnNumbers
    # CurrencyPrefs (read-only in QBO): with multicurrency on, every transaction carries CurrencyRef and
    # must be in its customer's currency; the app bills in one currency, taken to be the home currency.
    multicurrency_enabled = models.BooleanField(default=False)
    home_currency = models.CharField(max_length=3, blank=True)  # ISO 4217; "" = not read yet
    # The company's TaxCodes as read: [{"id", "name", "rate"}], the choices of the tax code mapping.
    qbo_tax_codes = models.JSONField(default=list, blank=True)
    # The company's PaymentMethods [{"id", "name"}], Terms [{"id", "name", "days"}] and the accounts a
    # payment may be deposited to [{"id", "name"}] (Undeposited Funds and the Bank accounts), as read.
    qbo_payment_methods = models.JSONField(default=list, blank=True)
    qbo_terms = models.JSONField(default=list, blank=True)
    qbo_deposit_accounts = models.JSONField(default=list, blank=True)
    # Where pushed payments go: "" = QBO's default (Undeposited Funds), else one of qbo_deposit_accounts.
    deposit_account_id = models.CharField(max_length=40, blank=True)
    # The company's Income accounts [{"id", "name"}] as read, and the one chosen per product type
    # ({"service": id, "non_inventory": id}); a type without a choice posts to income_account_qbo_id.
    qbo_income_accounts = models.JSONField(default=list, blank=True)
    income_account_by_type = models.JSONField(default=dict, blank=True)
    # Mappings: payment methods and terms, a person's choices only ({local method name: PaymentMethod id},
    # {"30": Term id}; "" = send none). A method or number of days without a choice is sent as QBO's
    # PaymentMethod of the same name / Term of the same DueDays (integrations.method_terms).
    payment_method_map = models.JSONField(default=dict, blank=True)
    term_map = models.JSONField(default=dict, blank=True)
    company_read_at = models.DateTimeField(null=True, blank=True)
    # When our unpushed invoices' numbers were last looked up in the company (DocNumber clashes): the first
    # invoice push of a connection does it once; the Owner again on demand.
    doc_numbers_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "QuickBooks connection"  # Django would derive "quick books connection"
        constraints = [
            models.UniqueConstraint(fields=["organization", "realm_id", "environment"], name="uniq_org_realm"),
            # One accounting integration at a time: at most one live (not disconnected) link per org.
            models.UniqueConstraint(
                fields=["organization"], condition=~models.Q(status="disconnected"), name="one_live_qbo_per_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} ↔ {self.company_name or self.realm_id} ({self.get_status_display()})"

    @property
    def is_connected(self) -> bool:
        return self.status == ConnectionStatus.CONNECTED


class InvoiceTrigger(models.TextChoices):
    ON_FINALIZE = "finalize", "When an invoice is finalized"
    ON_SEND = "send", "When an invoice is sent"


class SyncPreferences(models.Model):
    organization = models.OneToOneField("accounts.Organization", on_delete=models.CASCADE, related_name="qbo_prefs")
    sync_customers = models.BooleanField(default=True)
    sync_products = models.BooleanField(default=True)
    sync_invoices = models.BooleanField(default=True)
    sync_projects = models.BooleanField(default=True)
    sync_payments = models.BooleanField(default=True)
    invoice_trigger = models.CharField(max_length=20, choices=InvoiceTrigger.choices, default=InvoiceTrigger.ON_FINALIZE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "sync preferences"  # not "sync preferencess"

    def __str__(self) -> str:
        return f"QuickBooks preferences of {self.organization}"


class OAuthState(models.Model):
    """A one-time OAuth `state`, bound to the user and browser session that started the flow.

    intuit-oauth sends no PKCE, so `state` is the only CSRF defence; a second use must exchange nothing
    because a second code exchange revokes the tokens of the first (QBO quirk).
    """

    state = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
