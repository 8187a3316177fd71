"""Product pages: list with search and an active filter, and the create/edit form."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.decorators import org_member_required
from accounts.permissions import can
from accounts.requests import OrgRequest
from invoicing.forms import ProductForm
from invoicing.models import Product
from invoicing.selectors import product_list

PRODUCTS_PER_PAGE = 50


@org_member_required("product.view")
def product_index(request: OrgRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    active = request.GET.get("active", "")
    products = product_list(organization=request.organization, query=query, active=active)
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "active": active, "can_edit": can(request.role, "product.edit")}
    return render(request, "invoicing/product_list.html", context)


@org_member_required("product.edit")
def product_create(request: OrgRequest) -> HttpResponse:
    return _product_form(request, Product(organization=request.organization))


@org_member_required("product.edit")
def product_edit(request: OrgRequest, pk: int) -> HttpResponse:
    return _product_form(request, get_object_or_404(Product.objects.for_org(request.organization), pk=pk))


def _product_form(request: OrgRequest, product: Product) -> HttpResponse:
    creating = product.pk is None
    form = ProductForm(request.POST or None, instance=product, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                product = form.save()
        except IntegrityError:
            # Someone saved the same name or SKU between our check and our write.
            form.add_error(None, "Another product with this name or SKU was just saved; change one and retry.")
        else:
            messages.success(request, f"Product {product.name} {'added' if creating else 'saved'}.")
            return redirect("invoicing:product_list")
    status = 400 if form.errors else 200
    return render(request, "invoicing/product_form.html", {"form": form, "product": product}, status=status)
