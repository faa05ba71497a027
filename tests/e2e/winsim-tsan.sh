#!/usr/bin/env bash
# The Windows driver on the simulated kernel under ThreadSanitizer: winsim + driver/windows +
# the winsim tests built with clang -fsanitize=thread (driver/build-tsan), both tests run with
# halt_on_error, so any data race fails. No suppression file. First a guard that TSan sees
# every atomic: an atomic instruction left in the instrumented objects (e.g. an Interlocked*
# intrinsic from mingw-w64's headers implemented with inline asm) would be invisible to it.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S driver -B driver/build-tsan -DDIVERT4J_TSAN=ON -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_COMPILER=clang --log-level=WARNING
cmake --build driver/build-tsan --parallel 2 --target test_winsim test_winsim_threads
objects=driver/build-tsan/winsim/CMakeFiles/winsim_kernel.dir
if objdump -d --no-show-raw-insn $(find "$objects" -name '*.o') | grep -E $'\t(lock |mfence)|\txchg[a-z]* .*\\('; then
  echo "winsim tsan: atomic instructions TSan does not instrument (above)" >&2
  exit 1
fi
log=driver/build-tsan/winsim-tsan.log
for test in test_winsim test_winsim_threads; do
  status=0
  # timeout: a deadlock (the simulation's spin locks are not pthread mutexes TSan tracks) fails too.
  TSAN_OPTIONS="halt_on_error=1" timeout 300 driver/build-tsan/winsim/$test > "$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    cat "$log"
    echo "winsim tsan: $test failed (exit $status)" >&2
    exit 1
  fi
  grep -E '^winsim( threads)?: [0-9]+ passed|^winsim threads: ' "$log"
done
