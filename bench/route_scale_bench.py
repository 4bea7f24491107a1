#!/usr/bin/env python3
"""Many routes: the router's memory, the cost of a route change and of finding a route on the data path,
at N routes, beside nginx with N server blocks (same backend, same machine, same run).

For each N in ROUTES (default "1000 3000 10000"):
  - Glidepath: a router started by the ./glidepath launcher (its memory flags: a bounded heap) with N
    routes, each its own host (rNNNNN.example.test) on one nginx backend (TCP health checks every 5 s:
    one probe for all of them). Reported: the time to create them one by one through the admin API,
    the latency of CHANGES weight changes on routes picked at random (median and p99), the live heap
    and its largest classes after a full GC (jcmd GC.class_histogram), the RSS, and wrk's throughput
    against the route in the middle (Host header).
  - nginx: N server blocks (server_name per host, proxy_pass to the backend with keepalive), RSS of
    master and workers, wrk's throughput against the block in the middle.
Settings: ROUTES="1000 3000 10000" CHANGES=200 DURATION=10 CONNECTIONS=64
"""
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proxy_bench as pb  # noqa: E402  (its process, wrk and java helpers)

ROUTES = [int(n) for n in os.environ.get("ROUTES", "1000 3000 10000").split()]
CHANGES = int(os.environ.get("CHANGES", "200"))
DURATION = int(os.environ.get("DURATION", "10"))
PORTS = {"backend": 18200, "nginx": 18211, "glidepath": 18213, "admin": 18214}


def host(i):
    return f"r{i:05d}.example.test"


_admin = {}


def admin(method, path, body, token):
    """One admin call on a kept-alive connection (as a client that makes many changes would), so the figures are the router's."""
    c = _admin.get("c")
    if c is None:
        c = _admin["c"] = http.client.HTTPConnection("127.0.0.1", PORTS["admin"], timeout=30)
    try:
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
    except (http.client.HTTPException, OSError):
        _admin.pop("c").close()
        raise
    if r.status >= 300:
        raise RuntimeError(f"{method} {path}: {r.status} {data[:200]!r}")
    return json.loads(data)


def live_heap(pid):
    """Live objects after a full GC (jcmd GC.class_histogram runs one first): total bytes and the largest classes."""
    jcmd = os.path.join(os.path.dirname(pb.find_java()[0]), "jcmd")
    histogram = pb.sh([jcmd, str(pid), "GC.class_histogram"]).stdout
    live = int(re.search(r"^Total\s+\d+\s+(\d+)", histogram, re.M).group(1))
    top = [(m.group(3), int(m.group(2))) for m in re.finditer(r"^\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)", histogram, re.M)][:5]
    return live, top


