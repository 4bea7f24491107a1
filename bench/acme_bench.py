#!/usr/bin/env python3
"""Route creation -> first successful HTTPS request, through pebble's ACME (see acme-bench.sh).

Starts pebble-challtestsrv (DNS: every name -> 127.0.0.1), pebble (its validation authority connecting
to the router's plain port for HTTP-01), a tiny backend and `glidepath router --tls-listen --acme`,
then creates NAMES routes one after the other, each for its own host, and times each from the PUT to
the first HTTPS request answered 200 with a chain that verifies against pebble's root for that name.
"""
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port(udp_too=False):
    while True:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if not udp_too:
            return port
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()


def wait_until(what, check, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.02)
    raise SystemExit(f"acme-bench: {what} did not happen within {timeout}s")


def listens(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    launcher, names = sys.argv[1], int(sys.argv[2])
    work = tempfile.mkdtemp(prefix="acme-bench-")
    procs = []
    try:
        # pebble's own HTTPS certificate (its API), which the router trusts through --acme-ca-root
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", f"{work}/pebble.key", "-out", f"{work}/pebble.crt"], check=True, capture_output=True)
        acme_port, mgmt_port, alpn_port, dns_mgmt = free_port(), free_port(), free_port(), free_port()
        dns_port = free_port(udp_too=True)
        backend = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
        threading.Thread(target=backend.serve_forever, daemon=True).start()

        state = f"{work}/state"
        router = subprocess.Popen([launcher, "router", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--state-dir", state,
                                   "--tls-listen", "127.0.0.1:0", "--acme", "--acme-directory", f"https://localhost:{acme_port}/dir",
                                   "--acme-ca-root", f"{work}/pebble.crt"],
                                  stdout=subprocess.PIPE, stderr=open(f"{work}/router.log", "w"), text=True, start_new_session=True)
        procs.append(router)
        ready = None
        for line in router.stdout:
            if line.startswith("glidepath router ready"):
                ready = line.split()
                break
        if ready is None:
            raise SystemExit("acme-bench: the router did not start: " + open(f"{work}/router.log").read())
        threading.Thread(target=lambda: [None for _ in router.stdout], daemon=True).start()
        fields = dict(zip(ready[3::2], ready[4::2]))
        plain_port = int(fields["proxy"].rsplit(":", 1)[1])
        admin = fields["admin"]
        tls_port = int(fields["https"].rsplit(":", 1)[1])
        token = open(fields["token"]).read().strip()

        with open(f"{work}/pebble.json", "w") as f:
            json.dump({"pebble": {"listenAddress": f"127.0.0.1:{acme_port}", "managementListenAddress": f"127.0.0.1:{mgmt_port}",
                                  "certificate": f"{work}/pebble.crt", "privateKey": f"{work}/pebble.key", "httpPort": plain_port,
                                  "tlsPort": alpn_port, "ocspResponderURL": "", "externalAccountBindingRequired": False}}, f)
        log = open(f"{work}/pebble.log", "w")
        procs.append(subprocess.Popen(["pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", f"127.0.0.1:{dns_port}",
                                       "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", f"127.0.0.1:{dns_mgmt}"],
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0", PEBBLE_AUTHZREUSE="0")
        procs.append(subprocess.Popen(["pebble", "-config", f"{work}/pebble.json", "-dnsserver", f"127.0.0.1:{dns_port}"], env=env,
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        wait_until("pebble listening", lambda: listens(acme_port) and listens(mgmt_port) and listens(dns_mgmt))
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE
        pebble_root = urllib.request.urlopen(f"https://127.0.0.1:{mgmt_port}/roots/0", context=insecure).read().decode()
        trust = ssl.create_default_context(cadata=pebble_root)

        def put_route(i, host):
            body = json.dumps({"match": {"host": host}, "stable": [f"127.0.0.1:{backend.server_port}"]}).encode()
            req = urllib.request.Request(f"http://{admin}/v1/routes/site{i}", data=body, method="PUT",
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            urllib.request.urlopen(req).read()

        def https_ok(host):
            with socket.create_connection(("127.0.0.1", tls_port), timeout=2) as raw:
                with trust.wrap_socket(raw, server_hostname=host) as s:  # SNI, chain and name verified
                    c = http.client.HTTPConnection(host)
                    c.sock = s
                    c.request("GET", "/")
                    return c.getresponse().status == 200

        times = []
        for i in range(names):
            host = f"site{i}.bench.test"
            t0 = time.monotonic()
            put_route(i, host)
            wait_until(f"HTTPS for {host}", lambda: https_ok(host), timeout=60)
            times.append((time.monotonic() - t0) * 1000)
            print(f"{host}: {times[-1]:.0f} ms", flush=True)
        times.sort()
        p90 = times[min(len(times) - 1, int(round(0.9 * len(times))) - 1)]
        print(f"\nroute created -> first HTTPS 200 through pebble (HTTP-01), {names} names one after the other:")
        print(f"  median {statistics.median(times):.0f} ms, p90 {p90:.0f} ms, min {times[0]:.0f} ms, max {times[-1]:.0f} ms")
        print("  anchor: none (nginx and HAProxy do not get certificates themselves; certbot beside nginx is a separate tool)")
    finally:
        for p in reversed(procs):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
