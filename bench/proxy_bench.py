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
          proxy); the backend stays HTTP/1.1. h2load prints no percentiles: p50 and p99 come from its
          per-request log (--log-file), and each round's line also shows the largest
  sticky  as split, with returning clients: wrk sends each request with the cookie of one of 1,000 clients
          (gp_client=c1..c1000, at random), so Glidepath's sticky split keeps each client on its track and counts
          its answers for the judge (first errors, reveals), as on a real site; nginx and HAProxy round-robin
  mirror  as single, every request also copied to a second backend port (shadow traffic; Glidepath's route
          mirror 100% to a canary at weight 0, nginx's mirror directive; HAProxy has no built-in mirroring and
          is left out); compare with single in the same run for what mirroring costs users
  post, mirror-post  as single and mirror with every request a POST of a 1 KiB JSON body (Glidepath's route mirrors
          every method, bodies included; nginx's mirror sends the body too)
  h2c     HTTP/2 in clear text on both sides, gRPC's transport: h2load with prior knowledge to each proxy, and
          each proxy to an nginx backend that speaks only HTTP/2 (nginx grpc_pass, HAProxy proto h2, Glidepath's
          endpoint protocol h2c); "direct" is h2load to that backend

Other settings: GLIDEPATH_JAR runs another router jar than the built one; BASELINE_JAR adds a fifth target, "baseline",
a second router from that jar (another build, for before/after figures from the same rounds); GLIDEPATH_JVM_OPTS adds
JVM flags to the router measured (space-separated, such as -XX:StartFlightRecording=...); TARGETS measures only the
targets it names (such as "nginx glidepath baseline").
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
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DURATION = int(os.environ.get("DURATION", "20"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "64"))
WARMUP = int(os.environ.get("WARMUP", "10"))
SCENARIOS = os.environ.get("SCENARIOS", "single split tls h2 h2c").split()
CLK_TCK = os.sysconf("SC_CLK_TCK")
PORTS = {"backend": 18100, "backend2": 18101, "nginx": 18111, "haproxy": 18112, "glidepath": 18113, "admin": 18114, "glidepath_plain": 18115,
         "baseline": 18116, "baseline_admin": 18117, "baseline_plain": 18118}
GLIDEPATH_JAR = os.environ.get("GLIDEPATH_JAR") or os.path.join(ROOT, "glidepath-cli/target/glidepath.jar")
BASELINE_JAR = os.environ.get("BASELINE_JAR")
GLIDEPATH_JVM_OPTS = os.environ.get("GLIDEPATH_JVM_OPTS", "").split()
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


def cpu_ticks(pid, user_only=False):
    total = 0
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + (0 if user_only else int(fields[12]))  # utime, stime
        except FileNotFoundError:
            pass
    return total


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


POST_LUA = """
-- every request a POST with a 1 KiB JSON body
wrk.method = "POST"
wrk.body = '{"order":"' .. string.rep("x", 1011) .. '"}'
wrk.headers["Content-Type"] = "application/json"
"""

STICKY_CLIENTS_LUA = """
-- each request as one of 1,000 returning clients, chosen at random: the cookie the sticky split reads
math.randomseed(7)
request = function()
  return wrk.format(nil, nil, {["Cookie"] = "gp_client=c" .. math.random(1, 1000)})
end
"""


def wrk(port, seconds, headers=(), scheme="http", script=None):
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", write("clients.lua", script)]
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


def h2load(port, seconds, scheme="https", h1=None):
    conns = max(1, CONNECTIONS // 4)
    cmd = ["h2load", "-c", str(conns), "-m", "8", "-D", str(seconds), "-t", "1"]
    if h1 if h1 is not None else scheme == "http":
        cmd.append("--h1")  # the direct backend speaks HTTP/1.1 only
    # h2load prints only min/max/mean: its per-request log (start, status, microseconds) gives the percentiles
    log = os.path.join(WORK, "h2load-requests.tsv")
    out = sh(cmd + ["--log-file", log, f"{scheme}://127.0.0.1:{port}/"]).stdout
    rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
    done = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", out)
    status = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    with open(log) as f:
        micros = sorted(int(line.split("\t")[2]) for line in f if line.count("\t") == 2)
    os.remove(log)
    pct = lambda q: micros[min(len(micros) - 1, int(q * len(micros)))] / 1000.0
    return {"rps": rps, "requests": int(done.group(3)), "p50": pct(0.50), "p99": pct(0.99), "max": micros[-1] / 1000.0,
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


def wait_tcp(port, timeout=30):
    """For ports that speak only HTTP/2 with prior knowledge, where an HTTP/1.1 GET gets no answer."""
    import socket
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


def backend_conf(h2c=False):
    h2 = " http2" if h2c else ""
    return write("backend.conf", f"""
worker_processes 1;
daemon off; pid {WORK}/backend.pid; error_log {WORK}/backend-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off; keepalive_requests 1000000; keepalive_timeout 300s; http2_max_requests 1000000;
  server {{ listen 127.0.0.1:{PORTS['backend']}{h2}; listen 127.0.0.1:{PORTS['backend2']}{h2};
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
    """nginx as the proxy: two workers, keep-alive to the backend, the server block as the scenario needs."""
    servers = f"server 127.0.0.1:{PORTS['backend']};" + (f" server 127.0.0.1:{PORTS['backend2']};" if split else "")
    proxy = 'proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection "";'
    upstreams = f"upstream backend {{ {servers} keepalive 128; keepalive_requests 1000000; }}"
    if tls == "mirror":
        upstreams += f" upstream shadow {{ server 127.0.0.1:{PORTS['backend2']}; keepalive 128; keepalive_requests 1000000; }}"
        server = (f"listen 127.0.0.1:{PORTS['nginx']}; location / {{ mirror /shadow; {proxy} }} "
                  f"location = /shadow {{ internal; {proxy.replace('http://backend', 'http://shadow$request_uri')} }}")
    elif tls == "h2c":
        server = f"listen 127.0.0.1:{PORTS['nginx']} http2; location / {{ grpc_pass grpc://backend; }}"
    else:
        certs = (f"ssl_certificate {WORK}/certs/default.crt; ssl_certificate_key {WORK}/certs/default.key; "
                 f"ssl_protocols TLSv1.2 TLSv1.3;") if tls else ""
        server = f"listen 127.0.0.1:{PORTS['nginx']}{' ssl' if tls else ''}{' http2' if tls == 'h2' else ''}; {certs} location / {{ {proxy} }}"
    return write("nginx.conf", f"""
worker_processes 2;
daemon off; pid {WORK}/nginx.pid; error_log {WORK}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off; keepalive_requests 1000000; keepalive_timeout 300s; http2_max_requests 1000000;
  {upstreams}
  server {{ {server} }}
}}""")


def haproxy_conf(split, tls=False):
    proto = " proto h2" if tls == "h2c" else ""
    servers = f"  server b1 127.0.0.1:{PORTS['backend']}{proto}\n" + (f"  server b2 127.0.0.1:{PORTS['backend2']}{proto}\n" if split else "")
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
  bind 127.0.0.1:{PORTS['haproxy']}{" proto h2" if tls == "h2c" else f" ssl crt {WORK}/haproxy.pem ssl-min-ver TLSv1.2 alpn h2,http/1.1" if tls else ""}
  default_backend be
backend be
  balance roundrobin
{servers}""")


def admin(method, path, body, token, port=PORTS["admin"]):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
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


def start_glidepath(split, tls=False, name="glidepath", bodies=False):
    """The router measured ("glidepath", GLIDEPATH_JAR) or the one it is compared with ("baseline", BASELINE_JAR)."""
    java, major = find_java()
    flags = ["--enable-native-access=ALL-UNNAMED"] + (["--sun-misc-unsafe-memory-access=allow"] if major >= 23 else [])
    if name == "glidepath":
        flags += GLIDEPATH_JVM_OPTS
    jar = GLIDEPATH_JAR if name == "glidepath" else BASELINE_JAR
    port, plain = PORTS[name], PORTS[name + "_plain"]
    admin_port = PORTS["admin" if name == "glidepath" else name + "_admin"]
    state = os.path.join(WORK, name + "-state")
    shutil.rmtree(state, ignore_errors=True)
    # with TLS, the measured port is the HTTPS listener's; the plain one moves aside
    listen = ["--listen", f"127.0.0.1:{plain}", "--tls-listen", f"127.0.0.1:{port}",
              "--certs", os.path.join(WORK, "certs")] if tls and tls not in ("h2c", "mirror") else ["--listen", f"127.0.0.1:{port}"]
    p = Proc(name, [java] + flags + ["-jar", jar, "router"] + listen +
             ["--admin", f"127.0.0.1:{admin_port}", "--event-loops", "2", "--state-dir", state])
    for _ in range(100):
        if os.path.exists(os.path.join(state, "admin.token")):
            break
        time.sleep(0.1)
    time.sleep(1)
    token = open(os.path.join(state, "admin.token")).read().strip()
    route = {"stable": [f"127.0.0.1:{PORTS['backend']}"]}
    if split:
        route.update({"canary": [f"127.0.0.1:{PORTS['backend2']}"], "canaryWeight": 5000})
    if tls == "mirror":
        route.update({"canary": [f"127.0.0.1:{PORTS['backend2']}"], "canaryWeight": 0, "mirror": {"weight": 10000, "allMethods": bodies}})
    if tls == "h2c":
        route["endpointSettings"] = {a: {"protocol": "h2c"} for a in route["stable"] + route.get("canary", [])}
    try:
        for attempt in range(60):  # the token is written before the admin listener is up: on a busy box it may take seconds
            try:
                admin("PUT", "/v1/routes/bench", route, token, admin_port)
                break
            except urllib.error.URLError:
                if attempt == 59:
                    raise
                time.sleep(0.5)
        if tls == "h2c":
            wait_tcp(port)
        else:
            wait_port(port, scheme="https" if tls and tls != "mirror" else "http")
    except Exception:
        p.stop()  # not left running behind a failed scenario
        raise
    return p


def run_scenario(name):
    split = name in ("split", "sticky")
    script = STICKY_CLIENTS_LUA if name == "sticky" else POST_LUA if name in ("post", "mirror-post") else None
    tls = "mirror" if name == "mirror-post" else name if name in ("h2c", "h2", "mirror") else name == "tls"
    h2c = name == "h2c"
    mirror = tls == "mirror"
    procs = {}
    try:
        if tls and not h2c and not mirror:
            certificate()
        procs["backend"] = Proc("backend", ["nginx", "-c", backend_conf(h2c)])
        wait_tcp(PORTS["backend"]) if h2c else wait_port(PORTS["backend"])
        procs["nginx"] = Proc("nginx", ["nginx", "-c", nginx_conf(split, tls)])
        if not mirror:
            procs["haproxy"] = Proc("haproxy", ["haproxy", "-f", haproxy_conf(split, tls)])
        procs["glidepath"] = start_glidepath(split, tls, bodies=name == "mirror-post")
        targets = ["direct", "nginx", "glidepath"] if mirror else ["direct", "nginx", "haproxy", "glidepath"]
        if BASELINE_JAR:
            procs["baseline"] = start_glidepath(split, tls, "baseline", bodies=name == "mirror-post")
            targets.append("baseline")
        if os.environ.get("TARGETS"):  # a subset, such as "nginx glidepath baseline" while iterating
            targets = [t for t in targets if t in os.environ["TARGETS"].split()]
        for t in (t for t in targets if t != "direct"):
            wait_tcp(PORTS[t]) if h2c else wait_port(PORTS[t], scheme="https" if tls and not mirror else "http")
        port = {"direct": PORTS["backend"], "nginx": PORTS["nginx"], "haproxy": PORTS["haproxy"], "glidepath": PORTS["glidepath"],
                "baseline": PORTS["baseline"]}
        scheme = {t: "https" if tls and not h2c and not mirror and t != "direct" else "http" for t in targets}

        def load(t, seconds):
            if h2c:
                return h2load(port[t], seconds, "http", h1=False)  # prior knowledge everywhere, the backend too
            return h2load(port[t], seconds, scheme[t]) if name == "h2" else wrk(port[t], seconds, scheme=scheme[t], script=script)
        for t in (t for t in targets if t != "direct"):
            print(f"  warming {t} for {WARMUP}s", file=sys.stderr)
            load(t, WARMUP)
        results = {t: [] for t in targets}
        for r in range(ROUNDS):
            for t in targets:
                pid = procs[t if t != "direct" else "backend"].p.pid
                before, user_before = cpu_ticks(pid), cpu_ticks(pid, True)
                res = load(t, DURATION)
                ticks, user_ticks = cpu_ticks(pid) - before, cpu_ticks(pid, True) - user_before
                res["cpu_us"] = ticks * 1e6 / CLK_TCK / max(1, res["requests"])
                res["user_us"] = user_ticks * 1e6 / CLK_TCK / max(1, res["requests"])
                results[t].append(res)
                print(f"  [{name}] round {r + 1}/{ROUNDS} {t:9s} {res['rps']:9.0f} req/s  p50 {res['p50']:6.2f} ms  "
                      f"p99 {res['p99']:6.2f} ms  cpu {res['cpu_us']:5.1f} us/req (user {res['user_us']:4.1f})  errors {res['errors']}"
                      + (f"  max {res['max']:.1f} ms" if "max" in res else ""), file=sys.stderr)
        rss = peak_rss_kib(procs["glidepath"].p.pid)
        for t in ("glidepath", "baseline"):  # which transport each router's sockets took (its log's "N event loops (io_uring)")
            if t in procs:
                found = re.search(r"event loops \((\w+)\)", open(os.path.join(WORK, t + ".log")).read())
                print(f"  [{name}] {t} router's sockets: {found.group(1) if found else 'not in its log'}", file=sys.stderr)
        if mirror and "glidepath" in targets:  # that the copies went out: the canary's shadow figures over the run
            token = open(os.path.join(WORK, "glidepath-state", "admin.token")).read().strip()
            shadow = admin("GET", "/v1/routes/bench/stats?window=300s", None, token)["shadow"]
            served = sum(r["requests"] for r in results["glidepath"])
            print(f"  [{name}] glidepath's canary answered {shadow['requests']} copies ({shadow.get('status5xx', 0)} 5xx) over the last 300 s; "
                  f"users' requests measured {served}", file=sys.stderr)
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
        for other in (o for o in ("nginx", "haproxy", "baseline") if o in results):
            o = results[other]
            print(f"  glidepath/{other:8s} throughput {med(g, 'rps') / med(o, 'rps'):.2f}x  p99 {med(g, 'p99') / med(o, 'p99'):.2f}x  "
                  f"cpu/req {med(g, 'cpu_us') / med(o, 'cpu_us'):.2f}x")
        print(f"  glidepath router peak RSS {rss / 1024:.0f} MiB")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
