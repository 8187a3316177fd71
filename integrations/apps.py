from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = "QuickBooks integration"

    def ready(self) -> None:
        from integrations.importer import tasks as import_tasks  # noqa: F401 - registers the import task
        from integrations.inbound import tasks as inbound_tasks  # noqa: F401 - registers the inbound tasks
        from integrations.push import tasks, triggers  # noqa: F401 - registers the push tasks

        triggers.connect()
