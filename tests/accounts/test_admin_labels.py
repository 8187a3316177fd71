"""The admin index names every model in plain English (Django derives labels from class names)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client


def test_the_admin_index_reads_quickbooks_and_sync_preferences_correctly(db: None, client: Client) -> None:
    get_user_model().objects.create_superuser("root-admin", "root@example.com", "pw-for-admin-test")
    client.login(username="root-admin", password="pw-for-admin-test")
    page = client.get("/admin/").content.decode()
    assert "QuickBooks connections" in page
    assert "Sync preferences" in page
    assert "Quick books" not in page
    assert "preferencess" not in page
