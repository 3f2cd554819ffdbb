"""Peak memory of one smartcheck.http.fetch: python scripts/measure_fetch_memory.py WARM_URL URL

Warms up on WARM_URL, resets the resident-size peak (Linux), fetches URL, and prints one JSON
line: the failure class, the resident-size growth and the peak of Python allocations.  Used by
tests/safety/test_size.py and scripts/benchmark.py.
"""
import json
import re
import resource
import sys
import tracemalloc

from smartcheck import http


def status(key):  # kB, from /proc/self/status (Linux)
    return int(re.search(key + r":\s+(\d+)", open("/proc/self/status").read()).group(1))

warm, bomb = sys.argv[1], sys.argv[2]
limits = http.Limits(timeout=60)
assert http.fetch(warm, limits=limits).ok          # imports, sockets and zlib set up before measuring
try:
    with open("/proc/self/clear_refs", "w") as handle:  # reset the peak (VmHWM) to the current size
        handle.write("5")
    reset = True
except OSError:   # not allowed here: VmHWM stays the process's peak so far (still comparable)
    reset = False
rss_before = status("VmRSS")
tracemalloc.start()
exchange = http.fetch(bomb, limits=limits)
traced_peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"failure": exchange.failure, "detail": exchange.detail,
                  "peak_reset": reset, "rss_before_kb": rss_before, "rss_peak_kb": status("VmHWM"),
                  "rss_growth_kb": status("VmHWM") - rss_before,
                  "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "traced_peak_bytes": traced_peak}))
