#!/usr/bin/env bash
# Runs `divert4j filter eval --batch` (one JVM per file) on the evaluation vectors and compares
# every output line with the line's "expect"; prints the agreement per file, fails on any miss.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
JAR="$ROOT/java/cli/target/divert4j.jar"
ENGINE=${1:-java}
fail=0
for f in windivert-suite.jsonl oracle-eval.jsonl; do
  vec="$ROOT/tests/vectors/$f"
  got=$(mktemp)
  want=$(mktemp)
  java -jar "$JAR" filter eval --engine "$ENGINE" --batch "$vec" | sed 's/^error: .*/error/' >"$got"
  grep -o '"expect":"[a-z]*"' "$vec" | sed 's/"expect":"\(.*\)"/\1/' >"$want"
  total=$(wc -l <"$want")
  if [ "$(wc -l <"$got")" -ne "$total" ]; then
    echo "vectors $f: $(wc -l <"$got") output lines for $total cases" >&2
    fail=1
  fi
  passed=$(paste -d' ' "$want" "$got" | awk '$1 == $2' | wc -l)
  failed=$((total - passed))
  echo "vectors $f ($ENGINE): $passed passed, $failed failed"
  if [ "$failed" -ne 0 ]; then
    paste -d' ' "$want" "$got" | awk '$1 != $2 { print "  line " NR ": expected " $1 ", got " $2 }' | head -20 >&2
    fail=1
  fi
  rm -f "$got" "$want"
done
exit $fail
