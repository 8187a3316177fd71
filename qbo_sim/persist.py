"""Optional JSON state file: saved on shutdown and periodically, loaded on start."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict
from typing import Any

from .entities.indexes import rebuild_indexes
from .simstate import SimState
from .store import Company
from .tokens import Access, Grant

VERSION = 1


def snapshot(sim: SimState) -> dict[str, Any]:
    tokens = sim.tokens
    with tokens.lock:
        grants = [{**asdict(g), "access_tokens": sorted(g.access_tokens), "old_refresh": sorted(g.old_refresh)}
                  for g in tokens.grants.values()]
        access = {k: asdict(v) for k, v in tokens.access.items()}
    return {"version": VERSION, "realm_seq": sim.registry.realm_seq,
            "companies": [co.to_state() for co in sim.registry.all()],
            "grants": grants, "access": access}


def save(sim: SimState, path: str) -> None:
    data = json.dumps(snapshot(sim)).encode()
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".qbo-sim-", suffix=".json")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)  # atomic: a crash mid-save never leaves half a file


def save_state(sim: SimState, path: str | None = None) -> str | None:
    """``POST /_sim/save``: write to ``path``, else to ``--state``; answers where it wrote (None: nowhere)."""
    target = path or sim.state_file
    if target:
        save(sim, target)
    return target


def load(sim: SimState, path: str) -> bool:
    if not os.path.exists(path):
        return False
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)
    for item in raw.get("companies", []):
        co = Company.from_state(item)
        rebuild_indexes(co)
        sim.registry.add(co)
    sim.registry.realm_seq = int(raw.get("realm_seq", len(sim.registry.companies)))
    tokens = sim.tokens
    with tokens.lock:
        for g in raw.get("grants", []):
            grant = Grant(**{**g, "access_tokens": set(g["access_tokens"]), "old_refresh": set(g["old_refresh"])})
            tokens.grants[grant.id] = grant
            tokens.refresh[grant.refresh_token] = grant.id
            for old in grant.old_refresh:
                tokens.refresh[old] = grant.id
        for value, info in raw.get("access", {}).items():
            tokens.access[value] = Access(**info)
    return True


def autosave(sim: SimState, path: str, interval_s: float, stop: threading.Event) -> threading.Thread:
    def loop() -> None:
        while not stop.wait(interval_s):
            try:
                save(sim, path)
            except OSError as exc:  # keep serving even if the disk is unhappy
                print(f"qbo_sim: autosave failed: {exc}", flush=True)

    thread = threading.Thread(target=loop, name="qbo-sim-autosave", daemon=True)
    thread.start()
    return thread
