"""Settings → Integrations → QuickBooks: the page, its status partial and preferences (page.py), connect,
callback and disconnect (connect.py), the company switch (switch.py), company settings and mappings
(company.py), and the URLs Intuit's app review registers (intuit.py)."""
