#!/usr/bin/env bash
# Complete booking calls per second: SIPp's booking_call.xml (a caller who books a
# consultation by keypad: appointments, book, a random line, a random one of the three slots
# offered, confirm; one retry when another caller took the slot; about 27 s per call) against
# the release gateway at RATE new calls per second for DURATION seconds (default 60), one fresh
# gateway and database per rate. The office is the sample one with an agenda sized for load
# (written by this script): 10 meeting points per line, Monday to Friday 8:00-20:00, 5-minute
# slots, so that callers never run out of slots. One JSON line per rate on stdout: SIPp's
# figures, the gateway's CPU and memory while calls run, the bookings the gateway logged and the
# appointments in the database (booked / calls: a call ends without a booking when it lost
# the race for its slot twice).
#
#   tests/sipp-bench/booking.sh [RATE ...]      default: 1 2 4 8
#   DURATION=30 tests/sipp-bench/booking.sh 2
source "$(dirname "$0")/common.sh"
need sipp python3
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(1 2 4 8)
duration=${DURATION:-60}
export SPORTELLO_SIMULATED_START=${SPORTELLO_SIMULATED_START:-2026-11-23T09:00:00+01:00[Europe/Rome]}
log "machine: $(machine_info); results in $OUT"

# The configuration of make_config with its [agenda] section (and meeting points) replaced.
bench_config() {
  local cfg
  cfg=$(make_config "$1")
  python3 - "$cfg" <<'EOF'
import re, sys
path = sys.argv[1]
text = open(path).read()
# Drop [agenda] and every [[agenda.meeting_points]] table, keep the rest in order.
kept, skip = [], False
for line in text.splitlines():
    header = re.match(r"^\[\[?([^\]]+)\]\]?\s*$", line)
    if header:
        skip = header.group(1) in ("agenda", "agenda.meeting_points")
    if not skip:
        kept.append(line)
days = ", ".join('%s = ["08:00-20:00"]' % d
                 for d in ("monday", "tuesday", "wednesday", "thursday", "friday"))
agenda = ["", "[agenda]", "horizon_days = 30", "min_notice_minutes = 60", "hours = { %s }" % days]
for line in ("anagrafe", "tributi", "sociale", "tecnico"):
    for n in range(1, 11):
        agenda += ["", "[[agenda.meeting_points]]", 'id = "%s-%d"' % (line, n),
                   'name = "Punto di incontro %s %d"' % (line.capitalize(), n),
                   'line = "%s"' % line, "slot_minutes = 5"]
open(path, "w").write("\n".join(kept + agenda) + "\n")
EOF
  echo "$cfg"
}

for r in "${rates[@]}"; do
  wait_idle
  cfg=$(bench_config $((r * 40 + 100)))
  start_gateway "$cfg"
  rss0=$(rss_kb "$GW_PID")
  start_sampler "$OUT/booking_${r}_samples.csv"
  sleep 1
  log "booking calls: $r new calls/s for ${duration}s"
  run_sipp -sf "$BENCH_DIR/booking_call.xml" -r "$r" -l $((r * 60 + 10)) -m $((r * duration)) \
    -timeout $((duration + 90))s \
    -stf "$OUT/booking_$r.csv" -screen_file "$OUT/booking_${r}_screen.log" \
    -error_file "$OUT/booking_${r}_err.log"
  stop_sampler
  booked_log=$(grep -c '"booked by phone"' "$OUT/gateway.log" || true)
  stop_gateway
  appointments=$(python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT status, COUNT(*) FROM appointments GROUP BY status").fetchall()
print(dict(rows).get("booked", 0))' "$OUT/data/sportello.db")
  sipp_json=$(python3 "$BENCH_DIR/analyze.py" sipp "$OUT/booking_$r.csv")
  # CPU while calls are up: from the first full minute of calls to the last new call.
  cpu_json=$(python3 "$BENCH_DIR/analyze.py" cpu "$OUT/booking_${r}_samples.csv" 28 "$duration")
  python3 - "$r" "$sipp_json" "$cpu_json" "$rss0" "$booked_log" "$appointments" <<'EOF'
import json, sys
r = float(sys.argv[1])
s, c = json.loads(sys.argv[2]), json.loads(sys.argv[3])
rss0, booked_log, appointments = (int(x) for x in sys.argv[4:7])
out = {"scenario": "booking_call", "target_rate": r, **s, "steady": c, "gw_rss_idle_kb": rss0,
       "bookings_logged": booked_log, "appointments_in_db": appointments,
       "booked_per_successful_call_pct": round(100.0 * appointments / max(1, s["successful"]), 2),
       "bookings_per_s": round(appointments / max(1, s["created"]) * r, 2)}
out["pass"] = s["failed"] == 0 and appointments == s["created"]
print(json.dumps(out))
EOF
done
