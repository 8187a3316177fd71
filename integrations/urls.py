from django.urls import include, path
from django.views.generic import RedirectView

from integrations.connection.views import company, connect, intuit, numbers, page, product, switch

app_name = "integrations"
urlpatterns = [
    # QuickBooks is the only integration: the Integrations breadcrumb lands on its page.
    path("", RedirectView.as_view(pattern_name="integrations:quickbooks"), name="index"),
    path("quickbooks/", page.quickbooks_page, name="quickbooks"),
    path("quickbooks/status/", page.quickbooks_status, name="quickbooks_status"),
    path("quickbooks/preferences/", page.quickbooks_preferences, name="quickbooks_preferences"),
    path("quickbooks/company/reread/", company.quickbooks_company_reread, name="quickbooks_company_reread"),
    path("quickbooks/mappings/deposit-account/", company.quickbooks_deposit_account,
         name="quickbooks_deposit_account"),
    path("quickbooks/mappings/income-accounts/", company.quickbooks_income_accounts,
         name="quickbooks_income_accounts"),
    path("quickbooks/mappings/payment-methods/", company.quickbooks_payment_methods,
         name="quickbooks_payment_methods"),
    path("quickbooks/mappings/products/<int:product_id>/income-account/", product.quickbooks_product_income_account,
         name="quickbooks_product_income_account"),
    path("quickbooks/mappings/terms/", company.quickbooks_terms, name="quickbooks_terms"),
    path("quickbooks/mappings/tax-codes/", company.quickbooks_tax_code_mappings, name="quickbooks_tax_code_mappings"),
    path("quickbooks/invoice-numbers/check/", numbers.quickbooks_invoice_numbers_check,
         name="quickbooks_invoice_numbers_check"),
    path("quickbooks/invoice-numbers/<int:clash_id>/link/", numbers.quickbooks_invoice_number_link,
         name="quickbooks_invoice_number_link"),
    path("quickbooks/invoice-numbers/prefix/", numbers.quickbooks_invoice_number_prefix,
         name="quickbooks_invoice_number_prefix"),
    path("quickbooks/connect/", connect.quickbooks_connect, name="quickbooks_connect"),
    # Must match settings.QBO_REDIRECT_URI and the redirect URI registered with Intuit.
    path("quickbooks/callback/", connect.quickbooks_callback, name="quickbooks_callback"),
    path("quickbooks/disconnect/", connect.quickbooks_disconnect, name="quickbooks_disconnect"),
    path("quickbooks/switch/", switch.quickbooks_switch, name="quickbooks_switch"),
    # The URLs registered with Intuit's app settings (Launch, Reconnect, Disconnect landing): SECURITY.md.
    path("quickbooks/launch/", intuit.quickbooks_launch, name="quickbooks_launch"),
    path("quickbooks/reconnect/", intuit.quickbooks_reconnect, name="quickbooks_reconnect"),
    path("quickbooks/disconnected/", intuit.quickbooks_disconnected, name="quickbooks_disconnected"),
    path("quickbooks/", include("integrations.push.urls")),
    path("quickbooks/import/", include("integrations.importer.urls")),
    path("quickbooks/changes/", include("integrations.inbound.urls")),
]
