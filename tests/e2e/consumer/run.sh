#!/usr/bin/env bash
# The consumer test: installs divert4j into the local Maven repository, builds this project
# against the installed BOM + API artifact only, and runs its sniff-modify-reinject program in
# two private network namespaces (root). Prints what the receiver got.
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
HERE="$ROOT/tests/e2e/consumer"
WORK=$(mktemp -d /tmp/d4j-consumer.XXXXXX)
A=d4j-ca-$$
B=d4j-cb-$$
RX=

cleanup() {
  [ -n "$RX" ] && kill -9 "$RX" 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "--- mvn install (skipping tests: tests/run.sh ran them)"
(cd "$ROOT" && mvn -B -ntp -q install -DskipTests)
echo "--- build tests/e2e/consumer against the installed artifacts"
mvn -B -ntp -q -f "$HERE/pom.xml" package
ls "$HERE/target/lib"
CP="$HERE/target/classes:$HERE/target/lib/*"

ip netns add "$A"
ip netns add "$B"
ip link add d4jc0-$$ netns "$A" type veth peer name d4jc1-$$ netns "$B"
ip -n "$A" addr add 10.79.0.1/24 dev d4jc0-$$
ip -n "$B" addr add 10.79.0.2/24 dev d4jc1-$$
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set d4jc0-$$ up
ip -n "$B" link set d4jc1-$$ up

ip netns exec "$B" java -cp "$CP" org.example.consumer.Rewrite recv 7003 3 >"$WORK/rx" 2>"$WORK/rx.err" &
RX=$!
for _ in $(seq 1 150); do grep -q listening "$WORK/rx" 2>/dev/null && break; sleep 0.1; done
timeout 60 ip netns exec "$A" java -cp "$CP" org.example.consumer.Rewrite rewrite 10.79.0.2 7003 hello divert4j consumer
for _ in $(seq 1 100); do kill -0 "$RX" 2>/dev/null || break; sleep 0.1; done
wait "$RX" || { echo "receiver failed:"; cat "$WORK/rx.err"; exit 1; }
RX=
echo "--- the receiver got:"
cat "$WORK/rx"
[ "$(grep -v listening "$WORK/rx" | tr '\n' ' ')" = "HELLO DIVERT4J CONSUMER " ] || { echo "FAIL: expected the upper-cased words"; exit 1; }
echo "consumer: ok (built against the installed BOM + divert4j-api, rewrote 3 datagrams in namespaces)"
