"""The connection to one QuickBooks company: OAuth connect/disconnect, the company switch, the status panel,
sync preferences, the company's settings and mappings, and token upkeep (views, API, services)."""
