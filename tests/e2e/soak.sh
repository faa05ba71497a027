#!/usr/bin/env bash
# Soak and fault tests of the Linux host (issue 16), as root, between two private network
# namespaces joined by a veth pair (10.88.0.0/24, fd00:88::/64):
#   soak     `divert4j passthru` diverts and re-injects all TCP/UDP/ICMP of namespace A (v4 and
#            v6, both directions) for N minutes under a full-rate UDP flood, ping floods and TCP
#            transfers back to back, each sha256-summed on both sides. RSS, open fds and threads
#            of the passthru process are sampled every 10 s, printed, and must stay flat.
#   faults   kill -9, SIGTERM, and someone else flushing iptables, each in the middle of a
#            transfer: the transfer completes intact, pings pass, no rule, chain or process of
#            ours is left.
#   handles  64 handles opened together and closed, in rounds, in one process: fds and threads
#            return to exactly their level, RSS stays flat, no rule, chain or NFQUEUE queue left.
#   threads  8 threads recv/send on one handle under load: every sequence-numbered UDP datagram
#            arrives exactly once.
# Usage: tests/e2e/soak.sh [--minutes N]   (default 30; tests/run.sh runs --minutes 2)
# Every wait is bounded; processes and namespaces are removed by the EXIT trap whatever happens.
set -euo pipefail

MINUTES=30
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=${2:?--minutes needs a number}; shift 2 ;;
    *) echo "usage: tests/e2e/soak.sh [--minutes N]" >&2; exit 2 ;;
  esac
done
case "$MINUTES" in ''|*[!0-9]*|0) echo "--minutes must be a positive whole number: $MINUTES" >&2; exit 2 ;; esac

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
JAR="$ROOT/java/cli/target/divert4j.jar"
LIB="$ROOT/java/native/target/classes/linux-x86-64/libdivert4j.so"
A=d4js-a-$$
B=d4js-b-$$
A4=10.88.0.1 B4=10.88.0.2 A6=fd00:88::1 B6=fd00:88::2
# A fixed, pre-touched heap, the serial collector and a fixed number of JIT threads: what the
# RSS, fd and thread series can still show is the library's (the host's allocations, sockets and
# threads, JNA, direct buffers), not the JVM adapting itself.
JVM=(java -XX:+UseSerialGC -Xms128m -Xmx128m -XX:+AlwaysPreTouch -XX:-UseDynamicNumberOfCompilerThreads)
PIDS=()
FAILS=0
PASSES=0
WORK=

