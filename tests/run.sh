#!/usr/bin/env bash
# The one test entry point: installs what is missing (Debian, as root), builds everything and
# runs every test. With CI=true nothing may be skipped: a missing capability is a failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export ROOT

ci() { [ "${CI:-}" = "true" ]; }
say() { printf '\n=== %s\n' "$*"; }
loud() { printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! %s\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' "$*" >&2; }

# Packages the tests need; installed only when missing.
PACKAGES=(gcc clang llvm cmake make maven openjdk-17-jdk-headless mingw-w64 libnetfilter-queue-dev
          libpcap-dev iptables nftables iproute2 tcpdump procps ethtool)
# ping for the Linux end-to-end tests (tests/e2e/linux-e2e.sh)
PACKAGES+=(iputils-ping)
# clang's ASan/UBSan/libFuzzer runtimes: a recommends of clang, which --no-install-recommends skips
PACKAGES+=(libclang-rt-14-dev)
# python3 reads clang's AST in tests/checks/check-windows-driver.sh (tests/checks/lint-uninit-aggregates.py)
PACKAGES+=(python3)
PACKAGES+=(tshark)  # reads sniff --pcapng output in tests/e2e/linux-e2e.sh

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    loud "missing packages (${missing[*]}) and not root: run 'sudo tests/run.sh'"
    ci && exit 1
    return 0
  fi
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# LOCAL (tests/vectors, docs/spec) must be a byte-identical copy of ../shared/NAME when that is
# present beside the repo: the vectors the tests read, the spec the comments cite.
same_as_shared() {  # NAME LOCAL GLOB
  local shared="$ROOT/../shared/$1" f
  [ -d "$shared" ] || return 0
  for f in "$shared"/$3; do
    cmp -s "$f" "$2/$(basename "$f")" || {
      echo "$2/$(basename "$f") differs from ../shared/$1: re-copy it" >&2; exit 1; }
  done
  echo "$2: identical to ../shared/$1"
}
check_vectors() {
  same_as_shared vectors tests/vectors '*.jsonl'
  same_as_shared spec docs/spec '*.md'
}

# Root and network namespaces, needed by the end-to-end tests.
check_capabilities() {
  CAN_NETNS=0
  if [ "$(id -u)" -eq 0 ] && ip netns add d4j-probe-$$ 2>/dev/null; then
    ip netns del d4j-probe-$$
    CAN_NETNS=1
  fi
  if [ "$CAN_NETNS" -ne 1 ]; then
    loud "not root or no network namespaces: end-to-end tests cannot run"
    ci && exit 1
  fi
  export CAN_NETNS
}

install_missing
check_vectors
check_capabilities

say "Spec references: every docs/spec citation in a comment names a file and section that exist"
python3 tests/checks/check-spec-refs.py

say "C core: unit tests with AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S driver -B driver/build-asan -DDIVERT4J_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_COMPILER=clang --log-level=WARNING
cmake --build driver/build-asan --parallel 2
(cd driver/build-asan && ctest --output-on-failure -E abi_layout)

say "Windows driver on the simulated kernel under ThreadSanitizer (a data race fails)"
bash tests/e2e/winsim-tsan.sh

say "Device ABI layout: divert_abi.h compiled by mingw-w64 (-mms-bitfields) and natively vs the spec"
(cd driver/build-asan && ctest --output-on-failure -R abi_layout)

say "Windows driver: mingw-w64 check build (every source -Werror, link, imports); PowerShell syntax"
bash tests/checks/check-windows-driver.sh
bash tests/checks/check-powershell.sh

say "Driver files: includes and uses go downwards only (no circle, no upward include or use)"
python3 tests/checks/check-imports.py

say "Java modules: imports follow the pom order (no cycle, no upward import)"
python3 tests/checks/check-java-imports.py

say "C core: libFuzzer smoke run (20 s per target, seeded from the vectors)"
driver/fuzz/run.sh 20

say "Packet library: capture the kernel's own checksummed packets (netns + veth) for the Java checksum test"
rm -f target/packet-capture/kernel.pcap
if [ "$CAN_NETNS" -eq 1 ]; then
  bash tests/e2e/packet-capture.sh target/packet-capture/kernel.pcap
fi

say "Java: build and unit tests (Maven Surefire)"
mvn -B -ntp package

say "Windows driver end to end on winsim: the Java scenarios again, on the ASan/UBSan build of the simulated driver; C and Java summed (driver/winsim/README.md)"
# The sanitizer runtime must be in the process before the JVM loads the instrumented library;
# the JVM handles its own SIGSEGVs and its allocations are not ours to leak-check.
LD_PRELOAD=$(clang -print-file-name=libclang_rt.asan-x86_64.so) \
ASAN_OPTIONS=detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:use_sigaltstack=0:halt_on_error=1 \
  mvn -B -ntp -q -pl java/winsim -am test -Dtest=WinsimTransportTest -Dsurefire.failIfNoSpecifiedTests=false \
      -Dwinsim.library="$ROOT/driver/build-asan/winsim/libwinsim_jna.so" > /tmp/divert4j-winsim-asan.log 2>&1 ||
  { tail -60 /tmp/divert4j-winsim-asan.log; exit 1; }
grep -E '^winsim java e2e:' /tmp/divert4j-winsim-asan.log
bash tests/e2e/winsim-summary.sh

say "Linux host end-to-end: the CLI in private network namespaces (root)"
bash tests/e2e/linux-e2e.sh

say "Soak and faults, 2 minutes: passthru of mixed traffic at full rate (RSS/fd series), kill -9, SIGTERM, iptables flushed, 64 handles, 8 threads"
bash tests/e2e/soak.sh --minutes 2

say "Library consumer: mvn install, then tests/e2e/consumer (BOM + divert4j-api only) rewrites UDP in namespaces"
bash tests/e2e/consumer/run.sh

say "Java API: Javadoc without warnings"
mvn -B -ntp -pl java/api -am compile javadoc:javadoc > /tmp/divert4j-javadoc.log 2>&1 || { tail -40 /tmp/divert4j-javadoc.log; exit 1; }
echo "java/api javadoc: no warnings"

say "Filter evaluation vectors through the CLI (divert4j filter eval --batch)"
tests/vectors/eval-vectors.sh java

say "Filter evaluation vectors through the CLI with the C core (--engine native)"
tests/vectors/eval-vectors.sh native

say "Packet CLI from the jar: parse, checksum, hash"
bash tests/e2e/packet-cli.sh

say "Filter syntax vectors through the CLI (divert4j filter compile --batch)"
tests/vectors/compile-vectors.sh

say "all test steps passed"
