"""A connected organization without a browser, through the real OAuth code flow over HTTP.

`connect_over_oauth(sim_url, organization, user, realm_id)` does what a person does: our connect_start
builds Intuit's (the simulator's) authorize URL, the simulator's authorize form is submitted, and the
callback parameters go to `connect_complete`, exactly as the callback view passes them. The state is
bound to the user and organization only (session_key "", the API caller's binding), because no browser
session exists here. Settings must already point at the simulator (the `qbo` fixture does that).
"""

from __future__ import annotations

from django.contrib.auth.models import User

from accounts.models import Organization
from integrations.connection.oauth import connect_complete, connect_start
from integrations.models import QuickBooksConnection
from qbo_sim.testing import authorize


def connect_over_oauth(sim_url: str, organization: Organization, user: User,
                       realm_id: str) -> QuickBooksConnection:
    auth_url = connect_start(organization=organization, user=user, session_key="")
    params = authorize(sim_url, auth_url=auth_url, realm_id=realm_id)
    return connect_complete(organization=organization, user=user, session_key="", params=params)
