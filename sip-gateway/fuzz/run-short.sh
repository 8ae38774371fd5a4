#!/usr/bin/env bash
# Builds the SIP gateway's fuzz targets once and runs each for a short time; fails (exit 1) on
# the first target that crashes, panics, times out or runs out of memory. The reproducer is
# left under sip-gateway/fuzz/artifacts/<target>/.
#
#   sip-gateway/fuzz/run-short.sh [SECONDS] [TARGET...]
#
# SECONDS defaults to 20 per target; TARGETs default to every target (`cargo fuzz list`).
# Needs cargo-fuzz (`cargo install cargo-fuzz`); on stable Rust it sets RUSTC_BOOTSTRAP=1 for
# the -Z flags cargo-fuzz passes. Environment:
#   FUZZ_CORPUS_DIR  keep the growing corpora here (one folder per target; e.g. a CI cache);
#                    default: a temporary folder, removed at the end. The checked-in seeds
#                    (fuzz/seeds/<target>) are always read, never written.
#   FUZZ_JOBS        run this many targets at once (default 1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."   # sip-gateway/, where cargo-fuzz looks for fuzz/
seconds=${1:-20}
shift || true
export RUSTC_BOOTSTRAP=1
# The parsers are safe Rust (the workspace forbids unsafe code) and so is the SIP stack's
# parser: AddressSanitizer would find nothing more and halve the executions per second.
# Overflow checks and debug assertions stay on (cargo-fuzz's default).
sanitizer=(--sanitizer none)

if ! command -v cargo-fuzz >/dev/null; then
  echo "cargo-fuzz is missing: cargo install cargo-fuzz" >&2
  exit 2
fi

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

echo "== building ${#targets[@]} fuzz targets"
cargo fuzz build "${sanitizer[@]}" >/dev/null
# Run the binaries just built (`cargo fuzz run` would rebuild if a source changed meanwhile).
bin_dir=fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release

corpus_root=${FUZZ_CORPUS_DIR:-}
if [ -z "$corpus_root" ]; then
  corpus_root=$(mktemp -d)
  trap 'rm -rf "$corpus_root"' EXIT
fi
logs=$(mktemp -d)

dict_for() {
  case "$1" in
    sip_guard | sip_message | tcp_framer) echo "-dict=fuzz/dict/sip.dict" ;;
    sdp_offer) echo "-dict=fuzz/dict/sdp.dict" ;;
    sip_settings) echo "-dict=fuzz/dict/settings.dict" ;;
    digest_credentials) echo "-dict=fuzz/dict/digest.dict" ;;
    register_contacts) echo "-dict=fuzz/dict/registrar.dict" ;;
  esac
}

max_len_for() {
  case "$1" in
    sip_guard | sip_message) echo 9000 ;;   # max_message_size 8192 and a little over
    tcp_framer) echo 20000 ;;               # a few messages back to back
    media_receive | inband_dtmf) echo 16384 ;;
    *) echo 4096 ;;
  esac
}

run_one() {
  local t=$1
  mkdir -p "$corpus_root/$t" "fuzz/artifacts/$t"
  local seeds=()
  [ -d "fuzz/seeds/$t" ] && seeds=("fuzz/seeds/$t")
  # shellcheck disable=SC2046
  if "$bin_dir/$t" "$corpus_root/$t" "${seeds[@]}" \
      -artifact_prefix="fuzz/artifacts/$t/" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=$(max_len_for "$t") $(dict_for "$t") \
      -print_final_stats=1 >"$logs/$t.log" 2>&1; then
    local execs
    execs=$(grep -m1 'stat::number_of_executed_units' "$logs/$t.log" | awk '{print $2}')
    echo "ok   $t (${execs:-?} runs in ${seconds}s)"
  else
    echo "FAIL $t — reproducer in sip-gateway/fuzz/artifacts/$t/; log tail:"
    { grep -a -E -A3 'panicked|SUMMARY|Test unit written|ERROR' "$logs/$t.log" || tail -5 "$logs/$t.log"; } |
      head -12 | sed 's/^/     /'
    return 1
  fi
}

failed=0
jobs=${FUZZ_JOBS:-1}
if [ "$jobs" -le 1 ]; then
  for t in "${targets[@]}"; do
    run_one "$t" || failed=1
  done
else
  pids=()
  for t in "${targets[@]}"; do
    run_one "$t" &
    pids+=($!)
    if [ "${#pids[@]}" -ge "$jobs" ]; then
      wait "${pids[0]}" || failed=1
      pids=("${pids[@]:1}")
    fi
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
fi
rm -rf "$logs"
exit $failed
