"""Settings → Integrations → QuickBooks: the page and its status partial (page.py), connect, callback
and disconnect (connection.py)."""
