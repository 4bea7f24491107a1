#!/usr/bin/env python3
"""Glidepath's router against nginx and HAProxy as reverse proxies, in front of one nginx backend.

Every proxy gets the same settings where they exist (keep-alive to the backend, two workers or
threads or event loops, access logs off). Rounds alternate the targets so that the machine's noise
falls on all of them; the figures are medians over rounds. CPU per request comes from
/proc/PID/stat (user + system time of every process of the proxy) divided by the requests wrk made.

Scenarios:
  single  one backend, the route as users create it (cookie stickiness on, metrics on, weight 0)
  split   two backend ports, 50/50 split; Glidepath with cookie stickiness and metrics on (wrk sends
          no cookie, so every request is a first contact that gets a Set-Cookie: the costly case)
  tls     as single, with every proxy terminating TLS (an ECDSA P-256 certificate made with openssl;
          TLS 1.3; nginx ssl, HAProxy bind ssl, Glidepath --tls-listen); the backend stays plain HTTP
  h2      as tls, the clients speaking HTTP/2 (h2load: CONNECTIONS/4 connections, 8 streams each; ALPN h2 on every
          proxy); the backend stays HTTP/1.1. h2load reports no percentiles: the p50 column holds the mean
          latency and p99 the largest
"""
import json
import os
import re
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DURATION = int(os.environ.get("DURATION", "20"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "64"))
WARMUP = int(os.environ.get("WARMUP", "10"))
SCENARIOS = os.environ.get("SCENARIOS", "single split tls h2").split()
CLK_TCK = os.sysconf("SC_CLK_TCK")
PORTS = {"backend": 18100, "backend2": 18101, "nginx": 18111, "haproxy": 18112, "glidepath": 18113, "admin": 18114, "glidepath_plain": 18115}
BODY = "hello world!\n"  # 13 bytes


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def wait_port(port, timeout=30, scheme="http"):
    end = time.time() + timeout
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    while time.time() < end:
        try:
            urllib.request.urlopen(f"{scheme}://127.0.0.1:{port}/", timeout=1, context=unverified if scheme == "https" else None).read()
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers on port {port}")


def tree_pids(pid):
    """The process and all its descendants."""
    pids = [pid]
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for child in out:
        pids.extend(tree_pids(int(child)))
    return pids


def cpu_ticks(pid):
    total = 0
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except FileNotFoundError:
            pass
    return total


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def wrk(port, seconds, headers=(), scheme="http"):
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    out = sh(cmd + [f"{scheme}://127.0.0.1:{port}/"]).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    lat = dict(re.findall(r"\s+(50|99)%\s+([\d.]+\w+)", out))
    return {"rps": rps, "requests": total, "p50": to_ms(lat["50"]), "p99": to_ms(lat["99"]),
            "errors": (int(errors.group(1)) if errors else 0) + (sum(map(int, sock.groups())) if sock else 0)}


