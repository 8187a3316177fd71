from django.urls import path

from invoicing.selectors import ACTION_CAPABILITIES
from invoicing.views import actions, document, invoices, products, settings

app_name = "invoicing"
urlpatterns = [
    path("products/", products.product_index, name="product_list"),
    path("products/new/", products.product_create, name="product_create"),
    path("products/<int:pk>/edit/", products.product_edit, name="product_edit"),
    path("settings/invoicing/", settings.invoice_settings, name="invoice_settings"),
    path("settings/invoicing/tax-codes/new/", settings.tax_code_form, name="tax_code_create"),
    path("settings/invoicing/tax-codes/<int:pk>/", settings.tax_code_form, name="tax_code_edit"),
    path("settings/invoicing/tax-rates/new/", settings.tax_rate_form, name="tax_rate_create"),
    path("settings/invoicing/tax-rates/<int:pk>/", settings.tax_rate_form, name="tax_rate_edit"),
    path("invoices/", invoices.invoice_index, name="invoice_list"),
    path("invoices/new/", invoices.invoice_new, name="invoice_create"),
    path("invoices/project-options/", invoices.invoice_project_options, name="invoice_project_options"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/edit/", invoices.invoice_edit, name="invoice_edit"),
    path("invoices/<int:pk>/print/", document.invoice_print, name="invoice_print"),
    path("invoices/<int:pk>/pdf/", document.invoice_pdf_download, name="invoice_pdf"),
    path("invoices/<int:pk>/tax-override/clear/", invoices.invoice_tax_override_clear_view,
         name="invoice_tax_override_clear"),
    # One URL per lifecycle action, e.g. invoices/7/finalize/ named "invoice_finalize".
    *(
        path(f"invoices/<int:pk>/{action.replace('_', '-')}/", actions.invoice_action, {"action": action},
             name=f"invoice_{action}")
        for action in ACTION_CAPABILITIES
    ),
]
