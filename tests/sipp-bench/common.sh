# Shared by the SIPp benchmark scripts (sourced, not run). What each script measures: its
# own header; how to read and record the figures: BENCHMARKS.md.
#
# Environment (all optional):
#   SPORTELLO_BIN   the gateway binary (default target/release/sportello; built by
#                   `cargo build --release -p sip-gateway --bin sportello`, never by these scripts)
#   SIP_PORT        the gateway's SIP/UDP port (default 7060)
#   SIPP_PORT, SIPP_MEDIA_PORT  SIPp's signaling and media ports (default 25080, 26000)
#   OUT             where results go (default /tmp/sipp-bench/<date>)
#   GW_PRELOAD      a library preloaded into the gateway (experiments, e.g. an allocator:
#                   /usr/lib/x86_64-linux-gnu/libjemalloc.so.2)
#   GW_NICE         nice value for the gateway (experiments: -10 gives it priority over SIPp)
#   MAX_NEW_CALLS_PER_SECOND  the gateway's new-call rate limit (default 100000: off, so the
#                   scripts measure capacity; set it to see the overload behaviour)
#   KEEP_OUT=1      keep the raw files (SIPp CSVs, gateway logs, captures) after the run

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
SCEN=$(cd "$ROOT/../shared/bench/sipp" && pwd)
SPORTELLO_BIN=${SPORTELLO_BIN:-$ROOT/target/release/sportello}
SIP_PORT=${SIP_PORT:-7060}
SIPP_PORT=${SIPP_PORT:-25080}
SIPP_MEDIA_PORT=${SIPP_MEDIA_PORT:-26000}
# The gateway's RTP range stays below SIPp's media ports and the kernel's ephemeral range.
RTP_MIN=10000
RTP_MAX=25998
OUT=${OUT:-/tmp/sipp-bench/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

GW_PID=""
SAMPLER_PID=""

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

need() {
  for c in "$@"; do
    command -v "$c" >/dev/null || { echo "missing: $c" >&2; exit 2; }
  done
  [ -x "$SPORTELLO_BIN" ] || {
    echo "no gateway binary at $SPORTELLO_BIN: cargo build --release -p sip-gateway --bin sportello" >&2
    exit 2
  }
}

# Writes a configuration for the run: the sample office (sportello.toml) with HTTP on a free
# port, JSON logs, the knowledge base read from the repository, and its [sip] section replaced by one sized for load (loopback exempt from
# rate limits, a wide RTP range).
make_config() {
  local max_calls=${1:-7000}
  local cfg=$OUT/sportello.toml
  # The sample's own [sip] section (if any) is replaced by the one below.
  awk '/^\[/ { skip = ($0 == "[sip]") } !skip' "$ROOT/sportello.toml" |
    sed -e 's/^listen = "127.0.0.1:8080"/listen = "127.0.0.1:0"/' \
        -e 's/^format = "human"/format = "json"/' \
        -e "s#^content_dir = \"#content_dir = \"$ROOT/#" \
        -e "s#^catalogue = \"#catalogue = \"$ROOT/#" >"$cfg"
  cat >>"$cfg" <<EOF

[sip]
listen_address = "127.0.0.1"
udp_port = $SIP_PORT
tcp_port = $SIP_PORT
rtp_port_min = $RTP_MIN
rtp_port_max = $RTP_MAX
service_users = ["ivr", "sportello"]
max_calls = $max_calls
max_new_calls_per_second = ${MAX_NEW_CALLS_PER_SECOND:-100000}
ring_ms = 0
inactivity_timeout_secs = 30
rate_limit_per_second = 100000
rate_limit_burst = 200000
rate_limit_exempt = ["127.0.0.1"]
EOF
  echo "$cfg"
}

# Starts the gateway with a fresh data directory; waits until SIP is listening and the IVR's
# prompts are synthesised. The log filter is the binary's default (`info,rsipstack=warn`) plus,
# unless GW_LOG says otherwise, the call runner's debug lines ("key detected", with the call's
# Call-ID), which is how the scripts count the keys each call delivered.
start_gateway() {
  local cfg=$1
  local data=$OUT/data
  rm -rf "$data" "$OUT/ready.json" "$OUT/ready.sip.json"
  mkdir -p "$data"
  LD_PRELOAD=${GW_PRELOAD:-} RUST_LOG=${GW_LOG:-info,rsipstack=warn,sip_gateway::telephony::call=debug} NO_COLOR=1 \
    nice -n "${GW_NICE:-0}" "$SPORTELLO_BIN" --config "$cfg" --data-dir "$data" serve --ready-file "$OUT/ready.json" \
    >"$OUT/gateway.log" 2>"$OUT/gateway.err" &
  GW_PID=$!
  for _ in $(seq 1 300); do
    [ -s "$OUT/ready.sip.json" ] && [ -s "$OUT/ready.json" ] && break
    kill -0 "$GW_PID" 2>/dev/null || { cat "$OUT/gateway.err" >&2; exit 1; }
    sleep 0.1
  done
  [ -s "$OUT/ready.sip.json" ] || { echo "gateway not ready" >&2; exit 1; }
  # The IVR dialog synthesises its menus at start (espeak-ng); wait for that (20 s at most;
  # another dialog may not log it).
  for _ in $(seq 1 200); do
    grep -q 'speech ready' "$OUT/gateway.log" && break
    sleep 0.1
  done
  log "gateway pid $GW_PID ready: $(cat "$OUT/ready.sip.json")"
}

stop_gateway() {
  if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then
    kill -TERM "$GW_PID"
    for _ in $(seq 1 100); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$GW_PID" 2>/dev/null && kill -KILL "$GW_PID"
    wait "$GW_PID" 2>/dev/null || true
  fi
  GW_PID=""
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# Saves the running gateway's /metrics (its HTTP address is in the ready file) to $1.
scrape_metrics() {
  python3 - "$OUT/ready.json" "$1" <<'EOF'
import json, sys, urllib.request
http = json.load(open(sys.argv[1]))["http"]
with urllib.request.urlopen(f"http://{http}/metrics", timeout=10) as r:
    open(sys.argv[2], "wb").write(r.read())
EOF
}

# Samples CPU (% of one core) and RSS of the gateway and of every sipp process each second.
start_sampler() {
  python3 "$BENCH_DIR/sample.py" "$GW_PID" >"$1" &
  SAMPLER_PID=$!
}

stop_sampler() {
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null && wait "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=""
}

# Runs sipp in the foreground; its own exit code is ignored (1 when any call failed), the
# figures are read from its CSV.
run_sipp() {
  sipp "127.0.0.1:$SIP_PORT" -s ivr -i 127.0.0.1 -p $SIPP_PORT -mi 127.0.0.1 -mp $SIPP_MEDIA_PORT \
    -nostdin -trace_stat -fd 1 -trace_screen -trace_err "$@" >/dev/null 2>&1 || true
}

# Waits (up to WAIT_IDLE_MAX seconds, default 180) until the machine is quiet: less than 40 %
# of one core busy over 2 s. The machine is shared: other people's builds would be measured too.
wait_idle() {
  local deadline=$((SECONDS + ${WAIT_IDLE_MAX:-180}))
  while [ $SECONDS -lt $deadline ]; do
    local busy
    busy=$(python3 -c '
import os, time
def s():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)
b0, t0 = s(); time.sleep(2); b1, t1 = s()
print(int((b1 - b0) / max(1, t1 - t0) * 100 * os.cpu_count()))')
    [ "$busy" -lt 40 ] && return 0
    sleep 3
  done
  log "machine still busy (${busy}% of a core used by others); measuring anyway"
}

machine_info() {
  echo "nproc=$(nproc) cpu=\"$(awk -F: '/model name/ {gsub(/^ +/, "", $2); print $2; exit}' /proc/cpuinfo)\" kernel=$(uname -r) sipp=\"$(sipp -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -1)\""
}

cleanup() {
  stop_sampler
  stop_gateway
  if [ "${KEEP_OUT:-0}" != 1 ]; then
    rm -rf "$OUT/data"
  fi
}
trap cleanup EXIT
