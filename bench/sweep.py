"""The background checks' sweep: 1,000 Statuspage sources on a loopback server that answers each
request after 100 ms.

    DEBUG=true .venv/bin/python bench/sweep.py        # SQLite file var/bench-sweep.sqlite3
    options: --sources 1000  --latency 0.1  --concurrency 50  --sequential-sample 50  --compare 25,100,200

The server is a separate process (asyncio, HTTP/1.1 keep-alive), so its CPU is not counted as the
sweep's. For each sweep it prints the wall time, the ideal (sources x latency / concurrency), their
ratio, and the CPU milliseconds of this process per check. "One after another" is measured on a
sample of `--sequential-sample` sources with concurrency 1 and extrapolated linearly (marked "~").

Three kinds of sweep: `first` (every source new: 200, parse, compare), `304` (unchanged: the
server answers 304 Not Modified to the ETag), `changed` (a new body every time, whose component
status flips, so every check records one StatusChange and updates its offering).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")
os.environ.setdefault("DEBUG", "true")
os.environ["OUTBOUND_ALLOWED_PRIVATE_HOSTS"] = "127.0.0.1"
os.environ.setdefault("LOG_LEVEL", "WARNING")
BENCH_DB = BASE_DIR / "var" / "bench-sweep.sqlite3"
if not os.environ.get("DATABASE_URL"):
    for suffix in ("", "-wal", "-shm"):
        Path(f"{BENCH_DB}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"


# --- the slow status server (its own process) -------------------------------------------------


def _summary(status: str) -> bytes:
    component = {"id": "k8w3r06qmzrp", "name": "Claude API", "status": status, "created_at": "2023-07-11T17:37:29.581Z",
                 "updated_at": "2026-11-27T09:12:03.112Z", "position": 2, "description": None, "showcase": True,
                 "start_date": None, "group_id": None, "page_id": "tymt9n04zgry", "group": False,
                 "only_show_if_degraded": False}
    others = [dict(component, id=f"c{i}", name=f"Component {i}", status="operational") for i in range(8)]
    return json.dumps({
        "page": {"id": "tymt9n04zgry", "name": "Claude", "url": "https://status.claude.com", "time_zone": "Etc/UTC",
                 "updated_at": "2026-11-27T09:12:03.120Z"},
        "status": {"indicator": "none", "description": "All Systems Operational"},
        "components": [component, *others], "incidents": [], "scheduled_maintenances": [],
    }).encode()


def serve(port_pipe, latency: float) -> None:
    bodies = {"operational": _summary("operational"), "major_outage": _summary("major_outage")}
    state = {"mode": "stable", "flips": {}}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
                if path.startswith("/_mode/"):
                    state["mode"] = path.rsplit("/", 1)[1]
                    writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
                    continue
                await asyncio.sleep(latency)
                if state["mode"] == "changing":
                    flip = state["flips"][path] = not state["flips"].get(path, False)
                    status, body = 200, bodies["major_outage" if flip else "operational"]
                    etag = f'"{path}-{time.monotonic_ns()}"'
                elif headers.get("if-none-match") == '"stable"':
                    status, body, etag = 304, b"", '"stable"'
                else:
                    status, body, etag = 200, bodies["operational"], '"stable"'
                reason = {200: "OK", 304: "Not Modified"}[status]
                writer.write(
                    f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nETag: {etag}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode() + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        port_pipe.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def set_mode(port: int, mode: str) -> None:
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(f"GET /_mode/{mode} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        conn.recv(1024)


# --- the sweep ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--sequential-sample", type=int, default=50)
    parser.add_argument("--compare", default="25,100,200", help="other concurrencies to measure on the 304 sweep")
    args = parser.parse_args()

    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=serve, args=(send, args.latency), daemon=True)
    server.start()
    port = receive.recv()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from vendors import checks, services
    from vendors.models import AIModel, Offering, StatusSource, Vendor
    from vendors.signals import changes_recorded

    call_command("migrate", verbosity=0)
    vendor = Vendor.objects.create(name="Bench provider", slug="bench-provider", provides_models=True)
    model = AIModel.objects.create(provider=vendor, name="Bench model", slug="bench-model")
    offerings = Offering.objects.bulk_create(
        [Offering(model=model, distributor=vendor, distributor_model_id=f"bench-{i}", status="operational")
         for i in range(args.sources)]
    )
    StatusSource.objects.bulk_create(
        [StatusSource(name=f"bench source {i:04d}", kind="statuspage", url=f"http://127.0.0.1:{port}/s/{i}/summary.json",
                      vendor=vendor, interval=60, config={"components": {"Claude API": [offerings[i].id]}})
         for i in range(args.sources)]
    )
    ideal = args.sources * args.latency / args.concurrency

    def timed_sweep(concurrency: int):
        StatusSource.objects.update(next_check_at=None)
        sources = checks.select_due_sources()
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            wall, cpu = time.perf_counter(), time.process_time()
            results = checks.run_checks(sources, concurrency=concurrency)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        failed = sum(1 for r in results if not r.ok)
        if failed:
            print(f"  !! {failed} checks failed, e.g. {next(r.error for r in results if not r.ok)}")
        return wall, cpu, queries, results

    print(f"sweep of {args.sources} sources, server latency {args.latency * 1000:.0f} ms, "
          f"concurrency {args.concurrency}: ideal {ideal:.2f} s (sources x latency / concurrency)")
    print(f"{'sweep':<10} {'wall s':>8} {'ideal s':>8} {'ratio':>6} {'CPU ms/check':>13} {'queries/check':>14} {'changes':>8}")
    rows = {}
    receivers = list(changes_recorded.receivers)
    for label, mode in (("first", "stable"), ("304", "stable"), ("changed", "changing"), ("changed*", "changing")):
        set_mode(port, mode)
        if label == "changed*":
            # The same without the register's receivers of changes_recorded (alerts enqueue one
            # dispatch task per batch on the broker): what the checks themselves cost.
            changes_recorded.receivers = []
            changes_recorded.sender_receivers_cache.clear()
        wall, cpu, queries, results = timed_sweep(args.concurrency)
        changes = sum(r.changes for r in results)
        rows[label] = (wall, cpu)
        print(f"{label:<10} {wall:>8.2f} {ideal:>8.2f} {wall / ideal:>6.2f} {cpu * 1000 / args.sources:>13.2f} "
              f"{queries / args.sources:>14.1f} {changes:>8}")

    changes_recorded.receivers = receivers
    changes_recorded.sender_receivers_cache.clear()
    print(f"  changed: with the alerts receiver enqueuing a dispatch per batch on {settings.CELERY_BROKER_URL.split(':')[0]};"
          " changed*: without receivers")
    set_mode(port, "stable")
    sample = list(StatusSource.objects.order_by("id")[: args.sequential_sample])
    StatusSource.objects.filter(id__in=[s.id for s in sample]).update(next_check_at=None)
    wall = time.perf_counter()
    checks.run_checks(sample, concurrency=1)
    per_check = (time.perf_counter() - wall) / len(sample)
    sequential = per_check * args.sources
    print(f"one after another (304): ~{sequential:.1f} s (measured on {len(sample)} sources, "
          f"{per_check * 1000:.0f} ms each, extrapolated)")
    print(f"sweep vs one after another: 304 {sequential / rows['304'][0]:.1f}x faster, "
          f"changed {sequential / rows['changed'][0]:.1f}x, changed* {sequential / rows['changed*'][0]:.1f}x faster")
    per_check_cpu = rows["304"][1] / args.sources
    print(f"one worker process, 304 answers: ~{60 / per_check_cpu:,.0f} checks per minute of CPU")

    if args.compare:
        print("other concurrencies (304 sweep):")
        for concurrency in [int(c) for c in args.compare.split(",") if c]:
            ideal_c = args.sources * args.latency / concurrency
            wall, cpu, _, _ = timed_sweep(concurrency)
            print(f"  concurrency {concurrency:>4}: wall {wall:6.2f} s, ideal {ideal_c:5.2f} s, ratio {wall / ideal_c:5.2f}, "
                  f"CPU {cpu * 1000 / args.sources:.2f} ms/check")
    server.terminate()


if __name__ == "__main__":
    main()
