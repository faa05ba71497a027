#!/usr/bin/env bash
# Syntax-checks build.ps1 and installer/*.ps1 with the tree-sitter PowerShell grammar (no
# PowerShell runtime is available on Linux from the package registries). It catches unbalanced
# blocks, broken strings and malformed expressions; it cannot run the scripts.
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
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
facts="$WORK/facts.tsv"
PS_SYNTAX_MODULES="$WORK/node_modules" node "$WORK/ps-syntax.mjs" --facts \
  "$ROOT/build.ps1" "$ROOT"/installer/*.ps1 > "$facts" || { grep -v '^fact' "$facts"; exit 1; }
grep -v '^fact' "$facts"

# What a syntax check cannot see: where the installer puts the driver and which driver it
# picks. A 32-bit PowerShell writing to System32 lands in SysWOW64, and an x64 PowerShell
# emulated on ARM64 reports AMD64 in PROCESSOR_ARCHITECTURE/-W6432. No PowerShell runtime can
# be installed here to run the decision, so this asserts its shape on the syntax tree (facts
# printed by ps-syntax.mjs: comments and help text never count) plus the two expressions.
ps_fail() { echo "check-powershell: $*" >&2; exit 1; }
installer_facts() { awk -F'\t' -v kind="$1" '$2 == kind && $3 ~ /installer\// { print $3 "\t" $4 }' "$facts"; }
common="$ROOT/installer/common.ps1"

reads=$(installer_facts env-arch)
[ -z "$reads" ] || ps_fail "installer reads the process's architecture (use Get-Divert4jOsArchitecture):
$reads"
paths=$(installer_facts drivers-path | grep -v $'\t''\$Divert4jInstalledPath = "\$Divert4jSystemDir\\drivers\\' \
        | grep -v $'\t''\$Divert4jImagePath = ' || true)
[ -z "$paths" ] || ps_fail "a drivers path built outside \$Divert4jInstalledPath (which goes through \$Divert4jSystemDir):
$paths"
writes=$(installer_facts file-op | grep -v $'\t''[A-Za-z-]* -[a-z]* \$Divert4jInstalledPath$' || true)
[ -z "$writes" ] || ps_fail "an installer file operation not on \$Divert4jInstalledPath:
$writes"
installer_facts file-op | grep -q '^.*install\.ps1:[0-9]*'$'\t''Copy-Item -destination \$Divert4jInstalledPath$' \
  || ps_fail "install.ps1 must copy the driver to \$Divert4jInstalledPath"
grep -Eq "Is64BitOperatingSystem -and -not \[Environment\]::Is64BitProcess\) \{ 'Sysnative' \}" "$common" \
  || ps_fail "installer/common.ps1: a 32-bit PowerShell on 64-bit Windows must copy through Sysnative"
grep -q 'RuntimeInformation\]::OSArchitecture' "$common" \
  || ps_fail "installer/common.ps1: the driver must be chosen by RuntimeInformation.OSArchitecture"
echo "installer: driver copied and removed only at \$Divert4jInstalledPath (through Sysnative for 32-bit PowerShell), architecture only from RuntimeInformation.OSArchitecture"
