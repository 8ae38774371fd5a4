#!/usr/bin/env bash
# Concurrent IVR calls: SIPp's ivr_call.xml (8 s calls: the gateway's prompt at 50 packets/s,
# then RFC 4733 keys 1 2 3 4 replayed from the sip-tester pcaps, then BYE) against the release
# gateway, with N calls up at once (rate N/7.5 cps, 5N calls, as ../shared/bench/sipp/README.md).
# One fresh gateway per N. One JSON line per N on stdout:
#   SIPp figures (calls, failures, INVITE->200), keys heard by the gateway per call (its
#   "key" debug lines, grouped by Call-ID; every call must show 1234), CPU of the gateway and
#   of SIPp in the steady part, gateway memory per call ((max RSS - idle RSS) / N), and the
#   pacing of the gateway's RTP at the receiver (a tshark capture on lo of 1/64 of the streams
#   during the steady part: inter-arrival deltas per stream), and the gateway's own view of it
#   over the same 10 s (its /metrics pacing histogram: how late the pacing threads woke, and
#   the 20 ms intervals they skipped).
#
#   tests/sipp-bench/ivr.sh [N ...]             default: 250 500 1000 2000
#   ECHO=1     SIPp sends every packet it receives back (-rtp_echo): the caller "talks" 50
#              packets/s, as the target scenario says (costs SIPp CPU on the same cores)
#   CAPTURE=0  skip the tshark capture
#   SCENARIO=ivr_call_nodtmf.xml   the control scenario (no keys; expect 0 keys)
source "$(dirname "$0")/common.sh"
need sipp python3 tshark
ns=("$@")
[ ${#ns[@]} -gt 0 ] || ns=(250 500 1000 2000)
scenario=${SCENARIO:-ivr_call.xml}
echo_flag=()
[ "${ECHO:-0}" = 1 ] && echo_flag=(-rtp_echo)
log "machine: $(machine_info); results in $OUT"

for n in "${ns[@]}"; do
  wait_idle
  cfg=$(make_config $((n + 1000)))
  start_gateway "$cfg"
  sleep 1
  rss0=$(rss_kb "$GW_PID")
  tag="ivr_${n}${ECHO:+_echo$ECHO}"
  start_sampler "$OUT/${tag}_samples.csv"
  rate=$(python3 -c "print(round($n / 7.5, 2))")
  log "$scenario: $n concurrent calls (rate $rate cps, $((n * 5)) calls) ${echo_flag[*]}"
  run_sipp -sf "$SCEN/$scenario" -r "$rate" -l "$n" -m $((n * 5)) -timeout 150s "${echo_flag[@]}" \
    -stf "$OUT/$tag.csv" -screen_file "$OUT/${tag}_screen.log" -error_file "$OUT/${tag}_err.log" &
  sipp_pid=$!
  if [ "${CAPTURE:-1}" = 1 ]; then
    # Steady state: all N calls up from ~8 s to ~37 s after the start.
    sleep 15
    scrape_metrics "$OUT/${tag}_metrics_0.txt" || true
    # Gateway RTP (source port a multiple of 128: 1/64 of the calls) to SIPp's media port.
    timeout 20 tshark -i lo -q -a duration:10 -w "$OUT/${tag}.pcap" \
      -f "udp dst port $SIPP_MEDIA_PORT and (udp[0:2] & 127) = 0" >/dev/null 2>&1 || true
    scrape_metrics "$OUT/${tag}_metrics_1.txt" || true
  fi
  wait "$sipp_pid" || true
  stop_sampler
  sleep 2   # let the last BYEs be logged
  stop_gateway
  sipp_json=$(python3 "$BENCH_DIR/analyze.py" sipp "$OUT/$tag.csv")
  cpu_json=$(python3 "$BENCH_DIR/analyze.py" cpu "$OUT/${tag}_samples.csv" 10 36)
  all_json=$(python3 "$BENCH_DIR/analyze.py" cpu "$OUT/${tag}_samples.csv")
  keys_json=$(python3 "$BENCH_DIR/analyze.py" keys "$OUT/gateway.log" 1234)
  jitter_json='{}'
  [ -s "$OUT/${tag}.pcap" ] && jitter_json=$(python3 "$BENCH_DIR/analyze.py" jitter "$OUT/${tag}.pcap" "$SIPP_MEDIA_PORT")
  pacing_json='{}'
  [ -s "$OUT/${tag}_metrics_1.txt" ] && pacing_json=$(python3 "$BENCH_DIR/analyze.py" pacing "$OUT/${tag}_metrics_0.txt" "$OUT/${tag}_metrics_1.txt")
  python3 - "$n" "$sipp_json" "$cpu_json" "$all_json" "$keys_json" "$jitter_json" "$rss0" "$scenario" "${ECHO:-0}" "$pacing_json" <<'EOF'
import json, sys
n = int(sys.argv[1])
s, c, a, k, j = (json.loads(x) for x in sys.argv[2:7])
rss0, scenario, echo = int(sys.argv[7]), sys.argv[8], sys.argv[9] == "1"
pacing = json.loads(sys.argv[10])
rss_max = a.get("gw_rss_max_kb", 0)
expect_keys = scenario == "ivr_call.xml"
out = {
    "scenario": scenario, "rtp_echo": echo, "concurrent_target": n, **s,
    "steady": c, "gw_rss_idle_kb": rss0, "gw_rss_max_kb": rss_max,
    "kb_per_call": round((rss_max - rss0) / max(1, s["max_concurrent"]), 1),
    "keys": k, "jitter": j, "gateway_pacing": pacing,
}
out["pass"] = (s["failed"] == 0 and s["successful"] == s["created"]
               and (not expect_keys or k["calls_with_expected"] == s["successful"]))
print(json.dumps(out))
EOF
done
