#!/usr/bin/env python3
"""CPU seconds by kind of process over a run: samples /proc every half second until stopped (Ctrl-C or
SIGTERM), then prints each kind's CPU (user + system, the most a process was seen to have used), its
process count, and the share of the machine's capacity over the sampled time.

    bench/proc-cpu.py [SECONDS]      # sample for SECONDS, or until stopped

A process is keyed by pid and start time, so a pid reused is a new process; its kind comes from its
command line (the first rule in KINDS that matches). Used to find where the test suite's CPU goes."""
import os, re, signal, sys, time

KINDS = [
    ("sample-service instance", r"io\.glidepath\.examples\.SampleService|glidepath-sample"),
    ("surefire test JVM", r"surefire"),
    ("glidepath server", r"io\.glidepath\.cli\.Main .*\bserver\b|glidepath\.jar .*\bserver\b"),
    ("glidepath router", r"io\.glidepath\.cli\.Main .*\brouter\b|glidepath\.jar .*\brouter\b"),
    ("glidepath (other commands)", r"io\.glidepath|glidepath\.jar"),
    ("maven", r"plexus-classworlds|org\.codehaus\.plexus"),
    ("nginx", r"^nginx"), ("haproxy", r"^haproxy"), ("postgres", r"postgres"),
    ("chromium", r"chrom"), ("prometheus", r"prometheus"), ("pebble", r"pebble"),
    ("python", r"python"), ("other java", r"java"),
]
TICK = os.sysconf("SC_CLK_TCK")

def snapshot(seen):
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2:].split()
            cpu = (int(fields[11]) + int(fields[12])) / TICK
            key = (pid, fields[19])
            if key not in seen:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
                seen[key] = [kind(cmd or stat), 0.0]
            seen[key][1] = max(seen[key][1], cpu)
        except (OSError, ValueError, IndexError):
            pass

def kind(cmd):
    for name, rule in KINDS:
        if re.search(rule, cmd):
            return name
    return "other"

def main():
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else float("inf")
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    seen, start = {}, time.time()
    snapshot(seen)
    baseline = {k: v[1] for k, v in seen.items()}  # what running processes had used before we started
    try:
        while not stop and time.time() - start < limit:
            time.sleep(0.5)
            snapshot(seen)
    except KeyboardInterrupt:
        pass
    wall = time.time() - start
    totals = {}
    for key, (name, cpu) in seen.items():
        t = totals.setdefault(name, [0.0, 0])
        t[0] += cpu - baseline.get(key, 0.0)
        t[1] += 1
    cores = os.cpu_count()
    print(f"{wall:.0f} s sampled on {cores} cores ({wall * cores:.0f} core-seconds)")
    for name, (cpu, n) in sorted(totals.items(), key=lambda x: -x[1][0]):
        if cpu >= 0.5:
            print(f"{cpu:8.1f} s  {100 * cpu / (wall * cores):5.1f}%  {n:4d} processes  {name}")
    print(f"{sum(t[0] for t in totals.values()):8.1f} s  in all")

main()
