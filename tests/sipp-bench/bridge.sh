#!/usr/bin/env bash
# Concurrent bridged calls: SIPp UAC callers (../shared/bench/sipp/ivr_call_nodtmf.xml, 8 s
# calls, -rtp_echo) call the benchmark bridge user, which the gateway bridges at once to the
# operator account "op1" (`bench_bridge_users` / `bench_operator`, off unless configured);
# op1 is a SIPp UAS (tests/sipp/operator_phone.xml, -rtp_echo) registered with a password
# first. Both SIPps echo what they receive, so each bridged call carries 100 packets/s each
# way (50 per direction on each leg), all relayed and paced by the gateway. One fresh
# gateway per N; N calls up at once (rate N/7.5 cps, 5N calls). One JSON line per N:
#   callers' SIPp figures (calls, failures), the operator UAS's failures, bridges the
#   gateway ended after a hang-up ("bridge ended" lines), CPU of the gateway and of both
#   SIPps in the steady part, gateway memory per bridged call ((max RSS - idle RSS) / N).
#
#   tests/sipp-bench/bridge.sh [N ...]          default: 250 500 750
source "$(dirname "$0")/common.sh"
need sipp python3
ns=("$@")
[ ${#ns[@]} -gt 0 ] || ns=(250 500 750)
# Ports of our own, so another benchmark running beside this one does not collide.
SIPP_PORT=${BRIDGE_SIPP_PORT:-25280}
SIPP_MEDIA_PORT=${BRIDGE_SIPP_MEDIA_PORT:-26200}
OP_PORT=${BRIDGE_OP_PORT:-25180}
OP_MEDIA_PORT=${BRIDGE_OP_MEDIA_PORT:-27000}
log "machine: $(machine_info); results in $OUT"

for n in "${ns[@]}"; do
  wait_idle
  # Two legs per call: twice the RTP ports.
  cfg=$(make_config $((2 * n + 1000)))
  cat >>"$cfg" <<EOF
accounts = [{ user = "op1", password = "operatore-banco" }]
registrar = { algorithms = ["MD5"] }
bench_bridge_users = ["ponte"]
bench_operator = "op1"
EOF
  start_gateway "$cfg"
  tag="bridge_${n}"
  # op1 registers from OP_PORT, then answers there.
  sipp "127.0.0.1:$SIP_PORT" -sf "$ROOT/tests/sipp/operator_register.xml" -s op1 -au op1 -ap operatore-banco \
    -i 127.0.0.1 -p $OP_PORT -m 1 -nostdin -timeout 10s -trace_err -error_file "$OUT/${tag}_reg_err.log" \
    >/dev/null 2>&1 || { log "op1 could not register"; exit 1; }
  sipp -sf "$ROOT/tests/sipp/operator_phone.xml" -i 127.0.0.1 -p $OP_PORT -mi 127.0.0.1 -mp $OP_MEDIA_PORT \
    -rtp_echo -m $((n * 5)) -l $((n + 100)) -nostdin -timeout 200s -trace_stat -fd 1 \
    -stf "$OUT/${tag}_operator.csv" -trace_err -error_file "$OUT/${tag}_operator_err.log" >/dev/null 2>&1 &
  op_pid=$!
  sleep 1
  rss0=$(rss_kb "$GW_PID")
  start_sampler "$OUT/${tag}_samples.csv"
  rate=$(python3 -c "print(round($n / 7.5, 2))")
  log "bridged calls: $n concurrent (rate $rate cps, $((n * 5)) calls)"
  sipp "127.0.0.1:$SIP_PORT" -sf "$SCEN/ivr_call_nodtmf.xml" -s ponte -i 127.0.0.1 -p $SIPP_PORT \
    -mi 127.0.0.1 -mp $SIPP_MEDIA_PORT -rtp_echo -r "$rate" -l "$n" -m $((n * 5)) -timeout 150s \
    -nostdin -trace_stat -fd 1 -trace_screen -trace_err -stf "$OUT/$tag.csv" \
    -screen_file "$OUT/${tag}_screen.log" -error_file "$OUT/${tag}_err.log" >/dev/null 2>&1 || true
  wait "$op_pid" || true
  stop_sampler
  sleep 2
  stop_gateway
  sipp_json=$(python3 "$BENCH_DIR/analyze.py" sipp "$OUT/$tag.csv")
  # The operator UAS's own counts (its CSV has no response times for analyze.py).
  op_json=$(python3 - "$OUT/${tag}_operator.csv" <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
col = {name: i for i, name in enumerate(rows[0])}
last = rows[-1]
print(json.dumps({k: int(last[col[k + "(C)"]]) for k in ("IncomingCall", "SuccessfulCall", "FailedCall")}))
PY
)
  cpu_json=$(python3 "$BENCH_DIR/analyze.py" cpu "$OUT/${tag}_samples.csv" 10 36)
  all_json=$(python3 "$BENCH_DIR/analyze.py" cpu "$OUT/${tag}_samples.csv")
  bridges=$(grep -c '"bridge ended"' "$OUT/gateway.log" || true)
  # Audio frames relayed per bridged call and direction (the gateway's "bridge ended" lines):
  # with both SIPps echoing, a frame counts once it went all the way round.
  media_json=$(python3 - "$OUT/gateway.log" <<'PY'
import json, sys
c, o = [], []
for line in open(sys.argv[1]):
    if '"bridge ended"' in line:
        f = json.loads(line)["fields"]
        c.append(f["caller_to_operator"]); o.append(f["operator_to_caller"])
c.sort(); o.sort()
q = lambda v, p: v[int(len(v) * p)] if v else 0
print(json.dumps({"caller_to_operator_median": q(c, 0.5), "caller_to_operator_p10": q(c, 0.1),
                  "operator_to_caller_median": q(o, 0.5), "operator_to_caller_p10": q(o, 0.1)}))
PY
)
  cp "$OUT/gateway.log" "$OUT/${tag}_gateway.log"
  python3 - "$n" "$sipp_json" "$op_json" "$cpu_json" "$all_json" "$rss0" "$bridges" "$media_json" <<'EOF'
import json, sys
n = int(sys.argv[1])
s, o, c, a = (json.loads(x) for x in sys.argv[2:6])
rss0, bridges, media = int(sys.argv[6]), int(sys.argv[7]), json.loads(sys.argv[8])
# A call is bridged for its length minus the operator's 300 ms of ringing: 50 frames/s.
media["frames_expected"] = int((s["call_length_mean_ms"] - 300) / 20)
rss_max = a.get("gw_rss_max_kb", 0)
out = {
    "scenario": "bridge", "concurrent_target": n, "callers": s,
    "operator": o, "bridges_ended": bridges, "media": media,
    "steady": c, "gw_rss_idle_kb": rss0, "gw_rss_max_kb": rss_max,
    "kb_per_bridged_call": round((rss_max - rss0) / max(1, s["max_concurrent"]), 1),
}
out["pass"] = (s["failed"] == 0 and s["successful"] == s["created"]
               and o.get("FailedCall") == 0 and bridges >= s["successful"])
print(json.dumps(out))
EOF
done
