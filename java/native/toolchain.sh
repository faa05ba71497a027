#!/usr/bin/env bash
# Run by the Maven build before CMake: libdivert4j.so needs cmake, make, a C compiler and the C
# library's headers. When they are missing, root on Debian gets them installed (so the README's
# first command works on a machine with only a JDK and Maven); otherwise the file MARKER is
# written and the enforcer rule after this step stops the build with one sentence.
#   toolchain.sh MARKER
set -uo pipefail
MARKER=$1
PACKAGES=(cmake make gcc libc6-dev)

toolchain_ok() {
  command -v cmake >/dev/null && command -v make >/dev/null && command -v cc >/dev/null || return 1
  # Compiling and linking a program that includes a libc header proves libc6-dev is there too.
  local out rc
  out=$(mktemp) || return 1
  printf '#include <stdio.h>\nint main(void) { return puts("") < 0; }\n' | cc -x c - -o "$out" 2>/dev/null
  rc=$?
  rm -f "$out"
  return $rc
}

rm -f "$MARKER"
toolchain_ok && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "divert4j: installing the C toolchain for libdivert4j.so: ${PACKAGES[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
  toolchain_ok && exit 0
fi
mkdir -p "$(dirname "$MARKER")" && : > "$MARKER"