def h2load(port, seconds, scheme="https"):
    conns = max(1, CONNECTIONS // 4)
    cmd = ["h2load", "-c", str(conns), "-m", "8", "-D", str(seconds), "-t", "1"]
    if scheme == "http":
        cmd.append("--h1")  # the direct backend speaks HTTP/1.1 only
    out = sh(cmd + [f"{scheme}://127.0.0.1:{port}/"]).stdout
    rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
    done = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", out)
    status = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    t = re.search(r"time for request:\s+([\d.]+\w+)\s+([\d.]+\w+)\s+([\d.]+\w+)", out)
    return {"rps": rps, "requests": int(done.group(3)), "p50": to_ms(t.group(3)), "p99": to_ms(t.group(2)),
            "errors": int(done.group(5)) + int(done.group(6)) + int(status.group(3)) + int(status.group(4))}


def to_ms(v):
    num = float(re.match(r"[\d.]+", v).group(0))
    unit = v[len(re.match(r"[\d.]+", v).group(0)):]
    return num * {"us": 0.001, "ms": 1, "s": 1000}[unit]


class Proc:
    def __init__(self, name, cmd, env=None):
        self.name = name
        self.log = open(os.path.join(WORK, name + ".log"), "w")
        self.p = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def stop(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)


def write(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def backend_conf():
    return write("backend.conf", f"""
worker_processes 1;
daemon off; pid {WORK}/backend.pid; error_log {WORK}/backend-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off; keepalive_requests 1000000; keepalive_timeout 300s;
  server {{ listen 127.0.0.1:{PORTS['backend']}; listen 127.0.0.1:{PORTS['backend2']};
           location / {{ default_type text/plain; return 200 "{BODY.strip()}\\n"; }} }}
}}""")


def certificate():
    """An ECDSA P-256 certificate for 127.0.0.1 and localhost: key and chain as each proxy takes them."""
    d = os.path.join(WORK, "certs")
    os.makedirs(d, exist_ok=True)
    sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout", os.path.join(d, "default.key"), "-out", os.path.join(d, "default.crt")])
    with open(os.path.join(WORK, "haproxy.pem"), "w") as f:  # HAProxy: chain and key in one file
        f.write(open(os.path.join(d, "default.crt")).read() + open(os.path.join(d, "default.key")).read())
    return d


def nginx_conf(split, tls=False):
    servers = f"server 127.0.0.1:{PORTS['backend']};" + (f" server 127.0.0.1:{PORTS['backend2']};" if split else "")
    return write("nginx.conf", f"""
worker_processes 2;
daemon off; pid {WORK}/nginx.pid; error_log {WORK}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off; keepalive_requests 1000000; keepalive_timeout 300s;
  upstream backend {{ {servers} keepalive 128; keepalive_requests 1000000; }}
  server {{ listen 127.0.0.1:{PORTS['nginx']}{' ssl' if tls else ''}{' http2' if tls == 'h2' else ''};
           {f"ssl_certificate {WORK}/certs/default.crt; ssl_certificate_key {WORK}/certs/default.key; ssl_protocols TLSv1.2 TLSv1.3;" if tls else ""}
           location / {{ proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }} }}
}}""")


def haproxy_conf(split, tls=False):
    servers = f"  server b1 127.0.0.1:{PORTS['backend']}\n" + (f"  server b2 127.0.0.1:{PORTS['backend2']}\n" if split else "")
    return write("haproxy.cfg", f"""
global
  nbthread 2
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
frontend fe
  bind 127.0.0.1:{PORTS['haproxy']}{f" ssl crt {WORK}/haproxy.pem ssl-min-ver TLSv1.2 alpn h2,http/1.1" if tls else ""}
  default_backend be
backend be
  balance roundrobin
{servers}""")


def admin(method, path, body, token):
    req = urllib.request.Request(f"http://127.0.0.1:{PORTS['admin']}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=10).read())


def find_java():
    for j in [os.path.join(os.environ.get("JAVA_HOME", "/nonexistent"), "bin/java"), "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"] + \
             [os.path.join("/usr/lib/jvm", d, "bin/java") for d in sorted(os.listdir("/usr/lib/jvm"))]:
        if os.path.exists(j):
            v = subprocess.run([j, "-version"], capture_output=True, text=True).stderr
            m = re.search(r'version "(\d+)', v)
            if m and int(m.group(1)) >= 21:
                return j, int(m.group(1))
    raise RuntimeError("no JDK 21+ found")


def start_glidepath(split, tls=False):
    java, major = find_java()
    flags = ["--enable-native-access=ALL-UNNAMED"] + (["--sun-misc-unsafe-memory-access=allow"] if major >= 23 else [])
    state = os.path.join(WORK, "glidepath-state")
    shutil.rmtree(state, ignore_errors=True)
    # with TLS, the measured port is the HTTPS listener's; the plain one moves aside
    listen = ["--listen", f"127.0.0.1:{PORTS['glidepath_plain']}", "--tls-listen", f"127.0.0.1:{PORTS['glidepath']}",
              "--certs", os.path.join(WORK, "certs")] if tls else ["--listen", f"127.0.0.1:{PORTS['glidepath']}"]
    p = Proc("glidepath", [java] + flags + ["-jar", os.path.join(ROOT, "glidepath-cli/target/glidepath.jar"), "router"] + listen +
             ["--admin", f"127.0.0.1:{PORTS['admin']}", "--event-loops", "2", "--state-dir", state])
    for _ in range(100):
        if os.path.exists(os.path.join(state, "admin.token")):
            break
        time.sleep(0.1)
    time.sleep(1)
    token = open(os.path.join(state, "admin.token")).read().strip()
    route = {"stable": [f"127.0.0.1:{PORTS['backend']}"]}
    if split:
        route.update({"canary": [f"127.0.0.1:{PORTS['backend2']}"], "canaryWeight": 5000})
    admin("PUT", "/v1/routes/bench", route, token)
    wait_port(PORTS["glidepath"], scheme="https" if tls else "http")
    return p


def run_scenario(name):
    split = name == "split"
    tls = "h2" if name == "h2" else name == "tls"
    procs = {}
    try:
        if tls:
            certificate()
        procs["backend"] = Proc("backend", ["nginx", "-c", backend_conf()])
        wait_port(PORTS["backend"])
        procs["nginx"] = Proc("nginx", ["nginx", "-c", nginx_conf(split, tls)])
        procs["haproxy"] = Proc("haproxy", ["haproxy", "-f", haproxy_conf(split, tls)])
        procs["glidepath"] = start_glidepath(split, tls)
        for t in ("nginx", "haproxy", "glidepath"):
            wait_port(PORTS[t], scheme="https" if tls else "http")
        targets = ["direct", "nginx", "haproxy", "glidepath"]
        port = {"direct": PORTS["backend"], "nginx": PORTS["nginx"], "haproxy": PORTS["haproxy"], "glidepath": PORTS["glidepath"]}
        scheme = {t: "https" if tls and t != "direct" else "http" for t in targets}
        for t in targets[1:]:
            print(f"  warming {t} for {WARMUP}s", file=sys.stderr)
            h2load(port[t], WARMUP, scheme[t]) if name == "h2" else wrk(port[t], WARMUP, scheme=scheme[t])
        results = {t: [] for t in targets}
        for r in range(ROUNDS):
            for t in targets:
                pid = procs[t if t != "direct" else "backend"].p.pid
                before = cpu_ticks(pid)
                res = h2load(port[t], DURATION, scheme[t]) if name == "h2" else wrk(port[t], DURATION, scheme=scheme[t])
                ticks = cpu_ticks(pid) - before
                res["cpu_us"] = ticks * 1e6 / CLK_TCK / max(1, res["requests"])
                results[t].append(res)
                print(f"  [{name}] round {r + 1}/{ROUNDS} {t:9s} {res['rps']:9.0f} req/s  p50 {res['p50']:6.2f} ms  "
                      f"p99 {res['p99']:6.2f} ms  cpu {res['cpu_us']:5.1f} us/req  errors {res['errors']}", file=sys.stderr)
        rss = peak_rss_kib(procs["glidepath"].p.pid)
        return results, rss
    finally:
        for p in reversed(list(procs.values())):
            p.stop()


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def main():
    global WORK
    WORK = tempfile.mkdtemp(prefix="glidepath-bench-")
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {os.cpu_count()} cores, {cpu}; wrk -t1 -c{CONNECTIONS} -d{DURATION}s, {ROUNDS} rounds, medians")
    for name in SCENARIOS:
        results, rss = run_scenario(name)
        print(f"\nscenario {name}")
        print(f"  {'target':10s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'cpu us/req':>11s} {'errors':>7s}")
        for t, rows in results.items():
            print(f"  {t:10s} {med(rows, 'rps'):9.0f} {med(rows, 'p50'):8.2f} {med(rows, 'p99'):8.2f} {med(rows, 'cpu_us'):11.1f} "
                  f"{sum(r['errors'] for r in rows):7d}")
        g = results["glidepath"]
        for other in ("nginx", "haproxy"):
            o = results[other]
            print(f"  glidepath/{other:7s} throughput {med(g, 'rps') / med(o, 'rps'):.2f}x  p99 {med(g, 'p99') / med(o, 'p99'):.2f}x  "
                  f"cpu/req {med(g, 'cpu_us') / med(o, 'cpu_us'):.2f}x")
        print(f"  glidepath router peak RSS {rss / 1024:.0f} MiB")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
