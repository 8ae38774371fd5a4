#!/usr/bin/env python3
"""Writes the seed inputs under seeds/<target>/ (checked in; rerun after changing a target's
input format). Sources: the SIP torture messages in ../../../shared/sip-torture, the SIPp
scenarios' messages, the RFC 4733 and G.711 pcaps shipped by Debian's sip-tester (read with
tshark), and hand-written SDP, INFO and settings samples."""

import glob
import math
import os
import shutil
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")
TORTURE = os.path.normpath(os.path.join(HERE, "../../../shared/sip-torture"))
PCAPS = "/usr/share/sip-tester"


def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def crlf(text):
    return "\r\n".join(line.strip() for line in text.strip().splitlines()) + "\r\n"


SIPP_SDP = crlf("""
v=0
o=sipp 53655765 2353687637 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 26000 RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv
""")

SDPS = {
    "sipp": SIPP_SDP,
    "pcma_dynamic": crlf("""
        v=0
        o=- 1 1 IN IP4 10.0.0.1
        s=-
        c=IN IP4 10.0.0.1
        t=0 0
        m=video 5000 RTP/AVP 96
        m=audio 4000 RTP/AVP 96 97 8 0 101
        a=rtpmap:96 opus/48000/2
        a=rtpmap:97 pcma/8000
        a=rtpmap:101 telephone-event/8000
        a=sendonly
    """),
    "hold_zero": crlf("""
        v=0
        o=- 1 2 IN IP4 10.0.0.1
        s=-
        c=IN IP4 0.0.0.0
        t=0 0
        a=inactive
        m=audio 4000/2 RTP/AVP 8
    """),
    "ipv6": "v=0\no=- 1 1 IN IP6 ::1\ns=-\nc=IN IP6 2001:db8::1\nt=0 0\nm=audio 4000 RTP/AVP 0\nc=IN IP6 ::1\n",
}

SIPP_INVITE = crlf("""
INVITE sip:ivr@127.0.0.1:5060 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:25080;branch=z9hG4bK-1-1-0
From: "sipp" <sip:sipp@127.0.0.1:25080>;tag=1SIPpTag001
To: <sip:ivr@127.0.0.1:5060>
Call-ID: 1-1@127.0.0.1
CSeq: 1 INVITE
Contact: <sip:sipp@127.0.0.1:25080>
Max-Forwards: 70
User-Agent: SIPp ivr_call
Subject: IVR benchmark
Content-Type: application/sdp
""") + "Content-Length: %d\r\n\r\n" % len(SIPP_SDP) + SIPP_SDP

SIPP_ACK = crlf("""
ACK sip:ivr@127.0.0.1:5060 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:25080;branch=z9hG4bK-1-1-4
From: "sipp" <sip:sipp@127.0.0.1:25080>;tag=1SIPpTag001
To: <sip:ivr@127.0.0.1:5060>;tag=abc
Call-ID: 1-1@127.0.0.1
CSeq: 1 ACK
Contact: <sip:sipp@127.0.0.1:25080>
Max-Forwards: 70
Content-Length: 0
""") + "\r\n"

INFO = crlf("""
INFO sip:ivr@127.0.0.1:5060 SIP/2.0
v: SIP/2.0/TCP 127.0.0.1:25080;branch=z9hG4bK-2
f: <sip:sipp@127.0.0.1>;tag=a
t: <sip:ivr@127.0.0.1>;tag=b
i: 2@127.0.0.1
CSeq: 3 INFO
c: application/dtmf-relay
l: 26
""") + "\r\nSignal=5\r\nDuration=160\r\n"

RESPONSE = crlf("""
SIP/2.0 200 OK
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-3;received=127.0.0.1;rport=5060
From: <sip:ivr@127.0.0.1>;tag=x
To: <sip:sipp@127.0.0.1:25080>;tag=y
Call-ID: 3@127.0.0.1
CSeq: 1 BYE
Retry-After: 30
Content-Length: 0
""") + "\r\n"


