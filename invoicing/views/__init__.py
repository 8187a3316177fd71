"""Server-rendered invoicing pages: products, invoices, and the invoice lifecycle actions."""
