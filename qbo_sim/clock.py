"""Time helpers that format and parse timestamps the way QBO does."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

try:  # QBO reports times in the company's zone; sandbox companies are US/Pacific.
    from zoneinfo import ZoneInfo

    COMPANY_TZ: tzinfo = ZoneInfo("America/Los_Angeles")
except (ImportError, KeyError, OSError):  # pragma: no cover - systems without tz data
    COMPANY_TZ = timezone(timedelta(hours=-8))


def now() -> float:
    return time.time()


def _local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, COMPANY_TZ)


def _offset(dt: datetime) -> str:
    delta = dt.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def iso_ms(ts: float) -> str:
    """Top-level ``time`` field: ``2025-03-01T10:08:51.369-08:00``."""
    dt = _local(ts)
    return (f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}."
            f"{dt.microsecond // 1000:03d}{_offset(dt)}")


def iso_s(ts: float) -> str:
    """MetaData times: ``2025-03-01T10:08:51-08:00`` (no fraction)."""
    dt = _local(ts)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + _offset(dt)


def iso_legacy_webhook(ts: float) -> str:
    """Legacy webhook ``lastUpdated``: offset without a colon (Intuit's reference sample)."""
    return _local(ts).strftime("%Y-%m-%dT%H:%M:%S%z")


def iso_utc_z(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def today(ts: float | None = None) -> str:
    return _local(now() if ts is None else ts).strftime("%Y-%m-%d")


def add_days(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def parse_datetime(text: str) -> float | None:
    """Parse QBO-style dates/datetimes to epoch seconds; ``None`` when unparseable.

    QBO: a value without an offset (python-quickbooks sends ``%Y-%m-%dT%H:%M:%S``) is read in
    the company's time zone, not UTC.
    """
    raw = text.strip()
    if not raw:
        return None
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    if len(raw) >= 5 and raw[-5] in "+-" and raw[-3] != ":" and "T" in raw:
        raw = raw[:-2] + ":" + raw[-2:]  # legacy "-0700" offsets
    try:
        dt = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=COMPANY_TZ)
    return dt.timestamp()
