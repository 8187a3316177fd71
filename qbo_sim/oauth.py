"""OAuth 2.0 / OpenID endpoints: discovery, authorize page, token, revoke, userinfo, JWKS."""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import urlencode, urlsplit, urlunsplit

from . import errors, idtoken, kinds, pages
from .simstate import SimState
from .tokens import Grant, OAuthError
from .web import Request, Response, html_response, json_response, redirect

ACCOUNTING_SCOPES = ("com.intuit.quickbooks.accounting", "com.intuit.quickbooks.payment")
PATHS = {"authorization_endpoint": "/connect/oauth2", "token_endpoint": "/oauth2/v1/tokens/bearer",
         "revocation_endpoint": "/v2/oauth2/tokens/revoke", "issuer": "/op/v1", "jwks_uri": "/op/v1/jwks",
         "userinfo_endpoint": "/v1/openid_connect/userinfo"}
TOKEN_TYPE = "application/json;charset=utf-8"


def discovery(sim: SimState) -> Response:
    # intuit-oauth reads these six keys and raises KeyError if one is missing (§1.1).
    doc: dict[str, str | list[str]] = {key: sim.base_url + path for key, path in PATHS.items()}
    doc.update(response_types_supported=["code"], subject_types_supported=["public"],
               id_token_signing_alg_values_supported=["RS256"],
               scopes_supported=["openid", "email", "profile", "address", "phone", *ACCOUNTING_SCOPES],
               # Both are accepted by /oauth2/v1/tokens/bearer (oauth._client) and by revoke.
               token_endpoint_auth_methods_supported=["client_secret_post", "client_secret_basic"],
               claims_supported=["aud", "exp", "iat", "iss", "realmid", "sub"])
    return json_response(doc)


def jwks(sim: SimState, req: Request) -> Response:
    return json_response(idtoken.jwks())


def _oauth_error(exc: OAuthError) -> Response:
    # RFC 6749 §5.2: a 401 invalid_client names the scheme the client should use.
    headers = [("WWW-Authenticate", 'Basic realm="oauth"')] if exc.status == 401 else []
    return Response(exc.status, json.dumps(exc.body()).encode(), TOKEN_TYPE, headers)


