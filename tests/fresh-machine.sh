#!/usr/bin/env bash
# The README's "Two commands" on a brand-new Debian 12, as a newcomer runs them: a debootstrap
# root with only what the README says a user starts with (JDK 17, Maven, git, sudo), a clone of
# the committed HEAD with ../shared beside it when present, and the two commands read from
# README.md (so they cannot drift) run inside it exactly as written. A package that only the
# developer's own machine has shows up here as a failure.
#
#   sudo tests/fresh-machine.sh [REPO]        (REPO defaults to this script's repository)
#
# Prints a PASS/FAIL line per command and the wall time; exits non-zero when anything fails.
# WORK (default: a new /tmp/divert4j-fresh.XXXXXX) keeps the logs; the root is deleted unless
# KEEP=1. Downloaded .deb files are cached in FRESH_DEB_CACHE (empty: no cache) so repeated runs
# do not fetch them again; what gets installed is decided afresh every time.
set -uo pipefail

REPO=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)
KEEP=${KEEP:-0}
FRESH_DEB_CACHE=${FRESH_DEB_CACHE-/var/cache/divert4j-fresh-debs}
say() { echo "fresh-machine: $*"; }

[ "$(id -u)" -eq 0 ] || { say "run as root (debootstrap, chroot and mounts need it)" >&2; exit 2; }
if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; } ||
    { say "cannot install debootstrap" >&2; exit 2; }
fi

