"""Measure the suite's speed and memory and write docs/benchmark.md.

    python scripts/benchmark.py            # needs the dev extras; only talks to 127.0.0.1

What it measures (each a real run, nothing mocked):
  1. one fetch from a loopback HTTPS server, repeated (mean and p95 latency);
  2. the whole suite against the embedded reference target (3 personas), serial and -n 2;
  3. the shipped recordings replayed offline (--target=all --replay=recordings);
  4. N targets whose server accepts and never answers (timeout 1 s), against the stated
     worst case of 8 x timeout x N target/persona pairs (README "Time and size bounds");
  5. peak memory of one fetch of a 50 MB and a 500 MB gzip bomb (cap 5 MB).
Timing numbers vary with the machine; the written result records the machine it ran on.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from smartcheck import http  # noqa: E402
from tests.support.servers import LoopbackServer, Response  # noqa: E402

OUT = REPO / "docs" / "benchmark.md"
PROBES_PER_PERSONA = 8


def pytest_run(*args: str, cwd: Path = REPO) -> tuple[float, str]:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=cwd, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    last = [line for line in proc.stdout.splitlines() if line.strip()][-1]
    return elapsed, last.strip("= ")


def fetch_latency(count: int = 200) -> dict:
    with LoopbackServer({"/doc": Response(200, [("Content-Type", "application/json")], {"ok": True})}) as server:
        with tempfile.TemporaryDirectory() as tmp:
            ca = server.ca.write_pem(Path(tmp) / "ca.pem")
            limits = http.Limits(timeout=10, ca_bundle=ca)
            http.fetch(server.url("/doc"), limits=limits)
            times = []
            for _ in range(count):
                start = time.perf_counter()
                assert http.fetch(server.url("/doc"), limits=limits).ok
                times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"count": count, "mean_ms": statistics.mean(times), "p95_ms": times[int(0.95 * count) - 1]}


def hanging_targets(n: int = 3, timeout: float = 1.0) -> dict:
    routes = {f"/t{i}/fhir/{path}": Response(hang=True)
              for i in range(n) for path in (".well-known/smart-configuration", "metadata")}
    with LoopbackServer(routes) as server, tempfile.TemporaryDirectory() as tmp:
        ca = server.ca.write_pem(Path(tmp) / "ca.pem")
        targets = {f"t{i}": {"base_url": server.url(f"/t{i}/fhir"), "ca_bundle": str(ca), "timeout": timeout}
                   for i in range(n)}
        path = Path(tmp) / "targets.yaml"
        path.write_text(json.dumps({"targets": targets}))
        elapsed, summary = pytest_run("suites", "--target=all", f"--targets-file={path}", f"--reports-dir={tmp}/reports")
    return {"n": n, "timeout_s": timeout, "elapsed_s": elapsed, "bound_s": PROBES_PER_PERSONA * timeout * n,
            "summary": summary}


def bomb_memory() -> dict:
    script = REPO / "scripts" / "measure_fetch_memory.py"
    routes = {"/warm": Response(200, body={"ok": True}),
              "/bomb50": Response(200, gzip_bomb_mb=50), "/bomb500": Response(200, gzip_bomb_mb=500)}
    out = {}
    with LoopbackServer(routes, tls=False) as server:
        for size in (50, 500):
            proc = subprocess.run([sys.executable, str(script), server.url("/warm"), server.url(f"/bomb{size}")],
                                  cwd=REPO, capture_output=True, text=True, timeout=300)
            out[size] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    latency = fetch_latency()
    with tempfile.TemporaryDirectory() as tmp:
        ref_serial = pytest_run("--target=reference", f"--reports-dir={tmp}/a")
        ref_xdist = pytest_run("--target=reference", "-n", "2", f"--reports-dir={tmp}/b")
        replay = pytest_run("--target=all", "--replay=recordings", f"--reports-dir={tmp}/c")
    hanging = hanging_targets()
    memory = bomb_memory()
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python scripts/benchmark.py` on {now}; machine: {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}. "
        "Times are wall-clock and vary with the machine; re-run the script to refresh this page.",
        "",
        "| what | result |",
        "|---|---|",
        f"| one fetch from a loopback HTTPS server ({latency['count']} runs) | mean {latency['mean_ms']:.1f} ms, "
        f"p95 {latency['p95_ms']:.1f} ms |",
        f"| `pytest --target=reference` (3 personas), serial | {ref_serial[0]:.1f} s ({ref_serial[1]}) |",
        f"| `pytest --target=reference -n 2` | {ref_xdist[0]:.1f} s ({ref_xdist[1]}) |",
        f"| `pytest --target=all --replay=recordings` (offline) | {replay[0]:.1f} s ({replay[1]}) |",
        f"| {hanging['n']} targets that never answer, timeout {hanging['timeout_s']:g} s | {hanging['elapsed_s']:.1f} s; "
        f"stated worst case {PROBES_PER_PERSONA} x timeout x N = {hanging['bound_s']:g} s ({hanging['summary']}) |",
    ]
    for size, result in memory.items():
        lines.append(f"| one fetch of a {size} MB gzip bomb (cap 5 MB) | {result['failure']}; resident growth "
                     f"{result['rss_growth_kb'] / 1024:.1f} MB, peak Python allocations "
                     f"{result['traced_peak_bytes'] / 2**20:.1f} MB |")
    lines += ["", "Memory does not grow with the bomb: inflation is bounded per step and stops at the cap.", ""]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(OUT.read_text())


if __name__ == "__main__":
    main()
