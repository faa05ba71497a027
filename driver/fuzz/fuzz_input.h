/* A cursor over the fuzzer's input: takes bytes from the front, zeros once it runs out. */
#ifndef DIVERT_FUZZ_INPUT_H
#define DIVERT_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct { const uint8_t *p; size_t n; } fuzz_input;

static inline uint8_t fuzz_u8(fuzz_input *in)
{
    if (in->n == 0) return 0;
    in->n--;
    return *in->p++;
}

static inline uint32_t fuzz_u32(fuzz_input *in)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)fuzz_u8(in) << (8 * i);
    return v;
}

/* Copies up to want bytes into out (zero-filling the rest); returns how many were real. */
static inline size_t fuzz_bytes(fuzz_input *in, uint8_t *out, size_t want)
{
    size_t k = want < in->n ? want : in->n;
    memcpy(out, in->p, k);
    memset(out + k, 0, want - k);
    in->p += k;
    in->n -= k;
    return k;
}

/* Fails loudly: libFuzzer reports the crash and saves the input. */
#define FUZZ_ASSERT(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#endif
