#!/usr/bin/env bash
# The packet commands as users run them: from the shaded jar, checking output and exit status.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
JAR="$ROOT/java/cli/target/divert4j.jar"
P1=4500003c1234400040010e7d0a00000108080808080000000d560001202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
P4=600123450028064020010db80000000000000000aabbccdd00000000000000000000000000000001c37e0017e1d7c8aa00000000a002aaaa000000000204ffc40402080affff91860000000001030307
P4C=600123450028064020010db80000000000000000aabbccdd00000000000000000000000000000001c37e0017e1d7c8aa00000000a002aaaafe5200000204ffc40402080affff91860000000001030307
failures=0

# expect STATUS OUTPUT_SUBSTRING ARGS...: runs the jar, checks the exit status and that stdout+stderr contain the text.
expect() {
  local want=$1 text=$2
  shift 2
  local out status
  out=$(java -jar "$JAR" "$@" 2>&1)
  status=$?
  if [ "$status" -ne "$want" ] || [[ "$out" != *"$text"* ]]; then
    echo "FAIL: divert4j $* -> status $status (want $want), output:" >&2
    echo "$out" >&2
    echo "  (expected to contain: $text)" >&2
    failures=$((failures + 1))
  else
    echo "ok: divert4j $1 $2 ... -> $status"
  fi
}

expect 0 '"srcAddr": "10.0.0.1"' packet parse "$P1"
expect 0 '"ttl": 64' packet parse "$P1"
expect 0 '"payloadLength": 32' packet parse "$P1"
expect 0 '"flowLabel": 74565' packet parse "$P4"
expect 0 '"malformed": [
    "truncated: the IP length is 80 bytes but only 50 are present"' packet parse "${P4:0:100}"
expect 0 "$P4C" packet checksum "$P4"
expect 0 "4500003c1234400040010e7d0a00000108080808" packet checksum "$P1"
expect 0 "11311574671475048290" packet hash "$P1"
expect 0 "15269478677403076381" packet hash --seed 12345 "$P1"
expect 1 "bad hex: unexpected character 'z' at position 2" packet parse 45zz
expect 1 "not an IPv4 or IPv6 packet: version 7 is neither 4 nor 6" packet checksum "70$(printf '0%.0s' {1..78})"
expect 1 "not an IPv4 or IPv6 packet: 3 bytes" packet hash 450000
expect 2 "Missing required parameter" packet parse
expect 2 "Unknown option" packet checksum --bogus "$P1"

if [ "$failures" -ne 0 ]; then
  echo "$failures packet CLI check(s) failed" >&2
  exit 1
fi
echo "packet CLI: all checks passed"
