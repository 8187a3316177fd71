from django.apps import AppConfig


class DevinboxConfig(AppConfig):
    name = "devinbox"
    verbose_name = "Development inbox"
