"""Global (not per-company) simulator settings, changeable at run time via ``/_sim/config``."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from . import kinds, tax_switches
from .errors import ApiError, fault_body

WEBHOOK_FORMATS = ("cloudevents", "legacy")


@dataclass
class SimConfig:
    # OAuth: one registered app by default; more can be added through /_sim/config {"apps": {...}}.
    apps: dict[str, str] = field(default_factory=lambda: {"sim-client-id": "sim-client-secret"})
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 8726400          # QBO: 100 days, restarted by every use
    refresh_hard_ttl: int = 5 * 365 * 86400   # QBO: 5-year hard cap since 2025-11
    refresh_rotation_seconds: int = 86400     # QBO: the value rotates at most once per ~24 h
    auth_code_ttl: int = 600
    # Throttling (reference §3), on by default like QBO.
    throttle: bool = True
    throttle_per_minute: int = 500
    throttle_concurrent: int = 10
    throttle_batch_per_minute: int = 40
    throttle_xml: bool = False
    batch_max_items: int = 30
    # Webhooks (reference §6).
    webhook_url: str | None = None
    webhook_format: str = "cloudevents"
    webhook_enabled: bool = True
    verifier_token: str = "sim-verifier-token"
    webhook_time_scale: float = 1.0
    webhook_duplicate: bool = False
    webhook_out_of_order: bool = False
    webhook_reorder_ms: int = 300
    webhook_max_attempts: int = 12
    webhook_timeout: float = 3.0
    # Fault behaviour.
    timeout_hang_seconds: float = 30.0
    default_faults: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    # New companies get Intuit-like sandbox sample data unless --empty (sample_data.py).
    sample_data: bool = True
    # Kind of company (kinds.KINDS) made by the authorize page and by POST /_sim/companies without one.
    default_kind: str = kinds.DEFAULT_KIND
    # The unverified tax facts (tax_switches.py); a PATCH merges into them.
    tax_switches: dict[str, Any] = field(default_factory=lambda: dict(tax_switches.DEFAULTS))

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    def public(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["apps"] = sorted(self.apps)  # never echo secrets
        return data

    def update(self, patch: dict[str, Any]) -> None:
        known = {f.name: f for f in fields(self)}
        with self.lock:
            for key, value in patch.items():
                if key not in known:
                    raise ApiError(400, fault_body("2010", "Unknown config key", key))
                setattr(self, key, _coerce(key, value, getattr(self, key)))

    def snapshot(self) -> dict[str, Any]:
        return asdict(self)


def _coerce(key: str, value: Any, current: Any) -> Any:
    if key == "webhook_format" and value not in WEBHOOK_FORMATS:
        raise ApiError(400, fault_body("2170", "Invalid enumeration", f"webhook_format: {value}"))
    if key == "default_kind":
        try:
            return kinds.check(value)
        except ValueError as exc:
            raise ApiError(400, fault_body("2170", "Invalid enumeration", f"default_kind: {exc}")) from exc
    if key == "tax_switches":
        if not isinstance(value, dict):
            raise ApiError(400, fault_body("2010", "tax_switches must be an object", key))
        try:
            return tax_switches.update(value)
        except KeyError as exc:
            raise ApiError(400, fault_body("2010", "Unknown tax switch", str(exc))) from exc
    if key == "apps":
        if not isinstance(value, dict):
            raise ApiError(400, fault_body("2010", "apps must be an object", key))
        return {**current, **{str(k): str(v) for k, v in value.items()}}
    if value is None or current is None:
        return value
    try:
        if isinstance(current, bool):
            return bool(value)
        if isinstance(current, int):
            return int(value)
        if isinstance(current, float):
            return float(value)
    except (TypeError, ValueError) as exc:
        raise ApiError(400, fault_body("2010", "Bad config value", f"{key}: {exc}")) from exc
    return value
