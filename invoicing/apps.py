from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'invoicing'

    def ready(self) -> None:
        # Imported here, not at the top: these modules read models, which exist only once apps are loaded.
        from customers.services import project_ties_register
        from invoicing.selectors import project_invoice_count

        # A project with invoices stays with its customer (customers.services.project_check_customer_change).
        project_ties_register(noun="invoice", count=project_invoice_count)
