"""In-memory state: companies (realms) and their records. One ``RLock`` per company makes every
mutation atomic; readers take it too so they never see half a write."""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable
from typing import Any

from . import clock
from .faults import FaultSettings
from .stats import Stats
from .throttle import ThrottleState

ChangeListener = Callable[[str, str, str, str, float], None]  # realm, entity, id, op, ts
REPLAY_LIMIT = 20000


class Record:
    """One stored entity. ``data`` is exactly what the API returns (minus deletion)."""

    __slots__ = ("_json", "created", "data", "deleted", "entity", "id", "updated", "voided")

    def __init__(self, entity: str, ident: str, data: dict[str, Any], created: float,
                 updated: float | None = None, deleted: bool = False, voided: bool = False) -> None:
        self.entity, self.id, self.data = entity, ident, data
        self.created = created
        self.updated = created if updated is None else updated
        self.deleted, self.voided = deleted, voided
        self._json: bytes | None = None

    def out(self) -> dict[str, Any]:
        if self.deleted:  # QBO: deleted transactions come back as stubs (CDC, delete response)
            return {"Id": self.id, "status": "Deleted", "domain": "QBO",
                    "MetaData": {"LastUpdatedTime": clock.iso_s(self.updated)}}
        return self.data

    def json(self) -> bytes:
        if self._json is None:
            self._json = json.dumps(self.out(), separators=(",", ":")).encode()
        return self._json

    def touch(self) -> None:
        self._json = None

    def to_state(self) -> dict[str, Any]:
        return {"id": self.id, "data": self.data, "created": self.created, "updated": self.updated,
                "deleted": self.deleted, "voided": self.voided}

    @classmethod
    def from_state(cls, entity: str, raw: dict[str, Any]) -> Record:
        return cls(entity, raw["id"], raw["data"], raw["created"], raw["updated"], raw["deleted"],
                   raw["voided"])


class Company:
    def __init__(self, realm_id: str, name: str, created: float | None = None) -> None:
        self.realm_id, self.name = realm_id, name
        self.created = clock.now() if created is None else created
        self.lock = threading.RLock()
        self.records: dict[str, dict[str, Record]] = defaultdict(dict)
        self.seq: Counter[str] = Counter()
        self.doc_seq = 1000
        # Derived indexes, rebuilt from records on load (see rebuild_indexes).
        self.names: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
        self.applied: dict[str, dict[str, float]] = defaultdict(dict)   # invoice -> payment -> amount
        self.by_customer: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.children: dict[str, set[str]] = defaultdict(set)            # customer -> sub-customers
        self.replays: OrderedDict[str, tuple[int, bytes, str]] = OrderedDict()
        self.files: dict[str, bytes] = {}                                  # Attachable id -> upload
        self.faults = FaultSettings()
        self.throttle = ThrottleState()
        self.stats = Stats()
        self.listener: ChangeListener | None = None

    # ---- records ---------------------------------------------------------------------------
    def get(self, entity: str, ident: str) -> Record | None:
        return self.records.get(entity, {}).get(str(ident))

    def live(self, entity: str, ident: str) -> Record | None:
        rec = self.get(entity, ident)
        return None if rec is None or rec.deleted else rec

    def next_id(self, entity: str) -> str:
        self.seq[entity] += 1
        while str(self.seq[entity]) in self.records.get(entity, {}):
            self.seq[entity] += 1
        return str(self.seq[entity])

    def insert(self, rec: Record) -> None:
        self.records[rec.entity][rec.id] = rec

    def emit(self, entity: str, ident: str, op: str, ts: float) -> None:
        if self.listener is not None:
            self.listener(self.realm_id, entity, ident, op, ts)

    def remember_replay(self, request_id: str, status: int, body: bytes, ctype: str) -> None:
        self.replays[request_id] = (status, body, ctype)
        while len(self.replays) > REPLAY_LIMIT:
            self.replays.popitem(last=False)

    # ---- persistence -------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        with self.lock:
            return {"realm_id": self.realm_id, "name": self.name, "created": self.created,
                    "seq": dict(self.seq), "doc_seq": self.doc_seq, "faults": self.faults.as_dict(),
                    "records": {e: [r.to_state() for r in recs.values()] for e, recs in self.records.items()},
                    "files": {k: base64.b64encode(v).decode() for k, v in self.files.items()},
                    "replays": {k: [s, b.decode("utf-8", "replace"), c] for k, (s, b, c) in self.replays.items()}}

    @classmethod
    def from_state(cls, raw: dict[str, Any]) -> Company:
        co = cls(raw["realm_id"], raw["name"], raw["created"])
        co.seq.update(raw.get("seq", {}))
        co.doc_seq = raw.get("doc_seq", 1000)
        co.faults.update(raw.get("faults", {}))
        for entity, recs in raw.get("records", {}).items():
            for r in recs:
                co.insert(Record.from_state(entity, r))
        co.files = {k: base64.b64decode(v) for k, v in raw.get("files", {}).items()}
        for key, (status, body, ctype) in raw.get("replays", {}).items():
            co.replays[key] = (status, body.encode(), ctype)
        return co


class Registry:
    """All companies. ``installer`` adds the per-company fixtures (chart of accounts...)."""

    def __init__(self, installer: Callable[[Company, bool | None, str | None], None],
                 listener: ChangeListener) -> None:
        self.lock = threading.Lock()
        self.companies: dict[str, Company] = {}
        self.installer, self.listener = installer, listener
        self.realm_seq = 0

    def create(self, name: str, realm_id: str | None = None, sample: bool | None = None,
               kind: str | None = None) -> Company:
        """``sample``: add the sandbox sample data (None: the simulator's default, ``--empty`` off);
        ``kind``: the kind of company (``kinds.KINDS``; None: the simulator's default)."""
        with self.lock:
            if realm_id is None:
                self.realm_seq += 1
                realm_id = str(9341450000000000 + self.realm_seq * 1013)
                while realm_id in self.companies:
                    self.realm_seq += 1
                    realm_id = str(9341450000000000 + self.realm_seq * 1013)
            co = Company(realm_id, name)
            co.listener = self.listener
            self.companies[realm_id] = co
        with co.lock:
            self.installer(co, sample, kind)
        return co

    def add(self, co: Company) -> None:
        with self.lock:
            co.listener = self.listener
            self.companies[co.realm_id] = co

    def get(self, realm_id: str) -> Company | None:
        return self.companies.get(realm_id)

    def all(self) -> list[Company]:
        with self.lock:
            return list(self.companies.values())

    def clear(self) -> None:
        with self.lock:
            self.companies.clear()
            self.realm_seq = 0
