"""The home page: what is open, overdue and paid this month, and the latest invoices."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.decorators import org_member_required
from accounts.requests import OrgRequest
from invoicing.selectors import dashboard_summary, invoice_recent


@org_member_required("invoice.view")
def dashboard(request: OrgRequest) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "summary": dashboard_summary(organization=request.organization, today=today),
        "recent_invoices": invoice_recent(organization=request.organization),
        "today": today,
    }
    return render(request, "invoicing/dashboard.html", context)