def rss_kib(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            m = re.search(r"VmRSS:\s+(\d+) kB", f.read())
            total += int(m.group(1)) if m else 0
    return total


def wrk_host(port, h):
    pb.sh(["wrk", "-t1", f"-c{pb.CONNECTIONS}", "-d5s", "-H", f"Host: {h}", f"http://127.0.0.1:{port}/"])  # warm-up (the JIT)
    out = pb.sh(["wrk", "-t1", f"-c{pb.CONNECTIONS}", f"-d{DURATION}s", "--latency", "-H", f"Host: {h}", f"http://127.0.0.1:{port}/"]).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, int(errors.group(1)) if errors else 0


def backend_conf():
    return pb.write("backend.conf", f"""
worker_processes 1;
daemon off; pid {pb.WORK}/backend.pid; error_log {pb.WORK}/backend-error.log warn;
events {{ worker_connections 4096; }}
http {{ access_log off; keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{PORTS['backend']}; location / {{ default_type text/plain; return 200 "hello world!\\n"; }} }} }}""")


def nginx_conf(n):
    blocks = "\n".join(f"  server {{ listen 127.0.0.1:{PORTS['nginx']}; server_name {host(i)}; "
                       f"location / {{ proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; }} }}"
                       for i in range(n))
    return pb.write(f"nginx-{n}.conf", f"""
worker_processes 2;
daemon off; pid {pb.WORK}/nginx.pid; error_log {pb.WORK}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{ access_log off; keepalive_requests 1000000; server_names_hash_max_size 65536; server_names_hash_bucket_size 128;
  upstream backend {{ server 127.0.0.1:{PORTS['backend']}; keepalive 128; }}
{blocks}
}}""")


def start_router(state):
    shutil.rmtree(state, ignore_errors=True)
    # through the launcher, as users start it (it execs the JVM: the pid is the router's), with its memory flags
    p = pb.Proc("glidepath", [os.path.join(pb.ROOT, "glidepath"), "router",
                              "--listen", f"127.0.0.1:{PORTS['glidepath']}", "--admin", f"127.0.0.1:{PORTS['admin']}",
                              "--event-loops", "2", "--state-dir", state])
    for _ in range(300):
        if os.path.exists(os.path.join(state, "admin.token")):
            break
        time.sleep(0.1)
    token = open(os.path.join(state, "admin.token")).read().strip()
    for _ in range(300):  # the token is written before the admin API listens
        try:
            admin("GET", "/v1/health", None, token)
            break
        except OSError:
            _admin.clear()
            time.sleep(0.1)
    return p, token


def route_body(i):
    return {"match": {"host": host(i)}, "stable": [f"127.0.0.1:{PORTS['backend']}"], "health": {"interval": "5s"}}


def glidepath_at(n):
    _admin.clear()
    p, token = start_router(os.path.join(pb.WORK, f"state-{n}"))
    try:
        empty, _ = live_heap(p.p.pid)  # the router with no route: what a route costs is the difference
        start = time.time()
        for i in range(n):
            admin("PUT", f"/v1/routes/r{i:05d}", route_body(i), token)
        created = time.time() - start
        latencies = []
        for _ in range(CHANGES):
            i = random.randrange(n)
            t = time.perf_counter()
            admin("PATCH", f"/v1/routes/r{i:05d}/weight", {"canaryWeight": random.randrange(0, 10_001)}, token)
            latencies.append((time.perf_counter() - t) * 1000)
        latencies.sort()
        live, top = live_heap(p.p.pid)
        time.sleep(1)
        rss = rss_kib([p.p.pid])
        state_files = {f: os.path.getsize(os.path.join(pb.WORK, f"state-{n}", f)) for f in ("routes.json", "routes.log")
                       if os.path.exists(os.path.join(pb.WORK, f"state-{n}", f))}
        rps, errors = wrk_host(PORTS["glidepath"], host(n // 2))
        live_loaded, _ = live_heap(p.p.pid)  # the middle route's seconds of traffic hold their buckets now
        rss_loaded = rss_kib([p.p.pid])
        return {"live_loaded_mib": live_loaded / 2**20, "rss_loaded_mib": rss_loaded / 1024, "created_s": created, "change_p50": statistics.median(latencies), "change_p99": latencies[int(len(latencies) * 0.99) - 1],
                "rss_mib": rss / 1024, "live_mib": live / 2**20, "empty_mib": empty / 2**20, "top": top, "rps": rps, "errors": errors, "files": state_files}
    finally:
        p.stop()


def nginx_at(n):
    conf = nginx_conf(n)
    start = time.time()
    p = pb.Proc(f"nginx-{n}", ["nginx", "-c", conf])
    for _ in range(300):
        try:
            urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{PORTS['nginx']}/", headers={"Host": host(0)}), timeout=1).read()
            break
        except Exception:
            time.sleep(0.1)
    loaded = time.time() - start
    try:
        rps, errors = wrk_host(PORTS["nginx"], host(n // 2))
        return {"loaded_s": loaded, "rss_mib": rss_kib(pb.tree_pids(p.p.pid)) / 1024, "rps": rps, "errors": errors}
    finally:
        p.stop()


def main():
    pb.WORK = tempfile.mkdtemp(prefix="glidepath-routes-bench-")
    random.seed(7)
    backend = pb.Proc("backend", ["nginx", "-c", backend_conf()])
    try:
        pb.wait_port(PORTS["backend"])
        print(f"machine: {os.cpu_count()} cores; wrk -t1 -c{pb.CONNECTIONS} -d{DURATION}s; {CHANGES} weight changes per size")
        for n in ROUTES:
            g = glidepath_at(n)
            x = nginx_at(n)
            print(f"\n{n} routes")
            print(f"  glidepath  created in {g['created_s']:.1f}s through the admin API; weight change p50 {g['change_p50']:.2f} ms "
                  f"p99 {g['change_p99']:.2f} ms; RSS after GC {g['rss_mib']:.0f} MiB; {g['rps']:.0f} req/s on the middle route "
                  f"(errors {g['errors']}); state files {g['files']}")
            print(f"             live heap after GC {g['live_mib']:.1f} MiB ({(g['live_mib'] - g['empty_mib']) * 1024 / n:.2f} KiB a route over "
                  f"the {g['empty_mib']:.1f} MiB of a router with none); largest: "
                  + ", ".join(f"{c} {b / 2**20:.1f} MiB" for c, b in g['top']))
            print(f"             after the load on the middle route: live heap {g['live_loaded_mib']:.1f} MiB, RSS {g['rss_loaded_mib']:.0f} MiB")
            print(f"  nginx      {n} server blocks loaded in {x['loaded_s']:.1f}s; RSS {x['rss_mib']:.0f} MiB (master and 2 workers); "
                  f"{x['rps']:.0f} req/s on the middle block (errors {x['errors']})")
    finally:
        backend.stop()
        shutil.rmtree(pb.WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
