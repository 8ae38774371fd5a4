#!/usr/bin/env python3
"""From the caller's key to the first packet of the answer's audio, measured on the wire.

  answer_latency.py capture <caller_media_port> <out.tsv>
      Captures on lo (a raw AF_PACKET socket: needs root, nothing to install) until SIGTERM or
      SIGINT, with kernel timestamps, and writes one line per event:
        key_down <t> <key>     the first RFC 4733 packet of a key from the caller's media port
        key_up   <t> <key>     the first end-of-event packet of that key
        talk     <t>           a packet of the gateway to the caller's media port with the RTP
                               marker bit: the start of a prompt (the gateway sends comfort
                               silence without marker between prompts)
  answer_latency.py report <label> <in.tsv> [<in.tsv> ...]    (one call per file)
      Pairs each key with the first prompt start after it (and before the next key), prints one
      JSON object: per key position in the call and overall, p50/p95/max in ms from the key
      going down (first event packet, what the gateway reacts to) and from the key coming up
      (end-of-event; with the sip-tester captures it comes 140 ms after the first packet, so the
      answer often starts before it: negative values).
"""

import json
import signal
import socket
import struct
import sys

ETH_P_ALL = 0x0003
SO_TIMESTAMPNS = 35
SO_RCVBUFFORCE = 33
CAPTURE_BUFFER = 64 << 20
PACKET_OUTGOING = 4
TELEPHONE_EVENT_PT = 101
# A replayed capture reuses its RTP timestamp; the gateway takes the same (timestamp, key)
# for a new press after 800 ms without packets.
SAME_EVENT_S = 0.8


def udp_payload(frame):
    """(src_port, dst_port, payload) of an IPv4/UDP frame captured on lo, or None."""
    if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    if ip[9] != 17:
        return None
    ihl = (ip[0] & 0x0F) * 4
    src, dst = struct.unpack("!HH", ip[ihl:ihl + 4])
    return src, dst, ip[ihl + 8:]


def capture(port, out_path):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind(("lo", 0))
    # Room for seconds of traffic: on a busy machine this process may not run for a while,
    # and a full buffer drops packets (lost keys and prompt starts).
    sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, CAPTURE_BUFFER)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    sock.settimeout(0.2)
    last_event = None  # (rtp timestamp, key, time of its last packet)
    ended = set()
    with open(out_path, "w", buffering=1) as out:
        while not stop:
            try:
                frame, anc, _, addr = sock.recvmsg(2048, 64)
            except (socket.timeout, InterruptedError):
                continue
            if addr[2] == PACKET_OUTGOING:  # lo shows every packet twice
                continue
            t = None
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", data[:16])
                    t = sec + nsec / 1e9
            parsed = udp_payload(frame)
            if t is None or parsed is None:
                continue
            src, dst, rtp = parsed
            if len(rtp) < 12 or rtp[0] >> 6 != 2:
                continue
            marker, pt = rtp[1] >> 7, rtp[1] & 0x7F
            if src == port and pt == TELEPHONE_EVENT_PT and len(rtp) >= 16:
                ts = struct.unpack("!I", rtp[4:8])[0]
                key, end = rtp[12], bool(rtp[13] & 0x80)
                same = (last_event is not None and last_event[0] == ts and last_event[1] == key
                        and t - last_event[2] < SAME_EVENT_S)
                if not same:
                    out.write("key_down\t%.6f\t%d\n" % (t, key))
                    ended.discard((ts, key))
                if end and (ts, key) not in ended:
                    ended.add((ts, key))
                    out.write("key_up\t%.6f\t%d\n" % (t, key))
                last_event = (ts, key, t)
            elif dst == port and pt != TELEPHONE_EVENT_PT and marker:
                out.write("talk\t%.6f\n" % t)


def quantiles(values):
    if not values:
        return {"n": 0}
    v = sorted(values)
    q = lambda p: round(v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))], 1)
    return {"n": len(v), "p50": q(50), "p95": q(95), "max": round(v[-1], 1), "min": round(v[0], 1)}


def pairs(path):
    """Per key of the call captured in `path` (one call per file): the key's position in the
    call, ms from key down and from key up to the answer's first packet."""
    events = [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
    keys = [i for i, e in enumerate(events) if e[0] == "key_down"]
    out = []
    for position, i in enumerate(keys, start=1):
        down = float(events[i][1])
        nxt = keys[position] if position < len(keys) else len(events)
        up = next((float(e[1]) for e in events[i:nxt] if e[0] == "key_up"), None)
        talk = next((float(e[1]) for e in events[i:nxt] if e[0] == "talk"), None)
        out.append({
            "position": position,
            "key": events[i][2],
            "from_down_ms": None if talk is None else (talk - down) * 1000,
            "from_up_ms": None if talk is None or up is None else (talk - up) * 1000,
        })
    return out


def report(label, paths):
    rows = [r for p in paths for r in pairs(p)]
    by_position = {}
    for r in rows:
        by_position.setdefault(r["position"], []).append(r)
    pick = lambda rs, k: [r[k] for r in rs if r[k] is not None]
    result = {
        "label": label,
        "keys": len(rows),
        "keys_without_answer": sum(1 for r in rows if r["from_down_ms"] is None),
        "from_key_down_ms": quantiles(pick(rows, "from_down_ms")),
        "from_key_up_ms": quantiles(pick(rows, "from_up_ms")),
        "per_position_from_key_down_ms": {
            str(p): quantiles(pick(rs, "from_down_ms")) for p, rs in sorted(by_position.items())
        },
    }
    print(json.dumps(result))


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "capture":
        capture(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