def _client(sim: SimState, req: Request, form: dict[str, str] | None = None) -> str:
    """Client authentication as the discovery document advertises it: HTTP Basic
    (client_secret_basic) or client_id/client_secret in the form body (client_secret_post).
    Anything else, or a wrong pair, is 401 ``{"error":"invalid_client"}`` (reference §1.7)."""
    auth = req.header("Authorization")
    if auth[:6].lower() == "basic ":
        try:
            client_id, _, secret = base64.b64decode(auth[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise OAuthError(401, "invalid_client") from exc
    elif form is not None and form.get("client_id"):
        client_id, secret = str(form["client_id"]), str(form.get("client_secret", ""))
    else:
        raise OAuthError(401, "invalid_client")
    if not client_id or sim.config.apps.get(client_id) != secret:
        raise OAuthError(401, "invalid_client")
    return client_id


def token(sim: SimState, req: Request) -> Response:
    try:
        is_form = "x-www-form-urlencoded" in req.header("Content-Type")
        form = req.form() if is_form else {}
        client_id = _client(sim, req, form)
        if not is_form:
            raise OAuthError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            grant, body = sim.tokens.exchange(client_id, form.get("code", ""), form.get("redirect_uri", ""))
            sim.count(grant.realm_id, "token_exchanges")
        elif grant_type == "refresh_token":
            if not form.get("refresh_token"):
                raise OAuthError(400, "invalid_request", "refresh_token is required")
            known = sim.tokens.grants.get(sim.tokens.refresh.get(form["refresh_token"], ""))
            sim.count(known.realm_id if known else None, "token_refresh_calls")
            try:
                grant, body = sim.tokens.refresh_grant(client_id, form["refresh_token"])
            except OAuthError:
                sim.count(known.realm_id if known else None, "token_refresh_failures")
                raise
        elif not grant_type:
            raise OAuthError(400, "invalid_request", "grant_type is required")
        else:
            raise OAuthError(400, "unsupported_grant_type")  # e.g. client_credentials, password
    except OAuthError as exc:
        return _oauth_error(exc)
    hard = body.pop("_hard_expires_in")
    if req.header("x-include-refresh-token-hard-expires-in").lower() == "true":
        body["x_refresh_token_hard_expires_in"] = hard  # only when asked (§1.5)
    if "openid" in grant.scope.split():
        id_token = idtoken.make(sim.base_url + PATHS["issuer"], client_id, _subject(grant), grant.realm_id)
        if id_token:
            body["id_token"] = id_token
    return Response(200, json.dumps(body).encode(), TOKEN_TYPE, [("Cache-Control", "no-store")])


def _subject(grant: Grant) -> str:
    return "sub-" + base64.urlsafe_b64encode(grant.email.encode()).decode().rstrip("=")


def revoke(sim: SimState, req: Request) -> Response:
    try:
        body = req.json() if "json" in req.header("Content-Type") else req.form()
    except errors.ApiError:
        body = None
    try:
        _client(sim, req, body if isinstance(body, dict) else None)
    except OAuthError as exc:
        return _oauth_error(exc)
    tok = body.get("token") if isinstance(body, dict) else None
    if not tok:
        return _oauth_error(OAuthError(400, "invalid_request", "token is required"))
    sim.tokens.revoke_token(str(tok))  # RFC 7009: unknown tokens also answer 200
    return Response(200, b"", TOKEN_TYPE)


def userinfo(sim: SimState, req: Request) -> Response:
    """OpenID userinfo: ``sub`` always; the other claims only for the scopes granted
    (email -> email, emailVerified; profile -> names; phone -> phoneNumber...; address)."""
    tok = req.bearer()
    grant = sim.tokens.grant_of(tok) if tok and sim.tokens.check(tok) else None
    if grant is None:
        return _oauth_error(OAuthError(401, "invalid_token"))
    scopes = set(grant.scope.split())
    if "openid" not in scopes:
        return _oauth_error(OAuthError(403, "insufficient_scope", "The openid scope is required"))
    local, _, _ = grant.email.partition("@")
    given, _, family = local.replace(".", " ").title().partition(" ")
    out: dict[str, object] = {"sub": _subject(grant)}
    if "email" in scopes:
        out.update(email=grant.email, emailVerified=True)
    if "profile" in scopes:
        out.update(givenName=given, familyName=family or "User")
    if "phone" in scopes:
        out.update(phoneNumber="+1 5555550100", phoneNumberVerified=False)
    if "address" in scopes:
        out["address"] = {"streetAddress": "2700 Coast Avenue", "locality": "Mountain View",
                          "region": "CA", "postalCode": "94043", "country": "US"}
    return json_response(out)


def _params(source: dict[str, str]) -> dict[str, str]:
    return {k: source.get(k, "") for k in pages.HIDDEN}


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = "&".join(x for x in (parts.query, urlencode(params)) if x)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _check_request(sim: SimState, params: dict[str, str]) -> Response | None:
    if params["client_id"] not in sim.config.apps:
        return html_response(pages.error_page("invalid_client", "Unknown client_id"), 400)
    if not params["redirect_uri"].startswith(("http://", "https://")):
        return html_response(pages.error_page("invalid_request", "redirect_uri must be an absolute URL"), 400)
    if params["response_type"] != "code":
        return redirect(_with_query(params["redirect_uri"], {"error": "unsupported_response_type",
                                                            "state": params["state"]}))
    return None


def authorize_get(sim: SimState, req: Request) -> Response:
    params = _params(req.query)
    problem = _check_request(sim, params)
    if problem is not None:
        return problem
    companies = [(co.realm_id, co.name) for co in sim.registry.all()]
    return html_response(pages.authorize_page(params, companies))


def authorize_post(sim: SimState, req: Request) -> Response:
    form = req.form()
    params = _params(form)
    problem = _check_request(sim, params)
    if problem is not None:
        return problem
    if form.get("action") == "cancel":
        return redirect(_with_query(params["redirect_uri"], {"error": "access_denied", "state": params["state"]}))
    email = form.get("email", "").strip()
    companies = [(co.realm_id, co.name) for co in sim.registry.all()]
    if "@" not in email:
        return html_response(pages.authorize_page(params, companies, "Enter the email you sign in with."), 200)
    realm_id: str | None = None
    if any(s in params["scope"].split() for s in ACCOUNTING_SCOPES):
        new_name, chosen = form.get("new_company", "").strip(), form.get("realm", "")
        kind = form.get("kind", "")
        if kind and kind not in kinds.KINDS:
            return html_response(pages.authorize_page(params, companies, "Unknown kind of company.", email), 200)
        if new_name or not chosen:
            realm_id = sim.registry.create(new_name or f"Sandbox Company US {len(companies) + 1}",
                                           kind=kind or None).realm_id
        elif sim.registry.get(chosen) is not None:
            realm_id = chosen
        else:
            return html_response(pages.authorize_page(params, companies, "Unknown company.", email), 200)
    code = sim.tokens.issue_code(params["client_id"], params["redirect_uri"], params["scope"], realm_id, email)
    out = {"code": code, "state": params["state"]}
    if realm_id:
        out["realmId"] = realm_id  # QBO sends realmId only with the accounting/payment scope
    return redirect(_with_query(params["redirect_uri"], out))
