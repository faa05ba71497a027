#!/usr/bin/env bash
# Syntax-checks build.ps1 and installer/*.ps1 with the tree-sitter PowerShell grammar (no
# PowerShell runtime is available on Linux from the package registries). It catches unbalanced
# blocks, broken strings and malformed expressions; it cannot run the scripts.
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WORK="$ROOT/tests/target/ps-syntax"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  else
    echo "check-powershell: node/npm missing and not root" >&2; exit 1
  fi
fi

mkdir -p "$WORK"
if [ ! -f "$WORK/node_modules/tree-sitter-powershell/tree-sitter-powershell.wasm" ]; then
  (cd "$WORK" && npm install --silent --no-audit --no-fund --ignore-scripts \
      tree-sitter-powershell@0.26.4 web-tree-sitter@0.27.2 >/dev/null)
fi
cp "$ROOT/tests/checks/ps-syntax.mjs" "$WORK/ps-syntax.mjs"
PS_SYNTAX_MODULES="$WORK/node_modules" node "$WORK/ps-syntax.mjs" \
  "$ROOT/build.ps1" "$ROOT"/installer/*.ps1

# What a syntax check cannot see: where the installer puts the driver and which driver it
# picks. A 32-bit PowerShell writing to System32 lands in SysWOW64, and an x64 PowerShell
# emulated on ARM64 reports AMD64 in PROCESSOR_ARCHITECTURE/-W6432.
ps_fail() { echo "check-powershell: $*" >&2; exit 1; }
common="$ROOT/installer/common.ps1"
grep -Eq '^\$Divert4jInstalledPath = .*\$Divert4jSystemDir\\drivers' "$common" \
  || ps_fail "installer/common.ps1: the installed driver path must go through \$Divert4jSystemDir"
grep -Eq "Is64BitOperatingSystem -and -not \[Environment\]::Is64BitProcess\) \{ 'Sysnative' \}" "$common" \
  || ps_fail "installer/common.ps1: a 32-bit PowerShell on 64-bit Windows must copy through Sysnative"
grep -q 'RuntimeInformation\]::OSArchitecture' "$common" \
  || ps_fail "installer/common.ps1: the driver must be chosen by RuntimeInformation.OSArchitecture"
echo "installer: driver path through Sysnative for 32-bit PowerShell, architecture from RuntimeInformation.OSArchitecture"
