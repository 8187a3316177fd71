"""Throughput benchmark for the QBO simulator: GET customer by id over keep-alive connections.

    .venv/bin/python bench/simulator_reads.py [--seconds 10] [--threads 4] [--procs 1] [--client http|raw|requests]

Starts ``python -m qbo_sim --no-throttle`` as a subprocess, seeds one company, then hammers
``GET /v3/company/{realm}/customer/{id}`` from ``--procs`` client processes with ``--threads``
keep-alive connections each, and prints requests/second and p50/p99 latency. On a 2-core
machine the Python client costs more CPU per request than the server, so ``--procs 2`` shows
more of the server's capacity; the default keeps to one client process.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

REPO = Path(__file__).resolve().parent.parent


def worker_http(url: str, paths: list[str], token: str, stop: threading.Event, out: list[float]) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    i = 0
    while not stop.is_set():
        started = time.perf_counter()
        conn.request("GET", paths[i % len(paths)], headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}: {body[:200]!r}")
        out.append(time.perf_counter() - started)
        i += 1
    conn.close()


def worker_raw(url: str, paths: list[str], token: str, stop: threading.Event, out: list[float]) -> None:
    """Minimal HTTP/1.1 keep-alive client on a bare socket: measures the server, not http.client."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    reader = sock.makefile("rb")
    requests_bytes = [f"GET {p} HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {token}\r\n"
                      f"Accept: application/json\r\n\r\n".encode() for p in paths]
    i = 0
    while not stop.is_set():
        started = time.perf_counter()
        sock.sendall(requests_bytes[i % len(requests_bytes)])
        status = reader.readline()
        length = 0
        while (line := reader.readline()) not in (b"\r\n", b""):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        reader.read(length)
        if b" 200 " not in status:
            raise RuntimeError(f"unexpected status line {status!r}")
        out.append(time.perf_counter() - started)
        i += 1
    sock.close()


def worker_requests(url: str, paths: list[str], token: str, stop: threading.Event, out: list[float]) -> None:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    i = 0
    while not stop.is_set():
        started = time.perf_counter()
        resp = session.get(url + paths[i % len(paths)], timeout=10)
        if resp.status_code != 200:
            raise RuntimeError(f"HTTP {resp.status_code}: {resp.text[:200]}")
        out.append(time.perf_counter() - started)
        i += 1


def client_process(job: dict[str, Any], start_at: float, results: Any) -> None:
    """One client process: ``threads`` keep-alive connections until ``seconds`` have passed."""
    target = {"http": worker_http, "raw": worker_raw, "requests": worker_requests}[job["client"]]
    stop = threading.Event()
    lists: list[list[float]] = [[] for _ in range(job["threads"])]
    threads = [threading.Thread(target=target, args=(job["url"], job["paths"], job["token"], stop, lists[n]))
               for n in range(job["threads"])]
    time.sleep(max(0.0, start_at - time.time()))
    for t in threads:
        t.start()
    time.sleep(job["seconds"])
    stop.set()
    for t in threads:
        t.join()
    results.put([x for lst in lists for x in lst])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--threads", type=int, default=4, help="keep-alive connections per client process")
    p.add_argument("--procs", type=int, default=1, help="client processes")
    p.add_argument("--customers", type=int, default=200)
    p.add_argument("--client", choices=("http", "raw", "requests"), default="http",
                   help="http: http.client (default); raw: bare-socket keep-alive; requests: requests.Session")
    args = p.parse_args()
    sys.path.insert(0, str(REPO))  # run from a checkout without installing anything
    from qbo_sim.testing import SimControl, SimulatorProcess

    with SimulatorProcess(["--no-throttle"]) as sim:
        ctl = SimControl(sim.url)
        realm = ctl.create_company("Bench Co", seed={"customers": args.customers, "seed": 1})
        token = ctl.connect(realm)["access_token"]
        ids = [c["Id"] for c in ctl.objects(realm, "Customer")]
        job = {"url": sim.url, "token": token, "client": args.client, "threads": args.threads,
               "seconds": args.seconds, "paths": [f"/v3/company/{realm}/customer/{i}?minorversion=75" for i in ids]}
        ctx = multiprocessing.get_context("fork")
        results = ctx.Queue()
        start_at = time.time() + 0.3
        procs = [ctx.Process(target=client_process, args=(job, start_at, results)) for _ in range(args.procs)]
        for proc in procs:
            proc.start()
        latencies = sorted(x for _ in procs for x in results.get(timeout=args.seconds + 60))
        for proc in procs:
            proc.join()
        elapsed = args.seconds
        served = ctl.stats(realm)["requests"]["by_status"].get("200", 0)
    count = len(latencies)
    report = {"client": args.client, "procs": args.procs, "threads": args.threads, "seconds": elapsed,
              "requests": count, "server_counted_200": served, "rps": round(count / elapsed, 1),
              "p50_ms": round(statistics.median(latencies) * 1000, 3),
              "p99_ms": round(latencies[int(count * 0.99) - 1] * 1000, 3)}
    print(f"{report['rps']:.0f} requests/s  p50 {report['p50_ms']:.2f} ms  p99 {report['p99_ms']:.2f} ms  "
          f"({count} GET customer in {elapsed:.0f}s, {args.procs}x{args.threads} {args.client} keep-alive)")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
