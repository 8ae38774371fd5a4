#!/usr/bin/env python3
"""Reads the raw files of a benchmark step and prints one JSON object of figures.

  analyze.py sipp  <sipp.csv>                       call counts, rate, response times
  analyze.py cpu   <samples.csv> [from_s] [to_s]    mean/max CPU and RSS between two times
  analyze.py keys  <gateway.log> <expected>         RFC 4733 keys heard per call
  analyze.py jitter <capture.pcap> [media_port]     RTP inter-arrival deltas per stream (port: 26000)
  analyze.py pacing <metrics_0.txt> <metrics_1.txt> the gateway's pacing histogram between two scrapes
"""

import collections
import csv
import json
import statistics
import subprocess
import sys


def duration_ms(v):
    # SIPp writes times as HH:MM:SS:microseconds.
    h, m, s, us = v.split(":")
    return (int(h) * 3600 + int(m) * 60 + int(s)) * 1000 + int(us) / 1000


def sipp(path):
    with open(path) as f:
        rows = list(csv.reader(f, delimiter=";"))
    head, last = rows[0], rows[-1]
    col = {name: i for i, name in enumerate(head)}
    g = lambda name: last[col[name]]
    created = int(g("TotalCallCreated"))
    ok = int(g("SuccessfulCall(C)"))
    failed = int(g("FailedCall(C)"))
    max_current = max(int(r[col["CurrentCall"]]) for r in rows[1:])
    # Response-time repartition buckets (cumulative counts per "<x" bucket).
    buckets = [(name, int(last[i])) for name, i in col.items()
               if name.startswith("ResponseTimeRepartition1_") and last[i].isdigit()]
    total = sum(n for _, n in buckets) or 1
    acc, p99 = 0, None
    for name, n in buckets:
        acc += n
        if p99 is None and acc >= 0.99 * total:
            p99 = name.split("_", 1)[1]
    # Steady-state rate: median of the per-period rates once calls are flowing.
    periodic = [float(r[col["CallRate(P)"]]) for r in rows[1:] if float(r[col["CallRate(P)"]]) > 0]
    out = {
        "created": created,
        "successful": ok,
        "failed": failed,
        "success_pct": round(100.0 * ok / created, 3) if created else 0.0,
        "rate_cps_cumulative": float(g("CallRate(C)")),
        "rate_cps_median_period": statistics.median(periodic) if periodic else 0.0,
        "max_concurrent": max_current,
        "invite_to_200_mean_ms": duration_ms(g("ResponseTime1(C)")),
        "invite_to_200_p99_bucket_ms": p99,
        "call_length_mean_ms": duration_ms(g("CallLength(C)")),
        "retransmissions": int(g("Retransmissions(C)")),
        "failed_max_udp_retrans": int(g("FailedMaxUDPRetrans(C)")),
        "failed_unexpected_msg": int(g("FailedUnexpectedMessage(C)")),
        "failed_timeout_on_recv": int(g("FailedTimeoutOnRecv(C)")),
        "elapsed": g("ElapsedTime(C)"),
    }
    return out


def cpu(path, t_from=None, t_to=None):
    with open(path) as f:
        rows = [r for r in csv.DictReader(f)]
    rows = [r for r in rows
            if (t_from is None or float(r["t"]) >= t_from) and (t_to is None or float(r["t"]) <= t_to)]
    if not rows:
        return {}
    col = lambda k: [float(r[k]) for r in rows]
    return {
        "samples": len(rows),
        "gw_cpu_mean_pct": round(statistics.mean(col("gw_cpu")), 1),
        "gw_cpu_max_pct": round(max(col("gw_cpu")), 1),
        "sipp_cpu_mean_pct": round(statistics.mean(col("sipp_cpu")), 1),
        "sipp_cpu_max_pct": round(max(col("sipp_cpu")), 1),
        "machine_cpu_mean_pct": round(statistics.mean(col("machine_cpu")), 1),
        "others_cpu_mean_pct": round(statistics.mean(
            [m - g - s for m, g, s in zip(col("machine_cpu"), col("gw_cpu"), col("sipp_cpu"))]), 1),
        "gw_rss_max_kb": int(max(col("gw_rss_kb"))),
        "gw_threads_max": int(max(col("gw_threads"))),
    }


