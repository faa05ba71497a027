#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each for SECONDS (default 20), seeded from the test
# vectors. Exits non-zero when a target finds a crash (its input is left in
# driver/build-fuzz/artifacts-<target>/). Usage: driver/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
DRIVER=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=$(cd "$DRIVER/.." && pwd)
BUILD="$DRIVER/build-fuzz"
SECONDS_PER_TARGET=${1:-20}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(eval parse ioctl nfq)

cmake -S "$DRIVER" -B "$BUILD" -DDIVERT4J_FUZZ=ON -DDIVERT4J_TESTS=OFF -DCMAKE_C_COMPILER=clang \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo --log-level=WARNING
cmake --build "$BUILD" --parallel 2 --target make_seeds $(printf 'fuzz_%s ' "${TARGETS[@]}")
rm -rf "$BUILD/seeds"
"$BUILD/make_seeds" "$ROOT/tests/vectors" "$BUILD/seeds"

status=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$BUILD/corpus-$t" "$BUILD/artifacts-$t" "$BUILD/seeds/$t"
  log="$BUILD/fuzz-$t.log"
  echo "fuzz_$t: ${SECONDS_PER_TARGET}s"
  if "$BUILD/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -timeout=10 \
       -rss_limit_mb=2048 -artifact_prefix="$BUILD/artifacts-$t/" \
       "$BUILD/corpus-$t" "$BUILD/seeds/$t" >"$log" 2>&1; then
    echo "fuzz_$t: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}') executions, no finding"
  else
    echo "fuzz_$t: FINDING (log $log)" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" >&2 || tail -20 "$log" >&2
    status=1
  fi
done
exit $status