def pcap_payloads(path):
    out = subprocess.run(
        ["tshark", "-r", path, "-T", "fields", "-e", "frame.time_relative", "-e", "udp.payload"],
        capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        t, hexa = line.split("\t")
        rows.append((float(t), bytes.fromhex(hexa.replace(":", ""))))
    return rows


def dtmf_pcm(row, col, ms, amp=8000):
    n = ms * 8
    return [int(amp * (math.sin(2 * math.pi * row * i / 8000) + math.sin(2 * math.pi * col * i / 8000)))
            for i in range(n)]


def alaw(sample):
    # G.711 A-law (Sun reference), to make in-band seeds as a caller would send them.
    seg_end = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]
    pcm = sample >> 3
    if pcm >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        pcm = -pcm - 1
    seg = next((i for i, e in enumerate(seg_end) if pcm <= e), 8)
    if seg >= 8:
        return 0x7F ^ mask
    aval = seg << 4
    aval |= (pcm >> 1) & 0xF if seg < 2 else (pcm >> seg) & 0xF
    return aval ^ mask


def short(data):
    if isinstance(data, str):
        data = data.encode()
    assert len(data) < 256
    return bytes([len(data)]) + data


def long(data):
    if isinstance(data, str):
        data = data.encode()
    return struct.pack(">H", len(data)) + data


def digest_seeds():
    # setup (both algorithms, keys from the password), key, nonce lifetime, password; then
    # events: kind, clock step (u16), the event's bytes.
    head = bytes([0]) + bytes([7] * 32) + struct.pack(">H", 300) + short("segreta")
    issue = bytes([1]) + struct.pack(">H", 0) + bytes(range(12))
    def phone(step, flags, nc, pick=0):
        return bytes([2]) + struct.pack(">HBBI", step, pick, flags, nc) + short("sip:127.0.0.1") + short("abc")
    def header(text):
        return bytes([0]) + struct.pack(">H", 1) + long(text)
    tamper = bytes([3 | 0x20]) + struct.pack(">HBBI", 0, 0, 0x45, 9) + short("")
    write("digest_credentials", "register_replay_stale",
          head + issue + phone(10, 0, 1) + phone(1, 0, 1) + phone(1, 1, 2) + phone(1, 3, 3)
          + tamper + phone(400, 0, 4))
    write("digest_credentials", "two_nonces_wrong_realm",
          bytes([2 | 4]) + bytes([9] * 32) + struct.pack(">H", 10) + short("pw")
          + issue + issue[:3] + bytes(range(1, 13)) + phone(5, 4, 1, pick=1) + phone(5, 0, 1, pick=1)
          + phone(5, 1, 7))
    write("digest_credentials", "headers", head + b"".join(header(h) for h in [
        'Digest username="op1", realm="sportello", nonce="n", uri="sip:h", response="ABC", '
        'algorithm=SHA-256, qop=auth, cnonce="c", nc=0000000a',
        'digest username="a\\"b",realm="r",nonce="n",uri="sip:h",response="1"',
        'Digest username="a", realm="r", nonce="n", uri="u", response="1", algorithm=SHA-512-256',
        'Basic dXNlcjpwYXNz',
        'Digest username="a", realm="r", nonce="n", uri="u", response="1", nc=12',
    ]))


