#!/usr/bin/env bash
# Performance figures, one "name: value" line each; every ratio is measured within this run.
#   vm_vs_bpf            core VM (parse + eval) ÷ libpcap bpf_filter, same packets and filters
#   vm_vs_handwritten    core VM ÷ hand-written C predicates
#   java_vs_vm           Java evaluator (JMH, decomposition + eval) ÷ core VM (parse + eval)
#   insn_vs_windivert    our optimized instruction count ÷ WinDivert's, averaged over the
#                        oracle-syntax vectors that carry WinDivert's object
#   passthru_vs_nfqueue  UDP packets/s through `divert4j passthru` ÷ through a minimal C NFQUEUE
#                        accepter, same traffic in the same pair of network namespaces
#   passthru_tcp_ratio   TCP bytes/s through `divert4j passthru "tcp"` ÷ through nfq_bench's
#                        accept-batch (GSO packets whole, recvmmsg of 16 and one batch verdict,
#                        as the host does for that filter), all TCP of namespace A queued both ways
#   bystander_ratio      TCP bytes/s between the namespaces while a `divert4j passthru
#                        "udp.DstPort == 9"` handle (which matches none of it) is open ÷ the
#                        same with no handle open
# Usage: tests/bench/bench.sh [--quick] [--passthru-only]   (quick: a few minutes on 2 cores;
#        passthru-only: just the passthru_vs_nfqueue figures, about 30 s)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
QUICK=""
PASSTHRU_ONLY=""
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK="--quick" ;;
    --passthru-only) PASSTHRU_ONLY=1 ;;
    *) echo "usage: tests/bench/bench.sh [--quick] [--passthru-only]" >&2; exit 2 ;;
  esac