WORK=${WORK:-$(mktemp -d /tmp/divert4j-fresh.XXXXXX)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
R=$WORK/root
[ -e "$R" ] && { say "$R already exists: give a new WORK" >&2; exit 2; }
START=$(date +%s)

mounted_under_root() { grep -q " $R[/ ]" /proc/mounts; }
# Processes still running inside the root (a daemon a test left) keep its mounts busy.
stop_root_processes() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  sleep 1
}
unmount_root() {
  mounted_under_root || return 0
  stop_root_processes
  local m
  for m in run dev sys proc var/cache/apt/archives; do
    mountpoint -q "$R/$m" && umount -R "$R/$m"
  done
  mountpoint -q "$R" && umount -R "$R"
}
# Long steps run in the background and are waited for: bash runs a signal's trap only once the
# foreground command has ended, so an interrupt would otherwise wait for the whole test run.
BG=
bg_wait() { "$@" & BG=$!; wait "$BG"; local r=$?; BG=; return $r; }
# Never delete the root while anything is mounted inside it: /dev and /sys are the host's.
cleanup() {
  [ -n "$BG" ] && kill "$BG" 2>/dev/null
  unmount_root
  if mounted_under_root; then
    say "mounts left under $R: not deleting it" >&2
  elif [ "$KEEP" != 1 ]; then
    rm -rf --one-file-system "$R"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The commands exactly as written: the code block of the README's "Two commands" section.
commands=()
while IFS= read -r line; do commands+=("$line"); done < <(
  git -C "$REPO" show HEAD:README.md | awk '
    /^## /      { section = ($0 == "## Two commands") }
    section && /^```/ { block = !block; next }
    section && block && $0 !~ /^[[:space:]]*(#|$)/ { sub(/^[[:space:]]+/, ""); print }')
[ ${#commands[@]} -eq 2 ] || { say "README's Two commands block has ${#commands[@]} commands, not 2" >&2; exit 2; }

# The Debian mirror this machine uses (a URIs: or deb line, never a comment).
MIRROR=$( (grep -hE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
           grep -hE '^\s*deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}') | grep -E '/debian/?$' | head -1)
cache_opt=()
if [ -n "$FRESH_DEB_CACHE" ]; then mkdir -p "$FRESH_DEB_CACHE"; cache_opt=(--cache-dir="$FRESH_DEB_CACHE"); fi
say "debootstrap bookworm (minbase + openjdk-17-jdk-headless, maven, git, sudo) into $R"
bg_wait debootstrap --variant=minbase --include=ca-certificates,git,maven,openjdk-17-jdk-headless,sudo \
  "${cache_opt[@]}" bookworm "$R" "${MIRROR:-http://deb.debian.org/debian}" > "$WORK/debootstrap.log" 2>&1 ||
  { say "debootstrap failed, see $WORK/debootstrap.log"; tail -5 "$WORK/debootstrap.log"; exit 2; }

# The machine's network setup (trust store of its egress proxy, resolver, mirror), not the project's.
cp -a /usr/local/share/ca-certificates/. "$R/usr/local/share/ca-certificates/" 2>/dev/null
chroot "$R" update-ca-certificates >/dev/null 2>&1
[ -f /etc/ssl/certs/java/cacerts ] && cp /etc/ssl/certs/java/cacerts "$R/etc/ssl/certs/java/cacerts"
cp /etc/resolv.conf "$R/etc/resolv.conf"
if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
  cp /etc/apt/sources.list.d/*.sources "$R/etc/apt/sources.list.d/" && rm -f "$R/etc/apt/sources.list"
fi
echo "127.0.0.1 localhost $(hostname)" > "$R/etc/hosts"
# sudo drops the environment; CI=true must reach tests/run.sh so that nothing is skipped.
echo 'Defaults env_keep += "CI"' > "$R/etc/sudoers.d/keep-ci"; chmod 440 "$R/etc/sudoers.d/keep-ci"

# The root must be a mount point of its own: `ip netns exec` remounts / inside it.
mount --bind "$R" "$R" && mount --make-private "$R" &&
  mount -t proc proc "$R/proc" &&
  mount --rbind /sys "$R/sys" && mount --make-rslave "$R/sys" &&
  mount --rbind /dev "$R/dev" && mount --make-rslave "$R/dev" &&
  mount -t tmpfs tmpfs "$R/run" || { say "mounting into $R failed"; exit 2; }
if [ -n "$FRESH_DEB_CACHE" ]; then mount --bind "$FRESH_DEB_CACHE" "$R/var/cache/apt/archives"; fi

# The committed HEAD (not the working tree), with the shared contract beside it as in a worktree.
HEAD=$(git -C "$REPO" rev-parse HEAD)
mkdir -p "$R/work"
git clone -q --no-checkout "$REPO" "$R/work/project" && git -C "$R/work/project" checkout -q --detach "$HEAD" ||
  { say "cannot clone $REPO"; exit 2; }
if [ -d "$REPO/../shared" ]; then cp -r "$REPO/../shared" "$R/work/shared"; fi
say "clone of $HEAD$([ -d "$R/work/shared" ] && echo ", ../shared beside it")"

in_root() { bg_wait timeout --kill-after=30 3600 chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb "$@"; }

# Before anything installs a compiler: a user without one is told in one sentence what to install.
rc=0
t0=$(date +%s)
chroot "$R" useradd -m newcomer
git clone -q "$R/work/project" "$R/home/newcomer/project" && chroot "$R" chown -R newcomer: /home/newcomer/project &&
  in_root su newcomer -c "cd ~/project && ${commands[0]}" > "$WORK/cmd1-no-toolchain.log" 2>&1
r=$?
sentence=$(grep -m1 'divert4j: building libdivert4j.so needs' "$WORK/cmd1-no-toolchain.log")
if [ $r -ne 0 ] && [ -n "$sentence" ] && ! grep -qE '^\s+at [a-zA-Z]' "$WORK/cmd1-no-toolchain.log"; then
  say "command 1 as a user without a C toolchain PASS (fails with: $sentence) ($(( $(date +%s) - t0 )) s)"
else
  say "command 1 as a user without a C toolchain FAIL (exit $r, no one-sentence remedy or a stack trace)"
  tail -20 "$WORK/cmd1-no-toolchain.log" | sed 's/^/    /'; rc=1
fi

for i in 1 2; do
  cmd=${commands[$((i - 1))]}
  t0=$(date +%s)
  in_root HOME=/root CI=true bash -lc "cd /work/project && $cmd" > "$WORK/cmd$i.log" 2>&1
  r=$?
  [ $r -eq 0 ] && verdict=PASS || { verdict=FAIL; rc=1; }
  say "command $i $verdict (exit $r, $(( $(date +%s) - t0 )) s): $cmd"
  [ $r -eq 0 ] || tail -20 "$WORK/cmd$i.log" | sed 's/^/    /'
done
say "$([ $rc -eq 0 ] && echo PASS || echo FAIL): wall time $(( $(date +%s) - START )) s; logs in $WORK$([ "$KEEP" = 1 ] && echo ", root kept at $R")"
exit $rc
