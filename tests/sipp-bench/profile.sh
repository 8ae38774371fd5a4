#!/usr/bin/env bash
# Profiles the gateway under load with perf (software cpu-clock event: works in VMs without a
# PMU): starts a fresh gateway, runs one SIPp step, records PROFILE_SECONDS (default 15) of
# the steady part with call graphs, and prints the hottest functions (self time) and the
# hottest call chains into them.
#
#   tests/sipp-bench/profile.sh cps 1000        sig_call.xml at 1000 calls/s
#   tests/sipp-bench/profile.sh ivr 1000        ivr_call.xml with 1000 concurrent calls
#   ECHO=1 tests/sipp-bench/profile.sh ivr 1000 ... with the caller's RTP echoed back
#   SCENARIO=ivr_call_nodtmf.xml   the IVR control scenario (no DTMF replay)
#   PERF_GRAPH=0      flat profile (more samples, no call chains)
#   PROFILE_DELAY=40  start recording later (default 10 s for cps, 15 s for ivr)
source "$(dirname "$0")/common.sh"
need sipp perf python3
kind=${1:?cps or ivr}
n=${2:?rate or concurrency}
secs=${PROFILE_SECONDS:-15}
echo_flag=()
[ "${ECHO:-0}" = 1 ] && echo_flag=(-rtp_echo)

if [ "$kind" = cps ]; then cfg=$(make_config 7000); else cfg=$(make_config $((n + 1000))); fi
start_gateway "$cfg"
sleep 1
if [ "$kind" = cps ]; then
  run_sipp -sf "$SCEN/sig_call.xml" -r "$n" -l 5000 -m $((n * 40)) -timeout 70s \
    -stf "$OUT/prof_cps_$n.csv" -screen_file "$OUT/prof_screen.log" -error_file "$OUT/prof_err.log" &
  delay=10
else
  rate=$(python3 -c "print(round($n / 7.5, 2))")
  run_sipp -sf "$SCEN/${SCENARIO:-ivr_call.xml}" -r "$rate" -l "$n" -m $((n * 5)) -timeout 150s "${echo_flag[@]}" \
    -stf "$OUT/prof_ivr_$n.csv" -screen_file "$OUT/prof_screen.log" -error_file "$OUT/prof_err.log" &
  delay=15
fi
sipp_pid=$!
sleep "${PROFILE_DELAY:-$delay}"
log "perf record for ${secs}s on pid $GW_PID"
# PERF_GRAPH=0: flat profile at 1999 Hz (more samples, no call chains).
if [ "${PERF_GRAPH:-1}" = 1 ]; then graph=(-F 499 -g --call-graph dwarf,16384); else graph=(-F 1999); fi
perf record -e cpu-clock "${graph[@]}" -p "$GW_PID" -o "$OUT/perf.data" \
  -- sleep "$secs" >/dev/null 2>&1 || true
wait "$sipp_pid" || true
stop_gateway
python3 "$BENCH_DIR/analyze.py" sipp "$OUT"/prof_*_"$n".csv
echo "--- hottest functions (self time)"
perf report -i "$OUT/perf.data" --no-children --sort symbol --stdio -g none --percent-limit 0.7 2>/dev/null |
  grep -v '^#' | grep -v '^$' | sed 's/  \+- .*//; s/ \{3,\}/  /g' | cut -c1-160 | head -45
echo "--- by shared object"
perf report -i "$OUT/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null |
  grep -v '^#' | grep -v '^$' | sed 's/  \+- .*//; s/ \{3,\}/  /g' | head -8
echo "--- inclusive (children), top entries"
perf report -i "$OUT/perf.data" --children --sort symbol --stdio -g none --percent-limit 4 2>/dev/null |
  grep -v '^#' | grep -v '^$' | sed 's/  \+- .*//; s/ \{3,\}/  /g' | cut -c1-160 | head -40
log "perf data: $OUT/perf.data"
