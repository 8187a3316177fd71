"""HTML: the "sign in to Intuit" authorization page and the operator's home page.

Element ids/names are a stable contract for browser tests (see README "Authorization page")."""

from __future__ import annotations

import time
from html import escape
from typing import Any

from . import kinds
from .counts import object_counts
from .simstate import SimState

STYLE = """<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}
label{display:block;margin:.6rem 0 .2rem}input,select{padding:.35rem;min-width:18rem}
button{margin:.8rem .5rem 0 0;padding:.45rem 1.2rem}.error{color:#b00020}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;font-size:.9rem}</style>"""
HIDDEN = ("client_id", "redirect_uri", "scope", "state", "response_type")


def authorize_page(params: dict[str, str], companies: list[tuple[str, str]], error: str = "",
                   email: str = "") -> str:
    hidden = "".join(f'<input type="hidden" name="{k}" value="{escape(params.get(k, ""))}">' for k in HIDDEN)
    options = "".join(f'<option value="{escape(rid)}">{escape(name)} ({escape(rid)})</option>'
                      for rid, name in companies)
    err = f'<p id="error" class="error">{escape(error)}</p>' if error else ""
    kind_options = "".join(f'<option value="{k}">{escape(label)}</option>' for k, label in kinds.LABELS.items())
    scopes = ", ".join(escape(s) for s in params.get("scope", "").split())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Intuit (QBO simulator) - Connect</title>
{STYLE}</head><body><h1>Sign in to connect your app</h1>
<p>App <code id="client-id">{escape(params.get("client_id", ""))}</code> asks for: <span id="scopes">{scopes}</span></p>
{err}<form id="authorize-form" method="post" action="/connect/oauth2">{hidden}
<label for="email">Email</label><input id="email" name="email" type="email" value="{escape(email)}" required>
<label for="password">Password (anything)</label><input id="password" name="password" type="password">
<label for="realm">Company</label><select id="realm" name="realm">
<option value="">- create a new sandbox company -</option>{options}</select>
<label for="new_company">New company name</label><input id="new_company" name="new_company" placeholder="Sandbox Company US 1">
<label for="kind">Kind of new company</label><select id="kind" name="kind">
<option value="">- the simulator's default -</option>{kind_options}</select>
<div><button id="authorize" type="submit" name="action" value="authorize">Connect</button>
<button id="cancel" type="submit" name="action" value="cancel" formnovalidate>Cancel</button></div>
</form></body></html>"""


def error_page(title: str, detail: str, status_note: str = "") -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>{STYLE}</head>"
            f"<body><h1 id='error-title'>{escape(title)}</h1><p id='error'>{escape(detail)}</p>"
            f"<p>{escape(status_note)}</p></body></html>")


def _row(cells: list[Any]) -> str:
    return "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>"


def home_page(sim: SimState) -> str:
    rows = []
    for co in sim.registry.all():
        with co.lock:
            counts = object_counts(co)
        summary = ", ".join(f"{e}: {c['total'] - c['deleted']}" for e, c in sorted(counts.items())
                            if e in ("Customer", "Item", "Invoice", "Payment", "Vendor"))
        rows.append(_row([co.realm_id, co.name, summary, co.throttle.as_dict()["requests_last_minute"]]))
    recent = [_row([time.strftime("%H:%M:%S", time.localtime(r["ts"])), r["method"], r["path"], r["status"],
                    f"{r['ms']:.1f}", r.get("realm", "")]) for r in reversed(list(sim.recent))]
    cfg = sim.config
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>QBO simulator</title>
<meta http-equiv="refresh" content="5">{STYLE}</head><body><h1>QBO simulator</h1>
<p>Discovery: <code>{escape(sim.base_url)}/.well-known/openid_sandbox_configuration</code> &middot;
API base: <code>{escape(sim.base_url)}/v3</code> &middot; throttle {"on" if cfg.throttle else "off"} &middot;
webhooks: {escape(str(cfg.webhook_url or "off"))} ({escape(cfg.webhook_format)})</p>
<h2>Companies</h2><table id="companies"><tr><th>Realm</th><th>Name</th><th>Objects</th><th>Requests/min</th></tr>
{"".join(rows)}</table>
<h2>Latest requests</h2><table id="requests"><tr><th>Time</th><th>Method</th><th>Path</th><th>Status</th>
<th>ms</th><th>Realm</th></tr>{"".join(recent)}</table></body></html>"""