cleanup() {
  local p ns
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  # What was started inside the namespaces (watchdogs included) lives and dies with them.
  for ns in "$A" "$B"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
  done
  wait 2>/dev/null || true
  for ns in "$A" "$B"; do ip netns del "$ns" 2>/dev/null || true; done
  [ -z "$WORK" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok()    { PASSES=$((PASSES + 1)); echo "ok   - $*"; }
bad()   { FAILS=$((FAILS + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }
pings() { inA ping "$@" >/dev/null 2>&1; }
elapsed() { echo $(( $(date +%s) - T0 )); }

# Starts CMD... in the background with stdin from $BG_IN (default /dev/null), stdout/stderr to
# $WORK/NAME.out/.err, pid in $LAST and ${PID_OF[NAME]}. fd 9 is closed for it: a lock the
# caller holds on fd 9 must not outlive this script in an orphan.
LAST=
declare -A PID_OF=()
bg() {
  local name=$1; shift
  "$@" <"${BG_IN:-/dev/null}" >"$WORK/$name.out" 2>"$WORK/$name.err" 9>&- &
  LAST=$!
  PID_OF[$name]=$LAST
  PIDS+=("$LAST")
}
# Waits (bounded, 0.1 s steps) until FILE contains TEXT.
wait_for() { local file=$1 text=$2 n=${3:-150}; for _ in $(seq 1 "$n"); do grep -q -- "$text" "$file" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
mangle() { ip netns exec "$1" iptables-save -t mangle; ip netns exec "$1" ip6tables-save -t mangle; }
# (grep -c, not -q: under pipefail an early exit of grep would fail the pipeline with SIGPIPE)
only_chains_left() { [ "$(count_rules "$A")" -eq 0 ] && [ "$(mangle "$A" | grep -c '^:D4J-')" -gt 0 ]; }
count_rules() { mangle "$1" | grep -c -- '-j D4J-' || true; }
no_rules() { ! mangle "$1" | grep -q D4J-; }
wait_no_rules() { for _ in $(seq 1 100); do no_rules "$1" && return 0; sleep 0.1; done; return 1; }
# No process left in the namespace (the watchdog of a dead handle process ends after its cleanup).
wait_no_procs() { for _ in $(seq 1 100); do [ -z "$(ip netns pids "$1")" ] && return 0; sleep 0.1; done; ip netns pids "$1" | xargs -r ps -o pid,args -p; return 1; }
# Waits (bounded, N x 0.1 s) for pid to exit and returns its status; 124 if it is still running.
finished() {
  local pid=$1 n=${2:-150}
  for _ in $(seq 1 "$n"); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null && return 0 || return $?; }; sleep 0.1; done
  return 124
}
# True once pid has exited, whatever its status.
gone() { local rc=0; finished "$@" || rc=$?; [ "$rc" -ne 124 ]; }

# `divert4j passthru ARGS...` in namespace A, in $PT once its rules are in place.
PT=
start_passthru() {
  local name=$1; shift
  local before
  before=$(count_rules "$A")
  bg "$name" ip netns exec "$A" "${JVM[@]}" -jar "$JAR" passthru "$@"
  PT=$LAST
  for _ in $(seq 1 300); do
    [ "$(count_rules "$A")" -gt "$before" ] && return 0
    kill -0 "$PT" 2>/dev/null || break
    sleep 0.1
  done
  echo "--- passthru did not start:"; cat "$WORK/$name.err" "$WORK/$name.out" || true
  return 1
}

# A TCP transfer of FILE from A to DST:7000 (optionally at most RATE bytes/s); the receiver in B
# writes what it got to $WORK/NAME-rx.out. Started in the background: XFER_TX / XFER_RX are the
# pids.
XFER_TX= XFER_RX=
start_transfer() {
  local name=$1 dst=$2 file=$3 rate=${4:-0} timeout=${5:-300}
  rm -f "$WORK/$name-rx.out" "$WORK/$name-rx.err" # an old "listening" would not be this receiver's
  bg "$name-rx" ip netns exec "$B" "$TOOL" tcp-sink 7000 "$timeout"
  XFER_RX=$LAST
  wait_for "$WORK/$name-rx.err" listening 50 || return 1
  BG_IN=$file bg "$name-tx" ip netns exec "$A" "$TOOL" tcp-send "$dst" 7000 "$timeout" "$rate"
  XFER_TX=$LAST
}
# Waits for the transfer started last and prints the checksum line; true if both ends agree.
end_transfer() {
  local name=$1 file=$2 what=$3 n=${4:-3000}
  local tx=0 rx=0
  finished "$XFER_TX" "$n" || tx=$?
  finished "$XFER_RX" 100 || rx=$?
  [ "$rx" -ne 124 ] || kill -9 "$XFER_RX" 2>/dev/null || true
  local sent got
  sent=$(sha256sum <"$file" | cut -c1-64)
  got=$(sha256sum <"$WORK/$name-rx.out" | cut -c1-64)
  local verdict=match
  [ "$sent" = "$got" ] && [ "$tx" -eq 0 ] && [ "$rx" -eq 0 ] || verdict="MISMATCH (sender $tx, receiver $rx)"
  echo "    $what: $(stat -c %s "$file") bytes, sha256 sent $sent received $got: $verdict"
  rm -f "$WORK/$name-rx.out"
  [ "$verdict" = match ]
}

# Prints the samples' flatness verdict. Args: NAME FILE COLUMN BOUND_KIB. FILE has lines of
# numbers; the column's mean over the last third of the lines must exceed the first third's by
# at most BOUND_KIB.
flat() {
  awk -v col="$3" -v bound="$4" -v name="$1" '
    { v[NR] = $col }
    END {
      t = int(NR / 3); if (t < 1) { print "    " name ": too few samples (" NR ")"; exit 1 }
      for (i = 1; i <= t; i++) { f += v[i]; l += v[NR - t + i] }
      f /= t; l /= t
      printf "    %s: first-third mean %.0f KiB, last-third mean %.0f KiB, growth %.0f KiB (bound %d KiB)\n", name, f, l, l - f, bound
      exit (l - f <= bound) ? 0 : 1
    }' "$2"
}
# True if no line of FILE has more in COLUMN than the first line. The JVM ends an idle thread of
# its own now and then, so a thread count may only not grow (a leaked capture thread would add one
# per handle).
not_above() { awk -v col="$2" 'NR == 1 { first = $col } $col > first { bad = 1 } END { exit bad }' "$1"; }
# True if every line of FILE has the same value in COLUMN (prints the distinct values otherwise).
constant() {
  local n
  n=$(awk -v col="$2" '{ print $col }' "$1" | sort -u | wc -l)
  [ "$n" -eq 1 ] || { echo "    values: $(awk -v col="$2" '{ print $col }' "$1" | sort -u | tr '\n' ' ')"; return 1; }
}

[ "$(id -u)" -eq 0 ] || { echo "tests/e2e/soak.sh needs root (network namespaces, NFQUEUE)"; exit 1; }
[ -f "$JAR" ] || { echo "missing $JAR (mvn -B -q -o -pl java/cli -am package -DskipTests)"; exit 1; }
[ -f "$LIB" ] || { echo "missing $LIB (built by the same mvn package)"; exit 1; }
WORK=$(mktemp -d /tmp/d4j-soak.XXXXXX)
TOOL="$WORK/tool"
gcc -std=c11 -O2 -Wall -Wextra -Werror -o "$TOOL" "$ROOT/tests/e2e/e2e_tool.c"
HARNESS=(ip netns exec "$B" "${JVM[@]}" -cp "$JAR" "$ROOT/tests/e2e/SoakHarness.java")
T0=$(date +%s)

echo "=== namespaces $A and $B"
ip netns add "$A"
ip netns add "$B"
ip link add veth0 netns "$A" type veth peer name veth0 netns "$B"
inA ip addr add "$A4/24" dev veth0
inB ip addr add "$B4/24" dev veth0
inA ip -6 addr add "$A6/64" dev veth0 nodad
inB ip -6 addr add "$B6/64" dev veth0 nodad
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; ip -n "$ns" link set veth0 up; done
pings -c 1 -W 2 "$B4"
pings -c 1 -W 2 "$B6"
head -c 16000000 /dev/urandom >"$WORK/payload"
head -c 24000000 /dev/urandom >"$WORK/fault-payload"

SECS=$((MINUTES * 60))
echo "=== soak: $MINUTES min of passthru on all TCP/UDP/ICMP of A (v4 + v6) at full rate"
start_passthru soak --threads 2 --batch 16 "tcp or udp or icmp or icmpv6"
SOAK=$PT
# Load for SECS seconds: UDP flood v4 at full rate and v6 paced, ping floods, TCP transfers.
bg sink4 ip netns exec "$B" "$TOOL" udp-count 7101 0 $((SECS + 60))
bg sink6 ip netns exec "$B" "$TOOL" udp-count 7102 0 $((SECS + 60))
wait_for "$WORK/sink4.out" listening 50
wait_for "$WORK/sink6.out" listening 50
bg flood4 ip netns exec "$A" "$TOOL" udp-seq "$B4" 7101 0 0 "$SECS"
bg flood6 ip netns exec "$A" "$TOOL" udp-seq "$B6" 7102 0 2000 "$SECS"
bg ping4 ip netns exec "$A" ping -f -q -w "$SECS" "$B4"
bg ping6 ip netns exec "$A" ping -6 -f -q -w "$SECS" "$B6"
# Transfers back to back until the load ends, alternating IPv4 and IPv6.
transfers() {
  local k=0 dst what
  while [ $(( $(date +%s) - T0 )) -lt "$SOAK_END" ]; do
    k=$((k + 1))
    if [ $((k % 2)) -eq 1 ]; then dst=$B4 what="transfer $k (IPv4)"; else dst=$B6 what="transfer $k (IPv6)"; fi
    start_transfer "xfer$k" "$dst" "$WORK/payload" 0 600 || { echo "    $what: receiver did not start"; continue; }
    end_transfer "xfer$k" "$WORK/payload" "$what" 6000 || true
  done
}
SOAK_END=$(( $(elapsed) + SECS ))
transfers >"$WORK/transfers.log" 2>&1 9>&- &
TRANSFERS=$!
PIDS+=("$TRANSFERS")
: >"$WORK/samples"
echo "    samples every 10 s of the passthru process (pid $SOAK): t_s rss_kib fds(but raw sockets) threads raw_sockets"
for _ in $(seq 1 $((SECS / 10))); do
  sleep 10
  kill -0 "$SOAK" 2>/dev/null || break
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SOAK/status")
  thr=$(awk '/^Threads:/ { print $2 }' "/proc/$SOAK/status")
  # The host opens its raw sockets (IPv4/IPv6 x in/out) on first use, whenever that comes:
  # they are counted apart, the other fds must not move.
  raw=$(awk 'NR > 1 { print "socket:[" $10 "]" }' "/proc/$SOAK/net/raw" "/proc/$SOAK/net/raw6" | sort -u)
  fds=$(ls "/proc/$SOAK/fd" | wc -l)
  raws=$(for f in "/proc/$SOAK"/fd/*; do readlink "$f"; done 2>/dev/null | grep -cxF -f <(echo "$raw"; echo none) || true)
  echo "$(elapsed) $rss $((fds - raws)) $thr $raws" | tee -a "$WORK/samples" | sed 's/^/    sample /'
done
check "passthru ran through the whole soak" kill -0 "$SOAK"
for p in flood4 flood6 ping4 ping6; do gone "${PID_OF[$p]}" 300 || bad "$p ended with the soak"; done
finished "$TRANSFERS" 6000 || true
cat "$WORK/transfers.log"
XFERS=$(grep -c 'sha256 sent' "$WORK/transfers.log" || true)
MATCHED=$(grep -c ': match$' "$WORK/transfers.log" || true)
check "$MATCHED of $XFERS TCP transfers arrived sha256-identical (at least 1, all of them)" \
  test "$XFERS" -ge 1 -a "$MATCHED" -eq "$XFERS"
kill -TERM "$SOAK" 2>/dev/null || true
check "passthru ended on SIGTERM" gone "$SOAK" 150
sed 's/^/    /' "$WORK/soak.err"
check "passthru re-injected packets" grep -Eq "[1-9][0-9]* injected" "$WORK/soak.err"
for f in flood4 flood6 sink4 sink6 ping4 ping6; do sed "s/^/    $f: /" "$WORK/$f.out"; done
# Warm-up: the first 30 s (JIT, lazily opened raw sockets, malloc arenas settling) are left out.
tail -n +4 "$WORK/samples" >"$WORK/steady"
# RSS bound: 16 MiB. What may still move with a fixed heap is the JIT's code cache and glibc's
# arenas, a few MiB; a leak of one 32-byte allocation per packet at the >= 10^4 packets/s this
# load diverts grows RSS by more than that within a minute, and a leaked packet buffer (>= 64 KiB
# per READ_BURST datagram) within seconds.
check "RSS flat after warm-up" flat rss "$WORK/steady" 2 16384
check "open fds (raw sockets apart) exactly constant after warm-up ($(awk 'NR == 1 { print $3 }' "$WORK/steady"))" constant "$WORK/steady" 3
check "at most the handle's 4 raw sockets" awk '$5 > 4 { bad = 1 } END { exit bad }' "$WORK/steady"
check "threads never above their count after warm-up ($(awk 'NR == 1 { print $4 }' "$WORK/steady"))" not_above "$WORK/steady" 4
check "no rule or chain left after the soak" wait_no_rules "$A"
check "no process left in A after the soak" wait_no_procs "$A"

echo "=== faults, each in the middle of a 24 MB transfer paced at 8 MB/s through passthru"
# fault NAME ACTION EXPECT: ACTION runs once 4 MB have arrived; EXPECT is "dead" (the process
# is gone afterwards) or "alive" (it keeps running and is then stopped with SIGTERM).
fault() {
  local name=$1 action=$2 expect=$3
  echo "--- $name"
  start_passthru "$name" --threads 2 "tcp or icmp" || { bad "$name: passthru started"; return; }
  local pt=$PT rules
  rules=$(count_rules "$A")
  if ! start_transfer "$name" "$B4" "$WORK/fault-payload" 8000000 120; then
    bad "$name: receiver started"
    kill -9 "$pt" "$XFER_RX" 2>/dev/null || true
    return
  fi
  local rx="$WORK/$name-rx.out" at
  for _ in $(seq 1 100); do [ "$(stat -c %s "$rx")" -ge 4000000 ] && break; sleep 0.05; done
  at=$(stat -c %s "$rx")
  check "$name: the transfer is under way when it happens ($at bytes in)" test "$at" -ge 4000000 -a "$at" -lt 24000000
  PT=$pt
  RULES=$rules
  eval "$action"
  check "$name: the transfer completes, sha256-identical" end_transfer "$name" "$WORK/fault-payload" "$name transfer"
  check "$name: pings pass (v4 and v6)" pings -c 2 -i 0.2 -W 2 "$B4"
  if [ "$expect" = alive ]; then
    check "$name: the handle process is still running" kill -0 "$pt"
    kill -TERM "$pt" 2>/dev/null || true
  fi
  check "$name: the process is gone" gone "$pt" 150
  check "$name: no rule or chain of ours left" wait_no_rules "$A"
  check "$name: no process left in A (watchdog included)" wait_no_procs "$A"
  check "$name: pings pass afterwards" pings -c 1 -W 2 "$B6"
}
fault "kill -9" 'kill -9 $PT' dead
fault "SIGTERM" 'kill -TERM $PT; check "SIGTERM: passthru printed its summary (closed its handle)" wait_for "$WORK/SIGTERM.err" injected 100' dead
# Someone else's firewall script: `iptables -F; iptables -X` clears the filter table, where
# divert4j has nothing, so the handle goes on diverting.
fault "iptables -F; iptables -X" 'for t in iptables ip6tables; do inA $t -F; inA $t -X; done
  check "filter flush: our rules are untouched ($RULES)" test "$(count_rules "$A")" -eq "$RULES"' alive
# Flushing the mangle table removes our jumps: the kernel no longer queues anything to the
# handle, so traffic flows undiverted (nothing lost or blocked). The handle is not told (netfilter
# has no such notification); it stays open and receives nothing; closing removes what is left.
fault "iptables -t mangle -F" 'for t in iptables ip6tables; do inA $t -t mangle -F; done
  check "mangle flush: no jump of ours is left, our empty chains are" only_chains_left' alive
fault "iptables -t mangle -F; -X" 'for t in iptables ip6tables; do inA $t -t mangle -F; inA $t -t mangle -X; done
  check "mangle flush and delete: nothing of ours is left while the handle is open" no_rules "$A"' alive

echo "=== 64 handles opened together and closed, in rounds, in one process"
ROUNDS=$(( MINUTES >= 30 ? 20 : 6 ))
bg handles "${HARNESS[@]}" handles "udp.DstPort == 9" 64 "$ROUNDS"
check "$ROUNDS rounds of 64 opens and closes succeed" finished "$LAST" $((ROUNDS * 600 + 600))
sed 's/^/    /' "$WORK/handles.out" "$WORK/handles.err"
# Round 1 is the warm-up (classes, JIT, thread stack cache, malloc arenas of 64 capture threads).
awk '$1 == "round" && $2 >= 1 { print $4, $6, $8 }' "$WORK/handles.out" >"$WORK/rounds"
check "fds back to exactly the same count after every round" constant "$WORK/rounds" 1
check "threads never above their count after round 1" not_above "$WORK/rounds" 2
# 64 handles at once each hold a capture buffer and a thread stack of several MiB: a handle's
# memory not given back grows RSS by >= 1 MiB a round, so 4 MiB is well below a leak of one
# handle per round.
check "RSS flat across rounds" flat rss "$WORK/rounds" 3 4096
check "no rule or chain left in B" wait_no_rules "$B"
check "no NFQUEUE queue left bound in B" test -z "$(inB cat /proc/net/netfilter/nfnetlink_queue)"

echo "=== 8 threads recv/send on one handle, under load"
RELAY_SECS=$(( MINUTES >= 30 ? 60 : 15 ))
RATE=5000
COUNT=$((RELAY_SECS * RATE))
start_passthru relay-load --threads 2 "tcp or icmp"
RELAY_LOAD=$PT
bg relay "${HARNESS[@]}" relay "inbound and udp.DstPort == 7300" 8 "$COUNT" $((RELAY_SECS + 60))
RELAY=$LAST
wait_for "$WORK/relay.out" ready 300 || { cat "$WORK/relay.err"; bad "relay handle opened"; }
bg count ip netns exec "$B" "$TOOL" udp-count 7300 "$COUNT" $((RELAY_SECS + 60))
COUNTER=$LAST
wait_for "$WORK/count.out" listening 50
bg relay-ping ip netns exec "$A" ping -f -q -w "$RELAY_SECS" "$B4"
rcvbuf() { inB nstat -asz UdpRcvbufErrors Udp6RcvbufErrors | awk '/RcvbufErrors/ { s += $2 } END { print s + 0 }'; }
RCVBUF0=$(rcvbuf)
start_transfer relay-xfer "$B4" "$WORK/payload" 0 300
inA "$TOOL" udp-seq "$B4" 7300 "$COUNT" "$RATE" $((RELAY_SECS + 30))
check "relay-xfer: the transfer under the relay completes, sha256-identical" \
  end_transfer relay-xfer "$WORK/payload" "relay-xfer transfer"
finished "$COUNTER" 900 || true
finished "$RELAY" 900 || true
kill -TERM "$RELAY_LOAD" 2>/dev/null || true
gone "$RELAY_LOAD" 150 || bad "the load's passthru ended on SIGTERM"
sed 's/^/    /' "$WORK/count.out" "$WORK/relay.out" "$WORK/relay.err"
# Where a datagram could be lost besides a bug, with the counter that would say so: the kernel
# not queueing it to the handle (its queue full or our socket overflowing: queue_dropped,
# user_dropped of /proc/net/netfilter/nfnetlink_queue, columns 6 and 7) or the receiver's
# socket overflowing (UdpRcvbufErrors). At this rate all of them stay 0.
RCVBUF=$(( $(rcvbuf) - RCVBUF0 ))
echo "    receiver socket overflows during the run (UdpRcvbufErrors): $RCVBUF"
check "the kernel dropped nothing it should have queued to the relay (queue_dropped, user_dropped 0)" \
  awk '$1 == "nfqueue" { n++; if ($7 != 0 || $8 != 0) bad = 1 } END { exit bad || n == 0 }' "$WORK/relay.out"
check "the receiver's socket did not overflow" test "$RCVBUF" -eq 0
check "all $COUNT datagrams arrived exactly once (no loss, no duplicate, no stray)" \
  grep -qx "received $COUNT distinct $COUNT dup 0 lost 0 stray 0" "$WORK/count.out"
check "the 8 threads relayed exactly $COUNT, no send error" grep -q "^relayed $COUNT errors 0 per-thread " "$WORK/relay.out"
check "no rule or chain left in A" wait_no_rules "$A"
check "no rule or chain left in B" wait_no_rules "$B"
check "no process left in A" wait_no_procs "$A"
check "no process left in B" wait_no_procs "$B"

echo
echo "soak ($MINUTES min): $PASSES passed, $FAILS failed, $(elapsed) s"
[ "$FAILS" -eq 0 ]
