#!/usr/bin/env bash
# Issue 14's one line for the winsim end-to-end suite: the C scenarios (driver/winsim/tests,
# ASan build, their checks) plus the Java API scenarios (java/winsim's Surefire report), summed.
# Fails when anything failed, nothing ran, or fewer Java scenarios ran than the suite has.
set -euo pipefail
cd "$(dirname "$0")/../.."
MIN_JAVA=${WINSIM_MIN_JAVA:-24}
c_line=$(driver/build-asan/winsim/test_winsim 2>/dev/null | grep -E '^winsim: [0-9]+ passed, [0-9]+ failed$' | tail -1)
[ -n "$c_line" ] || { echo "winsim e2e: the C suite printed no summary" >&2; exit 1; }
c_passed=$(sed -E 's/^winsim: ([0-9]+) passed.*/\1/' <<<"$c_line")
c_failed=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$c_line")
report=java/winsim/target/surefire-reports/TEST-org.divert4j.winsim.WinsimTransportTest.xml
[ -f "$report" ] || { echo "winsim e2e: no Java report ($report): run the Java step first" >&2; exit 1; }
read -r j_tests j_failed j_skipped < <(python3 - "$report" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
print(int(r.get('tests')), int(r.get('failures')) + int(r.get('errors')), int(r.get('skipped')))
PY
)
j_passed=$((j_tests - j_failed - j_skipped))
echo "winsim e2e: $((c_passed + j_passed)) passed, $((c_failed + j_failed)) failed"
if [ "$c_failed" -ne 0 ] || [ "$j_failed" -ne 0 ] || [ "$j_skipped" -ne 0 ] || [ "$j_passed" -lt "$MIN_JAVA" ]; then
  echo "winsim e2e: C $c_passed/$c_failed, Java $j_passed passed of $j_tests (at least $MIN_JAVA expected)" >&2
  exit 1
fi