done
WORK=$(mktemp -d /tmp/d4j-bench.XXXXXX)
NS_A="d4jbench-a-$$"
NS_B="d4jbench-b-$$"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fig() { printf '%s: %s\n' "$1" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
get() { awk -F': ' -v k="$1" '$1 == k { print $2 }' "$2"; }

# Starts divert4j passthru FILTER in $NS_A (output to LOG); PT is its pid. Returns once the host's
# NFQUEUE rules are in or the process has ended (a failing open ends it).
start_passthru() {
  ip netns exec "$NS_A" java -jar java/cli/target/divert4j.jar passthru --batch 64 --threads 1 \
    "$1" >"$2" 2>&1 & PIDS+=($!); PT=$!
  local t
  for t in $(seq 150); do
    kill -0 "$PT" 2>/dev/null || break
    ip netns exec "$NS_A" iptables-save -t mangle 2>/dev/null | grep -q NFQUEUE && break
    sleep 0.2
  done
}

# A worker blocked in recv may not see SIGTERM at once: give it 5 s, then SIGKILL.
stop_passthru() {
  kill "$1" 2>/dev/null || true
  local t
  for t in $(seq 25); do kill -0 "$1" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$1" 2>/dev/null || true
}

# passthru vs a C NFQUEUE accepter: UDP blast from namespace A to B, counted at B.
passthru() {
  if [ "$(id -u)" -ne 0 ] || ! ip netns add "$NS_A" 2>/dev/null; then
    fig passthru_vs_nfqueue "unavailable (needs root and network namespaces)"; return
  fi
  ip netns add "$NS_B"
  ip link add va netns "$NS_A" type veth peer name vb netns "$NS_B"
  ip -n "$NS_A" addr add 10.214.0.1/24 dev va
  ip -n "$NS_B" addr add 10.214.0.2/24 dev vb
  ip -n "$NS_A" link set va up; ip -n "$NS_A" link set lo up
  ip -n "$NS_B" link set vb up; ip -n "$NS_B" link set lo up
  gcc -std=c11 -O2 -Wall -Wextra -Werror driver/bench/nfq_bench.c -lnetfilter_queue -o "$WORK/nfq_bench"
  local secs=3; [ -z "$QUICK" ] && secs=10
  run_traffic() {  # prints packets/s seen by the sink
    ip netns exec "$NS_B" "$WORK/nfq_bench" sink 9999 $((secs + 2)) >"$WORK/sink.txt" &
    local sink=$!
    sleep 0.5
    ip netns exec "$NS_A" "$WORK/nfq_bench" blast 10.214.0.2 9999 "$secs" >/dev/null
    wait "$sink"
    awk '/^packets/ { p = $2 } /^seconds/ { s = $2 } END { printf "%.0f", (s > 0 ? p / s : 0) }' "$WORK/sink.txt"
  }
  local plain; plain=$(run_traffic)
  ip netns exec "$NS_A" iptables -t mangle -A OUTPUT -p udp --dport 9999 -j NFQUEUE --queue-num 7
  ip netns exec "$NS_A" "$WORK/nfq_bench" accept 7 2>/dev/null & PIDS+=($!); local acc=$!
  sleep 0.5
  local nfq; nfq=$(run_traffic)
  kill "$acc" 2>/dev/null || true; wait "$acc" 2>/dev/null || true
  ip netns exec "$NS_A" iptables -t mangle -F OUTPUT
  fig nfqueue_c_pps "$nfq"
  fig no_queue_pps "$plain"
  local pt; start_passthru "outbound and udp.DstPort == 9999" "$WORK/passthru.log"; pt=$PT
  if ! kill -0 "$pt" 2>/dev/null; then
    fig passthru_vs_nfqueue "unavailable (passthru failed: $(grep -m1 -i 'error\|remedy\|no divert' "$WORK/passthru.log" \
      || tail -1 "$WORK/passthru.log"))"; return
  fi
  local java; java=$(run_traffic)
  if ! kill -0 "$pt" 2>/dev/null; then
    fig passthru_vs_nfqueue "unavailable (passthru ended during the run: $(tail -1 "$WORK/passthru.log"))"; return
  fi
  stop_passthru "$pt"
  fig passthru_vs_nfqueue "$(ratio "$java" "$nfq")"
  fig passthru_pps "$java"
  passthru_tcp
  bystander
}

# TCP blast from namespace A to B for $secs seconds; prints bytes/s seen by the sink.
tcp_traffic() {
  ip netns exec "$NS_B" "$WORK/nfq_bench" tcpsink 9998 $((secs + 2)) >"$WORK/tsink.txt" &
  local sink=$!
  sleep 0.5
  ip netns exec "$NS_A" "$WORK/nfq_bench" tcpblast 10.214.0.2 9998 "$secs" >/dev/null || true
  wait "$sink"
  awk '/^bytes/ { b = $2 } /^seconds/ { s = $2 } END { printf "%.0f", (s > 0 ? b / s : 0) }' "$WORK/tsink.txt"
}

# TCP through divert4j passthru "tcp" vs the batching C accepter, in passthru's namespaces.
# TCP_BYTES: tcp_traffic's bytes/s while a passthru FILTER handle is open; when it does not
# start, figure NAME says so and the status is 1.
tcp_past_handle() {  # FILTER NAME
  local log="$WORK/$2.log" pt
  start_passthru "$1" "$log"; pt=$PT
  if ! kill -0 "$pt" 2>/dev/null; then
    fig "$2" "unavailable (passthru failed: $(tail -1 "$log"))"; return 1
  fi
  TCP_BYTES=$(tcp_traffic)
  stop_passthru "$pt"
}

passthru_tcp() {
  local chain
  for chain in OUTPUT INPUT; do
    ip netns exec "$NS_A" iptables -t mangle -A "$chain" -p tcp -j NFQUEUE --queue-num 8
  done
  ip netns exec "$NS_A" "$WORK/nfq_bench" accept-batch 8 2>/dev/null & PIDS+=($!); local acc=$!
  sleep 0.5
  local cbytes; cbytes=$(tcp_traffic)
  kill "$acc" 2>/dev/null || true; wait "$acc" 2>/dev/null || true
  ip netns exec "$NS_A" iptables -t mangle -F OUTPUT
  ip netns exec "$NS_A" iptables -t mangle -F INPUT
  tcp_past_handle "tcp" passthru_tcp_ratio || return 0
  local jbytes=$TCP_BYTES
  fig passthru_tcp_ratio "$(ratio "$jbytes" "$cbytes")"
  fig passthru_tcp_bytes_per_s "$jbytes"
  fig nfqueue_c_batch_tcp_bytes_per_s "$cbytes"
}

# TCP past a handle whose filter matches none of it (the in-kernel prefilter keeps it out of
# the queue) vs the same TCP with no handle open, in passthru's namespaces.
bystander() {
  local plain; plain=$(tcp_traffic)
  tcp_past_handle "udp.DstPort == 9" bystander_ratio || return 0
  local past=$TCP_BYTES
  fig bystander_ratio "$(ratio "$past" "$plain")"
  fig bystander_tcp_bytes_per_s "$past"
  fig no_handle_tcp_bytes_per_s "$plain"
}
echo "# load: $(uptime | sed 's/.*load average: //')" >&2
MODULES=java/bench,java/cli; [ -n "$PASSTHRU_ONLY" ] && MODULES=java/cli
mvn -B -q -o -DskipTests package -pl "$MODULES" -am >"$WORK/mvn.log" 2>&1 \
  || { cat "$WORK/mvn.log" >&2; exit 1; }
if [ -n "$PASSTHRU_ONLY" ]; then passthru; exit 0; fi

# Inputs from our compiler; instruction counts against WinDivert's objects.
java -cp java/bench/target/benchmarks.jar org.divert4j.bench.BenchSetup "$ROOT" "$WORK/in" >"$WORK/setup.txt"
PACKETS=$(get corpus_packets "$WORK/setup.txt")

# C: core VM, bpf_filter, hand-written predicates.
gcc -std=c11 -O2 -Wall -Wextra -Werror -Idriver/include -Idriver driver/bench/bench_filter.c \
  driver/core/*.c -lpcap -o "$WORK/bench_filter"
"$WORK/bench_filter" "$WORK/in" $QUICK >"$WORK/c.txt"

# Java evaluator under JMH.
# C2 needs several seconds on a loaded machine before the evaluator's big switch is compiled.
# Like the C bench, each filter's figure is its best measured iteration: on a shared machine
# the mean mostly measures the other processes.
if [ -n "$QUICK" ]; then JMH=(-f 1 -wi 5 -w 2s -i 5 -r 1s); else JMH=(-f 2 -wi 8 -w 2s -i 8 -r 2s); fi
java -jar java/bench/target/benchmarks.jar EvaluatorBench "${JMH[@]}" \
  -jvmArgsAppend "-Ddivert4j.bench.dir=$WORK/in" >"$WORK/jmh.log" 2>&1 \
  || { tail -30 "$WORK/jmh.log" >&2; exit 1; }
awk -v n="$PACKETS" '
  /^# Parameters: \(filter = / { name = $5; sub(/\)$/, "", name) }
  /^Iteration +[0-9]+: / { v = $3 + 0; if (!(name in best) || v < best[name]) best[name] = v }
  END { for (k in best) printf "%s_java_ns: %.2f\n", k, best[k] / n }' "$WORK/jmh.log" >"$WORK/java.txt"
JAVA_NS=$(awk '{ s += $2; k++ } END { printf "%.2f", s / k }' "$WORK/java.txt")

VM=$(get vm_ns_per_packet "$WORK/c.txt")
BPF=$(get bpf_ns_per_packet "$WORK/c.txt")
HAND=$(get handwritten_ns_per_packet "$WORK/c.txt")
fig vm_vs_bpf "$(ratio "$VM" "$BPF")"
fig vm_vs_handwritten "$(ratio "$VM" "$HAND")"
fig java_vs_vm "$(ratio "$JAVA_NS" "$VM")"
fig insn_vs_windivert "$(get insn_vs_windivert "$WORK/setup.txt")"

passthru

# The absolute figures behind the ratios.
fig vm_ns_per_packet "$VM"
fig bpf_ns_per_packet "$BPF"
fig handwritten_ns_per_packet "$HAND"
fig java_ns_per_packet "$JAVA_NS"
fig vm_eval_only_ns_per_packet "$(get vm_eval_only_ns_per_packet "$WORK/c.txt")"
fig corpus_packets "$PACKETS"
grep -E '^(insn_[a-z_]+total|insn_filters):' "$WORK/setup.txt"
grep -E '_(ns|matches|disagreements):' "$WORK/c.txt"
cat "$WORK/java.txt"
