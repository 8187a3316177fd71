"""Changes made in QuickBooks come back: webhooks (verified, stored, processed once), the CDC sweep, and
applying items, customers, invoices and payments here without pushing them straight back. See README.md."""
