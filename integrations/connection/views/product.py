"""The product page's QuickBooks card (templatetags/qbo_product.py): save the Income account one product's
sales post to. Answers go back to the product page, with a message."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from accounts.decorators import org_member_required
from accounts.requests import OrgRequest
from integrations.connection.product_accounts import product_income_account_set, product_income_choice
from integrations.connection.views.common import plan_refused
from integrations.selectors import connection_live
from invoicing.models import Product


@require_POST
@org_member_required("integration.manage")
def quickbooks_product_income_account(request: OrgRequest, product_id: int) -> HttpResponse:
    """`income_account` = "" (the type's default) or one of the company's Income accounts as last read."""
    product = get_object_or_404(Product.objects.for_org(request.organization), pk=product_id)
    back = redirect("invoicing:product_edit", pk=product.pk)
    if not request.organization.is_paid_plan:
        return plan_refused(request)
    live = connection_live(organization=request.organization)
    if live is None:
        messages.error(request, "No QuickBooks company is connected; nothing was saved.")
        return back
    if "income_account" not in request.POST:
        messages.error(request, "The QuickBooks income account form is out of date; reload the page.")
        return back
    try:
        queued = product_income_account_set(connection=live, product=product,
                                            account_id=request.POST["income_account"].strip())
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return back
    choice = product_income_choice(connection=live, product=product)
    where = choice.account_name if choice.account_id else f"its type's default ({choice.type_default_name})"
    then = "; its item is queued to be updated there." if queued else " from its next push."
    messages.success(request, f"{product.name} posts its sales in QuickBooks to {where}{then}")
    return back
