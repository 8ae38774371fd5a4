#!/usr/bin/env bash
# Call rate: SIPp's sig_call.xml (INVITE/200/ACK/BYE/200, no media) against the release
# gateway, one fresh gateway per rate, DURATION seconds per rate (default 60). A step passes at
# >= 99.9 % successful calls. One JSON line per rate on stdout.
#
#   tests/sipp-bench/cps.sh [RATE ...]          default: 250 500 750 1000 1250 1500
#   DURATION=30 tests/sipp-bench/cps.sh 1000
#   SETTLE=60   keep the gateway up 60 s after SIPp ends and report its RSS then (does the
#               memory held for the finished calls come back?)
source "$(dirname "$0")/common.sh"
# The binary's default log filter: no per-call debug lines on this path.
GW_LOG=${GW_LOG:-info,rsipstack=warn}
need sipp python3
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(250 500 750 1000 1250 1500)
duration=${DURATION:-60}
log "machine: $(machine_info); results in $OUT"

for r in "${rates[@]}"; do
  wait_idle
  cfg=$(make_config 7000)
  start_gateway "$cfg"
  rss0=$(rss_kb "$GW_PID")
  start_sampler "$OUT/cps_${r}_samples.csv"
  sleep 1
  log "rate $r cps for ${duration}s"
  run_sipp -sf "$SCEN/sig_call.xml" -r "$r" -l 5000 -m $((r * duration)) -timeout $((duration + 30))s \
    -stf "$OUT/cps_$r.csv" -screen_file "$OUT/cps_${r}_screen.log" -error_file "$OUT/cps_${r}_err.log"
  rss_end=$(rss_kb "$GW_PID")
  rss_settled=$rss_end
  if [ "${SETTLE:-0}" -gt 0 ]; then
    sleep "$SETTLE"
    rss_settled=$(rss_kb "$GW_PID")
  fi
  stop_sampler
  live_after=$(grep -c '"call ended"' "$OUT/gateway.log" || true)
  stop_gateway
  sipp_json=$(python3 "$BENCH_DIR/analyze.py" sipp "$OUT/cps_$r.csv")
  # CPU over the steady part of the run (skip the first 3 s and the tail).
  cpu_json=$(python3 "$BENCH_DIR/analyze.py" cpu "$OUT/cps_${r}_samples.csv" 3 $((duration - 2)))
  python3 - "$r" "$sipp_json" "$cpu_json" "$rss0" "$live_after" "$rss_end" "$rss_settled" "${SETTLE:-0}" <<'EOF'
import json, sys
r, s, c, rss0, ended = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4], sys.argv[5]
rss_end, rss_settled, settle = (int(x) for x in sys.argv[6:9])
out = {"scenario": "sig_call", "target_rate": int(r), **s, **c,
       "gw_rss_idle_kb": int(rss0), "gw_rss_end_kb": rss_end,
       "gw_rss_settled_kb": rss_settled, "settle_s": settle, "gateway_calls_ended": int(ended),
       "pass": s["success_pct"] >= 99.9}
print(json.dumps(out))
EOF
done
