"""``python -m qbo_sim --port 8765 ...``: start the simulator.

With ``--port 0`` a free port is picked; the first stdout line is always
``QBO_SIM_READY http://HOST:PORT`` (flushed) so wrappers can wait for it."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from . import kinds, persist, seed
from .config import SimConfig
from .server import SimServer
from .sim import Simulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m qbo_sim", description="QuickBooks Online simulator")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    p.add_argument("--state", help="JSON state file: loaded on start, saved periodically and on exit")
    p.add_argument("--save-interval", type=float, default=30.0, help="seconds between autosaves")
    p.add_argument("--latency-ms", type=int, default=0, help="default added latency per API request")
    p.add_argument("--error-rate", type=float, default=0.0, help="default share of 500/503 answers")
    p.add_argument("--drop-rate", type=float, default=0.0, help="default share of commit-then-drop writes")
    p.add_argument("--timeout-rate", type=float, default=0.0, help="default share of hung requests")
    p.add_argument("--timeout-hang-seconds", type=float, default=30.0)
    p.add_argument("--empty", action="store_true",
                   help="new companies start empty (fixtures only) instead of with sandbox sample data")
    p.add_argument("--seed", type=int, help="makes fault draws, webhook jitter and seed data deterministic")
    p.add_argument("--no-throttle", action="store_true", help="disable the 500/min, 10 in flight limits")
    p.add_argument("--throttle-xml", action="store_true", help="answer 429 with the historical XML body")
    p.add_argument("--batch-max-items", type=int, default=30)
    p.add_argument("--access-token-ttl", type=int, default=3600)
    p.add_argument("--refresh-rotation-seconds", type=int, default=86400)
    p.add_argument("--webhook-url")
    p.add_argument("--webhook-format", choices=("cloudevents", "legacy"), default="cloudevents")
    p.add_argument("--webhook-time-scale", type=float, default=1.0, help="multiplies the retry schedule")
    p.add_argument("--verifier-token", default="sim-verifier-token")
    p.add_argument("--tls", action="store_true", help="serve HTTPS with a fresh test CA (path printed as QBO_SIM_CA)")
    p.add_argument("--tls-dir", help="where --tls writes ca.pem/server.pem/server.key (default: a temp dir)")
    p.add_argument("--client-id", default="sim-client-id")
    p.add_argument("--client-secret", default="sim-client-secret")
    p.add_argument("--kind", choices=kinds.KINDS, default=kinds.DEFAULT_KIND,
                   help="kind of company new companies are (tax model, country); default us_manual")
    p.add_argument("--seed-company", action="append", default=[], metavar="NAME",
                   help="create a company at start (repeatable); seeded with the counts below")
    for what in ("customers", "items", "projects", "invoices", "payments"):
        p.add_argument(f"--seed-{what}", type=int, default=0)
    return p.parse_args(argv)


def build_config(args: argparse.Namespace) -> SimConfig:
    faults: dict[str, Any] = {"latency_ms": args.latency_ms, "error_rate": args.error_rate,
                              "drop_rate": args.drop_rate, "timeout_rate": args.timeout_rate}
    return SimConfig(apps={args.client_id: args.client_secret}, access_token_ttl=args.access_token_ttl,
                     refresh_rotation_seconds=args.refresh_rotation_seconds, throttle=not args.no_throttle,
                     throttle_xml=args.throttle_xml, batch_max_items=args.batch_max_items,
                     webhook_url=args.webhook_url, webhook_format=args.webhook_format,
                     webhook_time_scale=args.webhook_time_scale, verifier_token=args.verifier_token,
                     timeout_hang_seconds=args.timeout_hang_seconds,
                     default_faults={k: v for k, v in faults.items() if v}, seed=args.seed,
                     sample_data=not args.empty, default_kind=args.kind)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sim = Simulator(build_config(args), state_file=args.state)
    if args.state and persist.load(sim, args.state):
        print(f"qbo_sim: loaded state from {args.state}", file=sys.stderr, flush=True)
    ca_path, context = None, None
    if args.tls:
        # Lazy: tls.py needs cryptography, which stays optional for plain-HTTP runs (see idtoken.py).
        from . import tls

        ca_path, cert, key = tls.make_test_ca(Path(args.tls_dir or tempfile.mkdtemp(prefix="qbo-sim-tls-")), args.host)
        context = tls.server_context(cert, key)
    server = SimServer(sim, args.host, args.port, context)
    print(f"QBO_SIM_READY {sim.base_url}", flush=True)
    if ca_path:
        print(f"QBO_SIM_CA {ca_path}", flush=True)
    for name in args.seed_company:
        co = sim.registry.create(name, sample=False)  # the seed counts say exactly what it holds
        with co.lock:
            listener, co.listener = co.listener, None
            seed.seed(co, customers=args.seed_customers, items=args.seed_items, projects=args.seed_projects,
                      invoices=args.seed_invoices, payments=args.seed_payments,
                      seed=args.seed if args.seed is not None else 1)
            co.listener = listener
        print(f"QBO_SIM_COMPANY {co.realm_id} {name}", flush=True)
    sim.webhooks.start()
    stop = threading.Event()
    if args.state:
        persist.autosave(sim, args.state, args.save_interval, stop)

    def shutdown(signum: int, frame: object) -> None:
        stop.set()
        sim.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        sim.webhooks.stop()
        if args.state:
            persist.save(sim, args.state)
            print(f"qbo_sim: saved state to {args.state}", file=sys.stderr, flush=True)
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
