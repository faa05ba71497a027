/*
 * Force-included (-include) before every translation unit that sees the kernel headers in the
 * simulation build: the predefined macros of the x86_64-w64-mingw32 compiler, so mingw-w64's
 * DDK headers and driver/windows/checkbuild/divert4j_shim.h parse unchanged under the native Linux compiler.
 *
 * Calling conventions collapse to the native one: the driver and the simulation are compiled
 * with the same definitions, so every call through an NTAPI pointer agrees with its target.
 * __declspec keeps the meaning each use has for a user-mode image: dllimport is an ordinary
 * external reference (the simulation defines the symbol), selectany is a weak definition.
 */
#ifndef WINSIM_PRELUDE_H
#define WINSIM_PRELUDE_H

#define _WIN32 1
#define _WIN64 1
#define WIN32 1
#define WIN64 1
#define __WIN32__ 1
#define __WIN64__ 1
#define __MINGW32__ 1
#define __MINGW64__ 1
#define __MSVCRT__ 1

#define __cdecl
#define _cdecl
#define __stdcall
#define _stdcall
#define __fastcall
#define _fastcall
#define __thiscall
#define _thiscall

#define __declspec(x) WINSIM_DECLSPEC_##x
#define WINSIM_DECLSPEC_dllimport
#define WINSIM_DECLSPEC_dllexport __attribute__((visibility("default")))
#define WINSIM_DECLSPEC_selectany __attribute__((weak))
#define WINSIM_DECLSPEC_noreturn __attribute__((noreturn))
#define WINSIM_DECLSPEC_nothrow __attribute__((nothrow))
#define WINSIM_DECLSPEC_novtable
#define WINSIM_DECLSPEC_noinline __attribute__((noinline))
#define WINSIM_DECLSPEC_align(n) __attribute__((aligned(n)))
#define WINSIM_DECLSPEC_deprecated __attribute__((deprecated))
#define WINSIM_DECLSPEC_restrict
#define WINSIM_DECLSPEC_allocator

/* mingw's stdlib.h spells some prototypes with "long" (64-bit here, 32-bit on Windows), which
 * then clash with intrin.h. It is reached only through the compilers' mm_malloc.h (gcc's and
 * clang's guards below); kernel code never uses the C library, so neither is needed. */
#define _MM_MALLOC_H_INCLUDED 1
#define __MM_MALLOC_H 1

/* mingw's intrin-impl.h and ddk/wdm.h both define these two; gcc keeps wdm.h's static copy
 * per unit, clang emits an external one per unit (duplicate symbols at link). Only wdm.h's. */
#define __INTRINSIC_DEFINED_InterlockedBitTestAndSet 1
#define __INTRINSIC_DEFINED_InterlockedBitTestAndReset 1

#endif /* WINSIM_PRELUDE_H */
