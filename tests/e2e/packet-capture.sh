#!/usr/bin/env bash
# Captures the kernel's own ICMP, ICMPv6, TCP and UDP packets over IPv4 and IPv6 with tcpdump,
# for the packet library's checksum test (KernelCaptureChecksumTest reads the file).
#
# Why a veth pair between two namespaces with tx checksum offload turned off: on loopback and
# on an offloading veth the kernel leaves TCP/UDP checksums partial (CHECKSUM_PARTIAL: only the
# pseudo-header sum is in the field, the "hardware" would finish it), so tcpdump would record
# bytes no real wire carries. With `ethtool -K ... tx off` on both ends the kernel computes
# every checksum in software before the packet reaches the capture point. ICMP/ICMPv6 checksums
# are always complete.
#
# Usage: tests/e2e/packet-capture.sh OUTPUT.pcap   (as root)
set -euo pipefail
OUT=${1:?usage: $0 OUTPUT.pcap}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
A=d4j-pkt-a-$$
B=d4j-pkt-b-$$
WORK=$(mktemp -d)
TPID=
RPID=

cleanup() {
  [ -n "$RPID" ] && kill "$RPID" 2>/dev/null || true
  [ -n "$TPID" ] && kill "$TPID" 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Waits up to $2 seconds for file $1 to contain $3.
wait_for() {
  for _ in $(seq 1 $(($2 * 10))); do
    grep -q "$3" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "timed out waiting for '$3' in $1:" >&2
  cat "$1" >&2
  return 1
}

mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
ip netns add "$A"
ip netns add "$B"
ip link add va netns "$A" type veth peer name vb netns "$B"
ip -n "$A" link set lo up
ip -n "$B" link set lo up
ip -n "$A" addr add 10.213.0.1/24 dev va
ip -n "$B" addr add 10.213.0.2/24 dev vb
ip -n "$A" addr add fd00:d4::1/64 dev va nodad
ip -n "$B" addr add fd00:d4::2/64 dev vb nodad
ip netns exec "$A" ethtool -K va tx off >/dev/null
ip netns exec "$B" ethtool -K vb tx off >/dev/null
ip -n "$A" link set va up
ip -n "$B" link set vb up

ip netns exec "$A" tcpdump -i va -U --immediate-mode -s 0 -w "$OUT" 'ip or ip6' 2>"$WORK/tcpdump.err" &
TPID=$!
wait_for "$WORK/tcpdump.err" 60 "listening on"
ip netns exec "$B" java "$ROOT/tests/e2e/Responder.java" 7001 7002 >"$WORK/responder.log" 2>&1 &
RPID=$!
wait_for "$WORK/responder.log" 120 "ready"

ip netns exec "$A" ping -c 2 -i 0.2 -W 2 10.213.0.2 >/dev/null
ip netns exec "$A" ping -6 -c 2 -i 0.2 -W 2 fd00:d4::2 >/dev/null
for dst in 10.213.0.2 fd00:d4::2; do
  reply=$(ip netns exec "$A" bash -c "exec 3<>/dev/tcp/$dst/7001; echo hello-tcp >&3; IFS= read -r -t 10 line <&3; echo \"\$line\"")
  [ "$reply" = "echo hello-tcp" ] || { echo "TCP echo via $dst failed: '$reply'" >&2; exit 1; }
  reply=$(ip netns exec "$A" bash -c "exec 3<>/dev/udp/$dst/7002; printf hello-udp-odd >&3; IFS= read -r -t 10 -N 18 line <&3; echo \"\$line\"")
  [ "$reply" = "echo hello-udp-odd" ] || { echo "UDP echo via $dst failed: '$reply'" >&2; exit 1; }
done
sleep 1
kill -INT "$TPID"
wait "$TPID" || true
TPID=
echo "captured $(tcpdump -r "$OUT" -nn 2>/dev/null | wc -l) packets into $OUT"
