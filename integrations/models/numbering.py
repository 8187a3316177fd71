"""Invoice numbers already used in the QBO company (DocNumber clashes), found before our invoices are pushed."""

from __future__ import annotations

from django.db import models


class DocNumberClash(models.Model):
    """One of our invoices whose number QBO already holds on another transaction: its push waits until the
    Owner links it (provably the same invoice) or renumbers it (QBO refuses a used DocNumber, fault 6140).
    What QBO holds is kept as read, to show the Owner and to tell whether it is the same invoice."""

    connection = models.ForeignKey("integrations.QuickBooksConnection", on_delete=models.CASCADE,
                                   related_name="doc_number_clashes")
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.CASCADE, related_name="+")
    number = models.CharField(max_length=21)  # our number when the clash was found; a renumber ends it
    qbo_id = models.CharField(max_length=40)
    qbo_customer_id = models.CharField(max_length=40, blank=True)
    qbo_customer_name = models.CharField(max_length=500, blank=True)
    qbo_txn_date = models.CharField(max_length=10, blank=True)
    qbo_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    found_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "invoice"], name="uniq_docnumber_clash")]
        verbose_name = "invoice number clash"

    def __str__(self) -> str:
        return f"{self.number}: QuickBooks invoice {self.qbo_id}"
