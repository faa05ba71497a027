#!/usr/bin/env bash
# Runs `divert4j filter compile --batch` (one JVM) on oracle-syntax.jsonl and compares every
# output line with WinDivert's result: acceptance, error position and message, object string.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
JAR="$ROOT/java/cli/target/divert4j.jar"
vec="$ROOT/tests/vectors/oracle-syntax.jsonl"
got=$(mktemp)
want=$(mktemp)
trap 'rm -f "$got" "$want"' EXIT
java -jar "$JAR" filter compile --batch "$vec" >"$got"
while IFS= read -r line; do
  if [[ $line == *'"accept":true'* ]]; then
    echo "ok $(sed 's/.*"object":"\([^"]*\)".*/\1/' <<<"$line")"
  else
    echo "error $(sed 's/.*"errorPos":\([0-9]*\).*/\1/' <<<"$line") $(sed 's/.*"error":"\([^"]*\)".*/\1/' <<<"$line")"
  fi
done <"$vec" >"$want"
total=$(wc -l <"$want")
if [ "$(wc -l <"$got")" -ne "$total" ]; then
  echo "vectors oracle-syntax.jsonl: $(wc -l <"$got") output lines for $total cases" >&2
  exit 1
fi
pairs=$(paste -d'\t' "$want" "$got")
verdict=$(awk -F'\t' '{ split($1, w, " "); split($2, g, " "); if (w[1] == g[1]) n++ } END { print n + 0 }' <<<"$pairs")
rejected=$(grep -c '^error' "$want" || true)
positions=$(awk -F'\t' '$1 ~ /^error/ && $1 == $2' <<<"$pairs" | wc -l)
objects=$(awk -F'\t' '$1 ~ /^ok/ && $1 == $2' <<<"$pairs" | wc -l)
failed=$(awk -F'\t' '$1 != $2' <<<"$pairs" | wc -l)
echo "vectors oracle-syntax.jsonl (compile): accept/reject agree $verdict/$total," \
     "error position+message $positions/$rejected, object string $objects/$((total - rejected))"
echo "compile vectors: $((total - failed)) of $total agree"
if [ "$failed" -ne 0 ]; then
  awk -F'\t' '$1 != $2 { print "  line " NR ": expected " $1 ", got " $2 }' <<<"$pairs" | head -20 >&2
  exit 1
fi
