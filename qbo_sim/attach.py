"""Attachable uploads and downloads (Intuit's Attachable page, "Upload attachments"):

``POST /v3/company/{realm}/upload`` is multipart/form-data with pairs of parts
``file_metadata_NN`` (an Attachable as JSON) and ``file_content_NN`` (the bytes, with a filename
and content type). The answer is ``{"AttachableResponse": [{"Attachable": …} | {"Fault": …}]}``.
``GET /download/{id}`` answers the temporary download URL as plain text."""

from __future__ import annotations

import json
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from . import clock, errors
from .entities import ops
from .entities.common import WriteOpts
from .simstate import SimState
from .store import Company, Record
from .web import Request, Response

MAX_UPLOAD = 100 * 1024 * 1024   # Intuit: attachments up to 100 MB


def _parts(req: Request) -> dict[str, Message]:
    ctype = req.header("Content-Type")
    if "multipart/form-data" not in ctype.lower():
        raise errors.bad_request_body("upload needs Content-Type multipart/form-data")
    msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + req.body)
    out: dict[str, Message] = {}
    for part in msg.iter_parts() if msg.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            out[name] = part
    if not out:
        raise errors.bad_request_body("upload has no file_content_NN part")
    return out


def _payload(part: Message) -> bytes:
    """A part's decoded bytes (empty for a missing body or a nested multipart)."""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def upload(sim: SimState, co: Company, req: Request) -> Response:
    parts = _parts(req)
    results: list[dict[str, Any]] = []
    for key in sorted(k for k in parts if k.startswith("file_content_")):
        suffix = key[len("file_content_"):]
        content = parts[key]
        data = _payload(content)
        try:
            meta_part = parts.get(f"file_metadata_{suffix}")
            meta: Any = json.loads(_payload(meta_part) or b"{}") if meta_part else {}
            if not isinstance(meta, dict):
                raise errors.bad_request_body(f"file_metadata_{suffix} must be an Attachable object")
            if len(data) > MAX_UPLOAD:
                raise errors.validation("2050", "File too large", f"{len(data)} bytes; at most {MAX_UPLOAD}")
            meta.setdefault("FileName", content.get_filename() or f"upload-{suffix}")
            meta.setdefault("ContentType", content.get_content_type())
            rec = ops.create(co, "Attachable", meta, WriteOpts())
            store_file(sim, co, rec, data)
            results.append({"Attachable": rec.data})
        except errors.ApiError as exc:
            fault = exc.payload.get("Fault", {})
            results.append({"Fault": {"Error": fault.get("Error", []), "type": fault.get("type", "ValidationFault")}})
    if not results:
        raise errors.bad_request_body("upload has no file_content_NN part")
    return Response(200, json.dumps({"AttachableResponse": results, "time": clock.iso_ms(clock.now())}).encode())


def store_file(sim: SimState, co: Company, rec: Record, data: bytes) -> None:
    co.files[rec.id] = data
    rec.data["Size"] = len(data)
    rec.data["FileAccessUri"] = f"/v3/company/{co.realm_id}/download/{rec.id}"
    rec.data["TempDownloadUri"] = f"{sim.base_url}/_sim/files/{co.realm_id}/{rec.id}"
    rec.touch()


def download(sim: SimState, co: Company, ident: str) -> Response:
    rec = ops.existing(co, "Attachable", ident)
    if rec.id not in co.files:
        raise errors.not_found("Attachable", ident)
    # A temporary URL on today's host (the port can change across restarts with --state).
    url = f"{sim.base_url}/_sim/files/{co.realm_id}/{rec.id}"
    if rec.data.get("TempDownloadUri") != url:
        rec.data["TempDownloadUri"] = url
        rec.touch()
    return Response(200, url.encode(), "text/plain")


def file_bytes(co: Company, ident: str) -> Response:
    rec = co.live("Attachable", ident)
    if rec is None or ident not in co.files:
        return Response(404, b"not found", "text/plain")
    return Response(200, co.files[ident], str(rec.data.get("ContentType") or "application/octet-stream"))
