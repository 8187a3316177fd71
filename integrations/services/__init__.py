"""Writes of the QuickBooks integration (connection, preferences, audit, jobs)."""
