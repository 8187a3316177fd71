from django.urls import path

from accounts import views

# No app_name: LOGIN_URL / LOGIN_REDIRECT_URL name these routes without a namespace (the dashboard,
# LOGIN_REDIRECT_URL, is invoicing's: see fsm/urls.py).
urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("organizations/switch/", views.organization_switch, name="organization_switch"),
    path("settings/business/", views.business_details, name="business_details"),
    path("settings/", views.organization_settings, name="organization_settings"),
]