def register_seeds():
    # policy: min 60, default 600, max 3600 (setup bit 0 clear: max = default + u32); start
    # time; then events: kind (0/1 REGISTER, user in bits 4-5; 2 purge; 3 save and restore;
    # 4 a registrations file), clock step (u16, 50 ms units), the event's bytes.
    head = bytes([0]) + struct.pack(">HHII", 60, 540, 3000, 12345)
    def register(user, step, contacts, expires=None, call=0, source=0, cseq=1):
        flags = len(contacts) | (4 if expires is not None else 0) | (call << 3) | (source << 4)
        out = bytes([user << 4]) + struct.pack(">HB", step, flags)
        out += b"".join(short(c) for c in contacts)
        if expires is not None:
            out += short(expires)
        return out + struct.pack(">H", cseq)
    save = bytes([3]) + struct.pack(">H", 20)
    purge = bytes([2]) + struct.pack(">H", 65535)
    json_file = (
        '{"version": 1, "bindings": [{"user": "op1", "contact": "sip:op1@192.0.2.5:5062", '
        '"expires_at_ms": 1700000100000, "source": "192.0.2.5:5062", "transport": "UDP", '
        '"call_id": "c1@192.0.2.5", "cseq": 3}]}')
    write("register_contacts", "register_refresh_remove",
          head
          + register(0, 0, ['"Op, uno" <sip:op1@192.0.2.5:5062;transport=udp>;expires=120;+sip.instance="<urn:x>"'])
          + register(0, 10, ["sip:op1@h1;expires=0, <sips:op1@h2>", "<sip:op1@H1>"], expires="3600", cseq=2)
          + register(1, 10, ["<sip:op2@198.51.100.7:40000>"], source=1)
          + save
          + register(0, 10, ["<sip:op1@h2>"], expires="0", cseq=3)
          + register(0, 10, [], cseq=4)
          + register(0, 10, ["<sip:op1@h1>"], expires="30", cseq=5)
          + register(0, 10, ["<sip:op1@h1>"], expires="600", cseq=1)
          + purge
          + register(0, 10, ["*"], expires="0", call=1, cseq=9)
          + save)
    write("register_contacts", "many_contacts",
          head + register(2, 0, [", ".join("<sip:op3@10.0.0.%d>" % i for i in range(12))])
          + register(2, 1, ["<sip:op3@10.0.0.99>;expires=3600"], call=1, source=2) + save)
    write("register_contacts", "saved_file",
          head + bytes([4]) + struct.pack(">H", 0) + long(json_file)
          + bytes([4]) + struct.pack(">H", 0) + long('{"version": 1, "bindings": []}'))
    # setup bit 0 set: max = default + u64::MAX >> shift, here the largest.
    write("register_contacts", "huge_max",
          bytes([1]) + struct.pack(">HHBI", 60, 540, 0, 12345)
          + register(0, 0, ["<sip:op1@h1>;expires=99999"])
          + register(0, 1, ["<sip:op1@h2>;expires=18446744073709551615", "<sip:op1@h3>"],
                     expires="4294967296000", cseq=2))


def relay_seeds(g711):
    # Legs: byte a (law bit 0; payload type bits 1-2: static/dynamic/any; telephone-event bits
    # 3-4: none/101/any; address bits 5-6; hold bit 7) and its extra bytes; then each
    # sender's SSRC, sequence and timestamp. Events: kind (bit 0 leg; bits 1-2: datagram,
    # datagram, tick, re-INVITE; bit 4 raw datagram; bits 5-6 source address) and its bytes.
    caller_pcma = bytes([0x08])                  # PCMA/8, te 101, 192.0.2.10:4000
    operator_pcmu_dyn = bytes([0x01 | 0x02 | 0x08 | 0x20, 1])  # PCMU on 97, te 101, operator
    streams = struct.pack(">IHI", 0xCA11, 100, 16000) + struct.pack(">IHI", 0x9E5, 7, 0)
    def rtp(side, src, choice, seq, ts, payload, marker=False):
        b = choice | (4 if marker else 0)
        return bytes([side | (src << 5)]) + struct.pack(">BHI", b, seq, ts) + short(payload)
    def tick(side, skip=0):
        return bytes([side | 4, skip])
    def reinvite(side, leg):
        return bytes([side | 6]) + leg
    audio = b"".join(rtp(0, 0, 0, 1 + i, 160 * i, bytes([0x11 * (i + 1)]) * 160) for i in range(4))
    events = b"".join(rtp(0, 0, 1, 20 + i, 9000, bytes([5, (0x80 if i else 0) | 10, 0, 160]), marker=i == 0)
                      for i in range(3))
    write("media_relay", "audio_events_transcoded",
          caller_pcma + operator_pcmu_dyn + streams + audio
          + rtp(1, 1, 0, 50, 0, b"\x33" * 160)
          + tick(1) + tick(1) + tick(0) + tick(1, 3) + events + tick(1) + tick(0))
    nat = b"".join(rtp(1, 2, 0, 60 + i, 160 * i, b"\x44" * 160) for i in range(3))
    write("media_relay", "nat_hold_reinvite",
          caller_pcma + bytes([0x08 | 0x20]) + streams + nat + tick(0)
          + rtp(1, 3, 0, 70, 0, b"\x55" * 160)
          + reinvite(1, bytes([0x80 | 0x20])) + tick(0) + rtp(1, 2, 0, 71, 0, b"\x66" * 160)
          + reinvite(1, bytes([0x01 | 0x08 | 0x20])) + rtp(1, 1, 0, 72, 0, b"\x77" * 160)
          + tick(0) + tick(0, 251) + struct.pack(">I", 1000))
    raw = b"".join(bytes([0x10]) + long(p) for _, p in g711[:8])
    write("media_relay", "g711a_pcap", caller_pcma + bytes([0x08 | 0x20]) + streams + raw
          + b"".join(tick(1) for _ in range(6)))