def keys(path, expected):
    """Counts the call runner's per-key debug lines ("key", JSON logs) per Call-ID, and the demo
    dialog's "keys collected" lines (digits it collected) when that dialog runs."""
    per_call = collections.defaultdict(str)
    collected = collections.Counter()
    calls_ended = 0
    sources = collections.Counter()
    with open(path, errors="replace") as f:
        for line in f:
            if not line.startswith("{"):
                continue
            try:
                e = json.loads(line)
            except ValueError:
                continue
            fields = e.get("fields", {})
            msg = fields.get("message", "")
            span = e.get("span", {})
            call_id = span.get("call_id") or fields.get("call_id")
            if msg in ("key", "key detected") and call_id:
                per_call[call_id] += str(fields.get("key", "?"))
                sources[fields.get("source", "?")] += 1
            elif msg == "keys collected":
                collected[fields.get("digits", "")] += 1
            elif msg == "call ended":
                calls_ended += 1
    sequences = collections.Counter(per_call.values())
    return {
        "calls_with_keys": len(per_call),
        "calls_with_expected": sequences.get(expected, 0),
        "key_sequences_top": sequences.most_common(5),
        "key_sources": dict(sources),
        "demo_dialog_collected_top": collected.most_common(5),
        "calls_ended": calls_ended,
    }


def jitter(path, media_port="26000"):
    out = subprocess.run(
        ["tshark", "-r", path, "-d", f"udp.port=={media_port},rtp", "-T", "fields",
         "-e", "frame.time_epoch", "-e", "udp.srcport", "-e", "rtp.seq", "-e", "rtp.ssrc"],
        capture_output=True, text=True, check=True).stdout
    streams = collections.defaultdict(list)
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or not parts[2]:
            continue
        t, port, seq, ssrc = parts
        streams[(port, ssrc)].append((float(t), int(seq)))
    deltas = []
    gaps = 0
    for pkts in streams.values():
        pkts.sort()
        for (t0, s0), (t1, s1) in zip(pkts, pkts[1:]):
            if (s1 - s0) % 65536 != 1:
                gaps += 1  # a packet lost in the capture: skip this pair
                continue
            deltas.append((t1 - t0) * 1000.0)
    if not deltas:
        return {"streams": len(streams), "deltas": 0}
    deltas.sort()
    q = lambda p: round(deltas[min(len(deltas) - 1, int(p / 100.0 * len(deltas)))], 3)
    dev = sorted(abs(d - 20.0) for d in deltas)
    qd = lambda p: round(dev[min(len(dev) - 1, int(p / 100.0 * len(dev)))], 3)
    return {
        "streams": len(streams),
        "deltas": len(deltas),
        "pairs_skipped_for_gaps": gaps,
        "delta_ms": {"p1": q(1), "p50": q(50), "p99": q(99), "p99.9": q(99.9), "max": q(100)},
        "abs_dev_from_20ms": {"p50": qd(50), "p99": qd(99), "p99.9": qd(99.9), "max": round(dev[-1], 3)},
    }


def metrics(path):
    """The samples of a Prometheus text file: {name{labels}: value}."""
    out = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out


def pacing(before, after):
    """The gateway's pacing histogram between two /metrics scrapes: phases served, the share
    that woke more than 1, 2, 5, 10 ms late, and the 20 ms intervals skipped."""
    a, b = metrics(before), metrics(after)
    name = "sportello_rtp_pacing_lateness_seconds"
    diff = lambda key: b.get(key, 0.0) - a.get(key, 0.0)
    phases = diff(f"{name}_count")
    if phases <= 0:
        return {"phases": 0}
    late = {}
    for bound in ("0.001", "0.002", "0.005", "0.01"):
        within = diff(f'{name}_bucket{{le="{bound}"}}')
        late[f"over_{float(bound) * 1000:g}ms_pct"] = round(100.0 * (phases - within) / phases, 3)
    return {
        "phases": int(phases),
        "mean_lateness_ms": round(1000.0 * diff(f"{name}_sum") / phases, 3),
        **late,
        "stalled_intervals": int(diff("sportello_rtp_pacing_stalled_intervals_total")),
        "streams": int(b.get("sportello_rtp_paced_streams", 0)),
    }


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "sipp":
        r = sipp(args[0])
    elif cmd == "cpu":
        r = cpu(args[0], *(float(a) for a in args[1:3]))
    elif cmd == "keys":
        r = keys(args[0], args[1])
    elif cmd == "jitter":
        r = jitter(*args[:2])
    elif cmd == "pacing":
        r = pacing(*args[:2])
    else:
        sys.exit(__doc__)
    print(json.dumps(r))


if __name__ == "__main__":
    main()
