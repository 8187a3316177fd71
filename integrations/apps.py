from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = "QuickBooks integration"

    def ready(self) -> None:
        # Django's app loading: modules that touch models or register Celery tasks and signal receivers
        # may only be imported once every app is ready, so here, not at the top of this module.
        from integrations.importer import tasks as import_tasks  # noqa: F401 - registers the import task
        from integrations.inbound import tasks as inbound_tasks  # noqa: F401 - registers the inbound tasks
        from integrations.push import enqueue, tasks  # noqa: F401 - registers the push tasks

        enqueue.signals_connect()
