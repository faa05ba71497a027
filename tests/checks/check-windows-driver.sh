#!/usr/bin/env bash
# Compiles every Windows driver source and the portable core with mingw-w64 against its DDK
# headers plus driver/windows/checkbuild (-Wall -Wextra -Werror, no floating point, bounded stack
# frames), links a check-only kernel image and verifies it imports only from ntoskrnl.exe,
# hal.dll, ndis.sys and fwpkclnt.sys. The image is never shipped; it proves the glue compiles
# and links against the kernel API it claims to use. Prints the image path on success.
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CC=${MINGW_CC:-x86_64-w64-mingw32-gcc}
CLANG=${CLANG:-clang}
DLLTOOL=${MINGW_DLLTOOL:-x86_64-w64-mingw32-dlltool}
OBJDUMP=${MINGW_OBJDUMP:-x86_64-w64-mingw32-objdump}
DDK=${MINGW_DDK:-/usr/share/mingw-w64/include/ddk}
OUT="$ROOT/driver/build-windows-check"
ALLOWED_IMPORTS="ntoskrnl.exe hal.dll ndis.sys fwpkclnt.sys"

fail() { echo "check-windows-driver: $*" >&2; exit 1; }

command -v "$CC" >/dev/null || fail "$CC not found (install mingw-w64)"
[ -d "$DDK" ] || fail "mingw DDK headers not found at $DDK"

rm -rf "$OUT"
mkdir -p "$OUT/obj" "$OUT/lib"

CFLAGS=(-std=c11 -Wall -Wextra -Werror -O2
        -DDIVERT4J_CHECK_BUILD -D_AMD64_ -DNTDDI_VERSION=0x0A000008 -D_WIN32_WINNT=0x0A00
        -ffreestanding -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables
        -mgeneral-regs-only            # kernel code must not touch FP/SIMD state
        -Wframe-larger-than=1024       # kernel stacks are small: no big locals
        -isystem "$DDK"
        -I"$ROOT/driver/include" -I"$ROOT/driver" -I"$ROOT/driver/windows")

shopt -s nullglob
SOURCES=("$ROOT"/driver/windows/*.c "$ROOT"/driver/windows/checkbuild/*.c "$ROOT"/driver/core/*.c)
[ ${#SOURCES[@]} -gt 0 ] || fail "no sources"

objs=()
for src in "${SOURCES[@]}"; do
  rel=${src#"$ROOT"/}
  obj="$OUT/obj/$(echo "$rel" | tr '/' '_' | sed 's/\.c$/.o/')"
  "$CC" "${CFLAGS[@]}" -c "$src" -o "$obj" || fail "compile failed: $rel"
  objs+=("$obj")
done
echo "compiled ${#objs[@]} sources with -Wall -Wextra -Werror"

# The WDK builds with MSVC /W4 /WX, whose C4701/C4703 ("potentially uninitialized local")
# do not correlate branch conditions. gcc's -Wmaybe-uninitialized (on in -Wall at -O2) proves
# such paths infeasible and stays silent, so the glue is also compiled by clang, whose
# -Wconditional-uninitialized is path-insensitive like MSVC for scalars, and clang's AST is
# checked for the struct form of the same pattern (tests/checks/lint-uninit-aggregates.py).
command -v "$CLANG" >/dev/null || fail "$CLANG not found"
CLANG_FLAGS=(--target=x86_64-w64-windows-gnu -fsyntax-only
             -Wconditional-uninitialized -Wsometimes-uninitialized -Wuninitialized
             "${CFLAGS[@]}")
mkdir -p "$OUT/ast"
asts=()
for src in "$ROOT"/driver/windows/*.c "$ROOT"/driver/windows/checkbuild/*.c; do
  rel=${src#"$ROOT"/}
  # Every function of the glue is named Divert*, but for DriverEntry.
  for decls in Divert DriverEntry; do
    ast="$OUT/ast/$(echo "$rel" | tr '/' '_' | sed 's/\.c$//').$decls.json"
    "$CLANG" "${CLANG_FLAGS[@]}" -Xclang -ast-dump=json -Xclang -ast-dump-filter="$decls" \
      "$src" > "$ast" || fail "clang (uninitialised-use warnings) failed: $rel"
    asts+=("$ast")
  done
done
python3 "$ROOT/tests/checks/lint-uninit-aggregates.py" "${asts[@]}" \
  || fail "a local may be used uninitialised as MSVC /W4 sees it (C4701)"

for def in "$ROOT"/driver/windows/checkbuild/*.def; do
  name=$(basename "$def" .def)
  "$DLLTOOL" --input-def "$def" --output-lib "$OUT/lib/libd4j_$name.a" || fail "dlltool failed: $def"
done

IMAGE="$OUT/divert4j-check.sys"
"$CC" -nostdlib -shared -Wl,--subsystem,native -Wl,--entry,DriverEntry \
      -Wl,--dynamicbase -Wl,--nxcompat -Wl,--no-insert-timestamp \
      -o "$IMAGE" "${objs[@]}" \
      -L"$OUT/lib" -ld4j_fwpkclnt -ld4j_ndis -ld4j_ntoskrnl -lntoskrnl -lhal -lgcc \
  || fail "link failed"

imports=$("$OBJDUMP" -p "$IMAGE" | awk '/DLL Name:/ {print tolower($3)}' | sort -u)
[ -n "$imports" ] || fail "image has no imports"
for dll in $imports; do
  case " $ALLOWED_IMPORTS " in
    *" $dll "*) ;;
    *) fail "image imports from $dll (allowed: $ALLOWED_IMPORTS)";;
  esac
done
for needed in ntoskrnl.exe fwpkclnt.sys ndis.sys; do
  echo "$imports" | grep -qx "$needed" || fail "image does not import from $needed"
done
subsystem=$("$OBJDUMP" -p "$IMAGE" | awk '/^Subsystem/ {print $2}')
[ "$subsystem" = "00000001" ] || fail "image subsystem is $subsystem, expected 1 (native)"

echo "imports: $(echo $imports)"
echo "check image: $IMAGE"
