"""Settings for the test suite (pytest.ini): the development defaults, switched on explicitly.

DJANGO_DEBUG defaults to off (fsm/settings.py); tests run on the embedded development secrets, so this
turns it on unless the environment already says otherwise. Being in os.environ, it also reaches the
worker, beat and server processes the tests start, which must derive the same token keys.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from fsm.settings import *
