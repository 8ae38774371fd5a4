#!/usr/bin/env python3
"""Samples, once a second, the CPU use (percent of one core) and RSS of the gateway (pid given)
and of all sipp processes together; prints CSV lines until killed:
t,gw_cpu,gw_rss_kb,sipp_cpu,sipp_rss_kb,gw_threads,machine_cpu
(machine_cpu: busy share of all cores, in percent of one core, so others' load shows as
machine_cpu - gw_cpu - sipp_cpu)."""

import os
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def stat(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/%d/status" % pid) as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
        rss = int(status["VmRSS"].split()[0])
        threads = int(status["Threads"])
        return int(fields[11]) + int(fields[12]), rss, threads
    except (OSError, KeyError, IndexError, ValueError):
        return None


def machine_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def sipp_pids():
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/comm" % d) as f:
                    if f.read().strip() == "sipp":
                        out.append(int(d))
            except OSError:
                pass
    return out


def main():
    gw = int(sys.argv[1])
    prev = {}
    t0 = time.monotonic()
    last = t0
    print("t,gw_cpu,gw_rss_kb,sipp_cpu,sipp_rss_kb,gw_threads,machine_cpu", flush=True)
    busy0, total0 = machine_busy()
    ncpu = os.cpu_count()
    while True:
        time.sleep(1.0)
        now = time.monotonic()
        dt = now - last
        last = now
        row = []
        for group in ([gw], sipp_pids()):
            cpu, rss, threads = 0.0, 0, 0
            for pid in group:
                s = stat(pid)
                if s is None:
                    continue
                ticks, r, th = s
                if pid in prev:
                    cpu += (ticks - prev[pid]) / TICK / dt * 100
                prev[pid] = ticks
                rss += r
                threads += th
            row.append((cpu, rss, threads))
        (gc, gr, gt), (sc, sr, _) = row
        busy, total = machine_busy()
        mc = (busy - busy0) / max(1, total - total0) * 100 * ncpu
        busy0, total0 = busy, total
        print("%.1f,%.1f,%d,%.1f,%d,%d,%.1f" % (now - t0, gc, gr, sc, sr, gt, mc), flush=True)


if __name__ == "__main__":
    main()
