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
for test in test_winsim test_winsim_threads; do
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" driver/build-tsan/winsim/$test 2>&1 \
    | grep -E '^winsim( threads)?:.*(passed|failed)|^winsim (threads|test):|ThreadSanitizer|^ +#|^SUMMARY' \
    || true
  test "${PIPESTATUS[0]}" -eq 0
done