def main():
    shutil.rmtree(SEEDS, ignore_errors=True)
    # SDP
    for name, sdp in SDPS.items():
        write("sdp_offer", name, sdp)
    torture_sdp = ["sdp01.dat", "ipv6-in-sdp.dat", "mult-ip-in-sdp.dat", "wsinv.dat"]
    for f in torture_sdp:
        data = open(os.path.join(TORTURE, f), "rb").read()
        body = data.split(b"\r\n\r\n", 1)[-1]
        write("sdp_offer", "torture_" + f, body)
    # SIP messages (guard, whole path, INFO)
    messages = {"sipp_invite": SIPP_INVITE, "sipp_ack": SIPP_ACK, "info_compact": INFO,
                "response": RESPONSE}
    for f in sorted(glob.glob(os.path.join(TORTURE, "*.dat"))):
        messages["torture_" + os.path.basename(f)] = open(f, "rb").read()
    for name, m in messages.items():
        write("sip_guard", name, m)
        write("sip_message", name, m)
    # TCP framer: chunk seed byte + two messages back to back, keep-alives between.
    pairs = [("invite_ack", SIPP_INVITE + "\r\n\r\n" + SIPP_ACK),
             ("info_response", INFO + RESPONSE),
             ("keepalive", "\r\n\r\n" + SIPP_ACK + "\r\n")]
    for i, (name, stream) in enumerate(pairs):
        write("tcp_framer", name, bytes([7 * i + 3]) + stream.encode())
    for f in ["clerr.dat", "ncl.dat", "mpart01.dat", "dblreq.dat"]:
        write("tcp_framer", "torture_" + f, b"\x11" + open(os.path.join(TORTURE, f), "rb").read())
    # INFO bodies
    for name, (ct, body) in {
        "relay": ("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"),
        "relay_num": ("Application/DTMF-Relay; x=y", "signal = 11\r\n"),
        "dtmf": ("application/dtmf", "*"),
    }.items():
        write("sip_info_dtmf", name, bytes([len(ct)]) + ct.encode() + body.encode())
    # RTP
    media_rows = []
    for digit in "1234":
        rows = pcap_payloads(os.path.join(PCAPS, "dtmf_2833_%s.pcap" % digit))
        for j, (_, p) in enumerate(rows[:3]):
            write("rtp_packet", "dtmf%s_%d" % (digit, j), p)
        # telephone_event: timestamp, 8 ms steps, payload
        seq = b""
        prev = 0.0
        for t, p in rows:
            steps = max(0, min(255, int((t - prev) * 1000 / 8)))
            prev = t
            seq += p[4:8] + bytes([steps, len(p) - 12]) + p[12:]
        write("telephone_event", "pcap_" + digit, seq)
        media_rows += rows
    g711 = pcap_payloads(os.path.join(PCAPS, "g711a.pcap"))
    write("rtp_packet", "g711a", g711[0][1])
    relay_seeds(g711)
    write("rtp_packet", "csrc_ext_pad",
          bytes([0xB1, 0x08, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7]) + b"\x00\x00\x00\x09"
          + b"\xbe\xde\x00\x01" + b"\x00" * 4 + b"\xd5" * 10 + b"\x00\x03")
    # media_receive: setup byte (law A, te 101), law payload type byte (static), then
    # (kind 1 = datagram, source, steps, len16, datagram)
    def media_seq(rows, source=0):
        out = b""
        prev = 0.0
        for t, p in rows:
            steps = max(0, min(255, int((t - prev) * 1000 / 8)))
            prev = t
            out += bytes([1, source, steps]) + struct.pack(">H", len(p)) + p
        return out
    write("media_receive", "dtmf_pcaps", bytes([101 << 1, 0]) + media_seq(media_rows))
    write("media_receive", "g711a", bytes([101 << 1, 0]) + media_seq(g711[:40]))
    write("media_receive", "nat_source", bytes([101 << 1, 0]) + media_seq(g711[:10], source=1))
    # in-band audio carrying "5" then "#" as A-law RTP from the SDP address
    pcm = dtmf_pcm(770, 1336, 80) + [0] * 400 + dtmf_pcm(941, 1477, 80)
    codes = bytes(alaw(s) for s in pcm)
    rtp = b""
    for i in range(0, len(codes), 160):
        hdr = bytes([0x80, 0x08]) + struct.pack(">HII", i // 160, i, 0x1234)
        pkt = hdr + codes[i:i + 160]
        rtp += bytes([1, 0, 2]) + struct.pack(">H", len(pkt)) + pkt
    write("media_receive", "inband", bytes([101 << 1, 0]) + rtp)
    # in-band detector: A-law codes (mode 0x50) and raw PCM (mode 0xA1)
    write("inband_dtmf", "alaw_5_hash", bytes([0x50]) + codes)
    write("inband_dtmf", "pcm_1", bytes([0xA1]) + b"".join(struct.pack("<h", s) for s in dtmf_pcm(697, 1209, 100)))
    # jitter buffer: depth byte + sequence numbers
    for name, (depth, seqs) in {
        "in_order": (3, [1, 2, 3, 4]),
        "reorder": (3, [1, 3, 2, 5, 4]),
        "wrap": (3, [65534, 65535, 0, 2, 1]),
        "jump": (2, [10, 40000, 40001, 11, 40002]),
    }.items():
        write("jitter_buffer", name, bytes([depth - 1]) + b"".join(struct.pack(">H", s) for s in seqs))
    # settings
    write("sip_settings", "bench", crlf("""
        listen_address = "127.0.0.1"
        udp_port = 5060
        tcp_port = 5060
        rtp_port_min = 20000
        rtp_port_max = 29999
        service_users = ["ivr", "sportello"]
        max_calls = 4000
        ring_ms = 0
        retry_after_secs = 30
        inactivity_timeout_secs = 30
        rate_limit_per_second = 50
        rate_limit_burst = 200
        ban_secs = 600
        rate_limit_exempt = ["127.0.0.1"]
        scanner_user_agents = ["friendly-scanner"]
        max_message_size = 8192
    """))
    digest_seeds()
    register_seeds()
    write("sip_settings", "small", 'rtp_port_min = 30000\nrtp_port_max = 30010\nmax_calls = 6\n')
    # Near the edges (valid, no failure by themselves): long timers, the top of the port space.
    write("sip_settings", "edges", 'ban_secs = 92233720368547758\ninactivity_timeout_secs = 4294967295\n'
          'rtp_port_min = 65001\nrtp_port_max = 65011\nmax_calls = 5\nrate_limit_burst = 50\n')


if __name__ == "__main__":
    main()
