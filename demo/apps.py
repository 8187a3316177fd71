from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and its `seed_demo` command: above the domain apps, which know nothing of it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
