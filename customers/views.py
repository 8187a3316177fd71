"""Customer pages: list with search, detail with projects and invoices, and the edit forms."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.decorators import org_member_required
from accounts.permissions import can
from accounts.requests import OrgRequest
from customers.forms import CustomerForm, ProjectForm
from customers.models import Customer, Project
from customers.selectors import customer_list, customer_projects

CUSTOMERS_PER_PAGE = 25


@org_member_required("customer.view")
def customer_index(request: OrgRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    paginator = Paginator(customer_list(organization=request.organization, query=query), CUSTOMERS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "customers/customer_list.html", {"page": page, "query": query})


@org_member_required("customer.view")
def customer_detail(request: OrgRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer.objects.for_org(request.organization), pk=pk)
    context = {
        "customer": customer,
        "projects": customer_projects(customer=customer),
        "can_edit_projects": can(request.role, "project.edit"),
    }
    return render(request, "customers/customer_detail.html", context)


@org_member_required("customer.edit")
def customer_create(request: OrgRequest) -> HttpResponse:
    return _customer_form(request, Customer(organization=request.organization))


@org_member_required("customer.edit")
def customer_edit(request: OrgRequest, pk: int) -> HttpResponse:
    return _customer_form(request, get_object_or_404(Customer.objects.for_org(request.organization), pk=pk))


def _customer_form(request: OrgRequest, customer: Customer) -> HttpResponse:
    creating = customer.pk is None
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        customer = form.save()
        messages.success(request, f"Customer {customer.display_name} {'added' if creating else 'saved'}.")
        return redirect("customers:detail", pk=customer.pk)
    status = 400 if form.errors else 200
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer}, status=status)


@org_member_required("project.edit")
def project_create(request: OrgRequest, customer_pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer.objects.for_org(request.organization), pk=customer_pk)
    return _project_form(request, Project(organization=request.organization, customer=customer))


@org_member_required("project.edit")
def project_edit(request: OrgRequest, pk: int) -> HttpResponse:
    projects = Project.objects.for_org(request.organization).select_related("customer")
    return _project_form(request, get_object_or_404(projects, pk=pk))


def _project_form(request: OrgRequest, project: Project) -> HttpResponse:
    creating = project.pk is None
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        project = form.save()
        messages.success(request, f"Project {project.name} {'added' if creating else 'saved'}.")
        return redirect("customers:detail", pk=project.customer_id)
    status = 400 if form.errors else 200
    context = {"form": form, "project": project, "customer": project.customer}
    return render(request, "customers/project_form.html", context, status=status)
