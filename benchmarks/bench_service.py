"""Benchmark of the HTTP service: certificates issued per second through HTTP.

Figures go to docs/benchmarks.md ("Service"). Run on demand, never in the
test suite::

    .venv/bin/python benchmarks/bench_service.py --seconds 20 --rate 300

The script starts ``credcert serve`` as a separate process on loopback over a
fresh SQLite database (the embedded default) and drives it from this process
over keep-alive HTTP/1.1 connections (``--concurrency`` of them, plain
asyncio streams), posting subscriber records to ``POST /v1/certificates``
for ``--seconds`` after a warm-up, at most ``--requests`` in all. By default
requests are sent at a fixed ``--rate`` (open loop) and latency is counted
from when each request was due, so waiting for a free connection counts;
``--rate 0`` sends back to back on every connection instead (closed loop:
there, mean latency is connections / throughput by Little's law, so it
measures capacity, not latency at a given load). Subjects repeat
(``--subjects``), so new certificates supersede older ones as in real use.

It reports the sustained rate of acknowledged certificates, latency
percentiles, the count of 5xx and other failures, the CPU time of the
server (event loop and writer threads) and of the clients, and then stops
the server and checks the database: it must hold exactly the acknowledged
certificates, each with its decision-log entry, and the log's chain must
verify.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from credcert.service import ApiKeys
from credcert.store import Store
from subscribers import iter_records
from subscribers.synth import generate

CARD = Path(__file__).parents[1] / "tests" / "certificates" / "data" / "scorecard.json"
PYTHON = sys.executable


@dataclass
class Load:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0
    started: float = 0.0
    ended: float = 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bodies(subjects: int, seed: int) -> list[bytes]:
    """Request bodies for ``subjects`` synthetic subscribers, serialised once."""
    frame = generate(subjects, seed=seed).drop(
        columns=["default_12m", "oracle_logodds"]
    )
    return [
        json.dumps({"record": r.model_dump(mode="json")}).encode()
        for r in iter_records(frame)
    ]


def start_server(
    work: Path, url: str, port: int, args: argparse.Namespace
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CREDCERT_HOME": str(work / "home")}
    command = [
        PYTHON,
        "-m",
        "credcert",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--db",
        url,
        "--scorecard",
        str(CARD),
        "--home",
        str(work / "home"),
        "--access-log" if args.access_log else "--no-access-log",
        "--workers",
        str(args.workers),
    ]
    log = (work / "server.log").open("wb")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}; see its log")
        try:
            if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not answer /v1/health in time")


class Connection:
    """One keep-alive HTTP/1.1 connection posting prepared request bodies.

    A client this small costs the shared machine far less CPU than a full
    HTTP library (httpx needed about 2 ms per request here), which leaves
    the cores to the server being measured.
    """

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = (
            f"POST /v1/certificates HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port
            )
        self.writer.write(self.head + b"%d\r\n\r\n" % len(body) + body)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status, length, close = int(head[9:12]), 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        answer = await self.reader.readexactly(length)
        if close:
            self.close()
        return status, answer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def drive(
    port: int, token: str, payloads: list[bytes], args: argparse.Namespace, pid: int
) -> tuple[Load, Load, float]:
    """Warm up, then measure; returns (warm-up, measured, server CPU seconds)."""
    connections = [
        Connection("127.0.0.1", port, token) for _ in range(args.concurrency)
    ]
    warm = await phase(connections, payloads, args.warmup, args.requests, args)
    left = max(args.requests - len(warm.latencies), 0)
    threads = thread_cpu(pid)
    own = time.process_time()
    measured = await phase(connections, payloads, args.seconds, left, args, offset=7)
    own = time.process_time() - own
    used = {k: c - threads.get(k, 0.0) for k, c in thread_cpu(pid).items()}
    for connection in connections:
        connection.close()
    cpu = sum(used.values())
    loops = sum(c for (process, thread), c in used.items() if process == thread)
    print(
        f"server CPU: {cpu:.1f} s in {len({p for p, _ in used})} process(es), "
        f"event loops {loops:.1f} s, other threads {cpu - loops:.1f} s; "
        f"clients' CPU {own:.1f} s"
    )
    return warm, measured, cpu


async def phase(
    connections: list[Connection],
    payloads: list[bytes],
    seconds: float,
    budget: int,
    args: argparse.Namespace,
    offset: int = 0,
) -> Load:
    """Send requests for ``seconds``: paced at ``--rate``, or back to back if 0.

    Paced (open loop), request ``i`` is due at ``start + i / rate`` whatever
    the answers before it and waits for a free connection if all are busy;
    its latency is counted from when it was due, so the wait counts too.
    Back to back (closed loop), each connection sends the next request when
    the last is answered.
    """
    load = Load(started=time.perf_counter())
    deadline = load.started + seconds
    due_times: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    counter = iter(range(budget))

    async def send(connection: Connection, index: int, due: float) -> None:
        body = payloads[(index * 31 + offset) % len(payloads)]
        try:
            status, answer = await connection.post(body)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            load.failures += 1
            connection.close()
            return
        load.latencies.append(time.perf_counter() - due)
        load.statuses[status] = load.statuses.get(status, 0) + 1
        if status == 201:
            load.acknowledged.append(json.loads(answer)["id"])

    async def paced(connection: Connection) -> None:
        while (item := await due_times.get()) is not None:
            await send(connection, *item)

    async def back_to_back(connection: Connection) -> None:
        while time.perf_counter() < deadline:
            index = next(counter, None)
            if index is None:
                return
            await send(connection, index, time.perf_counter())

    if not args.rate:
        await asyncio.gather(*(back_to_back(c) for c in connections))
        load.ended = time.perf_counter()
        return load
    workers = [asyncio.create_task(paced(c)) for c in connections]
    for index in range(budget):
        due = load.started + index / args.rate
        if due >= deadline:
            break
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        due_times.put_nowait((index, due))
    for _ in workers:
        due_times.put_nowait(None)
    await asyncio.gather(*workers)
    load.ended = time.perf_counter()
    return load


def cpu_seconds(pid: int, tid: int | None = None) -> float:
    """User and system CPU seconds of a process (or one thread) so far (Linux)."""
    path = f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat"
    try:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
    except OSError:  # ended meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the server and its worker processes)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(stat[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def thread_cpu(pid: int) -> dict[tuple[int, int], float]:
    """CPU seconds per thread of the server's processes, by (process, thread)."""
    out = {}
    for process in process_tree(pid):
        try:
            tasks = list(Path(f"/proc/{process}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            out[(process, int(task.name))] = cpu_seconds(process, int(task.name))
    return out


def anchor(
    work: Path, subjects: int, seed: int, count: int = 1_000
) -> dict[str, float]:
    """The same issuing in process, no HTTP: the reference of the same run.

    ``issue_prepared`` (ledgers, rules, score, reasons, signature) and the
    group save, 32 certificates per transaction, on a SQLite file of its own.
    """
    from credcert.issue import certificate_row, issue_prepared
    from credcert.service import build_services

    services = build_services(
        database=f"sqlite:///{work / 'anchor.db'}",
        scorecard=CARD,
        credcert_home=work / "home",
    )
    frame = generate(subjects, seed=seed).drop(
        columns=["default_12m", "oracle_logodds"]
    )
    records = list(iter_records(frame))
    issuer, store, at = services.issuer(), services.store, services.now()
    started, cpu = time.perf_counter(), time.process_time()
    for first in range(0, count, 32):
        with store.begin() as conn:
            issued = [
                issue_prepared(
                    issuer,
                    store,
                    records[(i * 31) % len(records)],
                    at=at,
                    certificate_id=f"cc-{i:024x}",
                    conn=conn,
                )
                for i in range(first, min(first + 32, count))
            ]
            rows = [certificate_row(x.document, text=x.text) for x in issued]
            for row, item in zip(rows, issued, strict=True):
                store.save_certificates([row], [item.entry], conn=conn)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    store.close()
    return {"certificates_per_second": count / wall, "cpu_ms": 1000 * cpu / count}


def check_database(url: str, acknowledged: set[str]) -> dict[str, Any]:
    """Exactly the acknowledged certificates, each logged, the chain intact."""
    with Store(url, migrate=False) as store, store.engine.connect() as conn:
        stored = {r[0] for r in conn.exec_driver_sql("SELECT id FROM certificates")}
        logged = {
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT certificate_id FROM decision_log"
                " WHERE certificate_id IS NOT NULL"
            )
        }
        problems = store.verify_log()
    return {
        "stored": len(stored),
        "acknowledged": len(acknowledged),
        "missing": len(acknowledged - stored),
        "unacknowledged": len(stored - acknowledged),
        "without_log_entry": len(stored - logged),
        "log_problems": len(problems),
        "exact": stored == acknowledged and stored <= logged and not problems,
    }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(
    measured: Load, warm: Load, check: dict[str, Any], cpu: float
) -> dict[str, Any]:
    seconds = measured.ended - measured.started
    five = sum(n for s, n in measured.statuses.items() if s >= 500)
    five += sum(n for s, n in warm.statuses.items() if s >= 500)
    ms = [1000 * x for x in measured.latencies]
    return {
        "certificates_per_second": len(measured.acknowledged) / seconds,
        "seconds": seconds,
        "requests": len(measured.latencies),
        "p50_ms": statistics.median(ms) if ms else float("nan"),
        "p90_ms": percentile(ms, 0.90),
        "p95_ms": percentile(ms, 0.95),
        "p99_ms": percentile(ms, 0.99),
        "max_ms": max(ms, default=float("nan")),
        "statuses": {
            **warm.statuses,
            **{s: n + warm.statuses.get(s, 0) for s, n in measured.statuses.items()},
        },
        "5xx": five,
        "transport_failures": measured.failures + warm.failures,
        "server_cpu_seconds": cpu,
        "server_cpu_ms_per_request": 1000 * cpu / max(len(measured.latencies), 1),
        "database": check,
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="Measured time.")
    parser.add_argument("--warmup", type=float, default=3.0, help="Warm-up time.")
    parser.add_argument(
        "--rate",
        type=float,
        default=300.0,
        help="Requests sent per second (open loop); 0 sends back to back.",
    )
    parser.add_argument(
        "--concurrency", type=int, default=32, help="Most requests in flight."
    )
    parser.add_argument("--requests", type=int, default=50_000, help="At most, in all.")
    parser.add_argument(
        "--subjects", type=int, default=2_000, help="Distinct subjects."
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Run the server with its per-request log line (the default of serve).",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="Server processes (serve --workers)."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the work folder.")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="credcert-bench-service-"))
    url = f"sqlite:///{work / 'service.db'}"
    with Store(url) as store:
        _, token = ApiKeys(store).create(
            role="agent", label="benchmark", at=dt.datetime.now(dt.UTC)
        )
    payloads = bodies(args.subjects, args.seed)
    reference = anchor(work, args.subjects, args.seed)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(work, url, port, args)
    try:
        wait_ready(base, server)
        warm, measured, cpu = asyncio.run(
            drive(port, token, payloads, args, server.pid)
        )
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    check = check_database(url, {*warm.acknowledged, *measured.acknowledged})
    result = report(measured, warm, check, cpu)
    result["in_process"] = reference
    print(json.dumps(result, indent=2))
    print(
        f"\n{result['certificates_per_second']:.0f} certificates/s over "
        f"{result['seconds']:.1f} s, p50 {result['p50_ms']:.1f} ms, "
        f"p99 {result['p99_ms']:.1f} ms, 5xx {result['5xx']}, database exact: "
        f"{check['exact']} ({check['stored']} stored, {check['acknowledged']} "
        f"acknowledged); server CPU {result['server_cpu_ms_per_request']:.2f} ms "
        f"per request; load average {os.getloadavg()[0]:.1f}"
    )
    ratio = result["certificates_per_second"] / reference["certificates_per_second"]
    print(
        f"anchor, same run, in process (no HTTP): "
        f"{reference['certificates_per_second']:.0f} certificates/s, "
        f"{reference['cpu_ms']:.2f} ms CPU each; HTTP / in-process throughput "
        f"{ratio:.2f}"
    )
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"work folder kept: {work}")


if __name__ == "__main__":
    main()
