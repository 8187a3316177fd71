"""A faithful, stateful QuickBooks Online simulator (OAuth 2.0 + Accounting API v3).

Runs as an external service: ``python -m qbo_sim --port 8765``. No Django imports anywhere in
this package; tests and other services talk to it over HTTP only. See ``qbo_sim/README.md``.
"""

__version__ = "0.1.0"
