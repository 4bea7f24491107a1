#!/usr/bin/env python3
"""CPU per request of the sample service, the instance the tests and the demo start most: each class path
given runs the service (JDK 25 flags as the release files give them), answers paced keep-alive requests,
and its own CPU (user + system from /proc) over the load is divided by the requests answered.

    bench/sample-cpu.py CLASSPATH [CLASSPATH...]     # e.g. examples/sample-service/target/sample-service-0.1.0-SNAPSHOT.jar

Environment: RATE (requests/s, default 300), SECONDS (default 12), CONNECTIONS (default 4), ROUNDS
(default 3; the class paths take turns within a round), JAVA (default: the java on the PATH)."""
import http.client, os, subprocess, sys, time

JAVA = os.environ.get("JAVA", "java")
FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m"]
RATE = float(os.environ.get("RATE", "300"))
SECONDS = float(os.environ.get("SECONDS", "12"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "4"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    stat = open(f"/proc/{pid}/stat").read()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def once(classpath):
    port = free_port()
    env = dict(os.environ, PORT=str(port), VERSION="v1", SERVICE_NAME="web")
    p = subprocess.Popen([JAVA] + FLAGS + ["-cp", classpath, "io.glidepath.examples.SampleService"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        while b"listening" not in p.stdout.readline():
            if p.poll() is not None:
                sys.exit(f"sample-cpu: the service on {classpath} exited before it listened")
        before = cpu(p.pid)
        conns = [http.client.HTTPConnection("127.0.0.1", port) for _ in range(CONNECTIONS)]
        n, start = 0, time.time()
        while time.time() - start < SECONDS:
            c = conns[n % CONNECTIONS]
            c.request("GET", "/web")
            r = c.getresponse()
            r.read()
            if r.status != 200:
                sys.exit(f"sample-cpu: answer {r.status}")
            n += 1
            wait = start + n / RATE - time.time()
            if wait > 0:
                time.sleep(wait)
        return (cpu(p.pid) - before) / n * 1e6
    finally:
        p.terminate()
        p.wait()


def main():
    paths = sys.argv[1:]
    if not paths:
        sys.exit(__doc__)
    results = {cp: [] for cp in paths}
    for _ in range(ROUNDS):
        for cp in paths:
            results[cp].append(once(cp))
    print(f"{RATE:.0f} requests/s on {CONNECTIONS} keep-alive connections for {SECONDS:.0f} s, {' '.join(FLAGS)}, {ROUNDS} rounds")
    for cp, us in results.items():
        print(f"{sorted(us)[len(us) // 2]:6.0f} us of CPU per request (median; rounds {', '.join(f'{u:.0f}' for u in us)})  {cp}")


main()
