#!/usr/bin/env bash
# From the caller's key to the first packet of the answer's audio, on the wire: SIPp's
# answer_latency.xml (a caller pressing 3, 1, 1, 1 through the appointment menus, 2.5 s apart)
# against the release gateway, every packet of the call captured on lo with kernel timestamps
# (answer_latency.py: a raw socket, no tshark needed; run as root, as SIPp's key replay needs
# anyway). The answer's first packet is the gateway's first RTP packet with the marker bit
# after the key (the gateway sends comfort silence without marker between prompts).
#
#   cold: a fresh gateway per call (its menus synthesised at start-up as in production, the
#         slots and confirmation sentences not yet said: synthesised for this caller)
#   warm: one gateway, a first call to fill the cache, then the same call again and again
#
#   tests/sipp-bench/answer_latency.sh            COLD=15 WARM=30 calls by default (0: skip)
# Prints one JSON line per series (p50/p95/max per key position and overall).
source "$(dirname "$0")/common.sh"
need sipp python3
cold=${COLD:-15}
warm=${WARM:-30}
export SPORTELLO_SIMULATED_START=${SPORTELLO_SIMULATED_START:-2026-11-23T09:00:00+01:00[Europe/Rome]}
log "machine: $(machine_info); results in $OUT"

CAPTURE_PID=""
start_capture() {
  python3 "$BENCH_DIR/answer_latency.py" capture "$SIPP_MEDIA_PORT" "$1" &
  CAPTURE_PID=$!
  sleep 0.3
}
stop_capture() {
  kill -TERM "$CAPTURE_PID" 2>/dev/null || true
  wait "$CAPTURE_PID" 2>/dev/null || true
}

one_call() {
  start_capture "$1"
  run_sipp -sf "$BENCH_DIR/answer_latency.xml" -m 1 -timeout 60s \
    -stf "$1.csv" -screen_file "$1.screen" -error_file "$1.err"
  stop_capture
}

cfg=$(make_config 100)
mkdir -p "$OUT/cold" "$OUT/warm"
if [ "$cold" -gt 0 ]; then
  for i in $(seq 1 "$cold"); do
    wait_idle
    start_gateway "$cfg"
    one_call "$OUT/cold/$i.tsv"
    stop_gateway
  done
  python3 "$BENCH_DIR/answer_latency.py" report cold "$OUT"/cold/*.tsv
fi

if [ "$warm" -gt 0 ]; then
  wait_idle
  start_gateway "$cfg"
  one_call "$OUT/warm/priming.tsv"
  for i in $(seq 1 "$warm"); do
    one_call "$OUT/warm/$i.tsv"
  done
  stop_gateway
  python3 "$BENCH_DIR/answer_latency.py" report warm "$OUT"/warm/[0-9]*.tsv
fi
