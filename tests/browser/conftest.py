"""Headless Chromium (Debian's build) driven by Playwright against pytest-django's live server.

The `browser` and `new_page` fixtures live in tests/conftest.py: one Playwright instance per session is
shared by every suite that drives a browser (two sync_playwright() loops in one thread cannot coexist).
"""

from __future__ import annotations

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOT_DIR  # noqa: F401 - re-exported for tests
