#include "programs.h"

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void put_insn(uint8_t *out, uint32_t i, test_t t, uint32_t success, uint32_t failure)
{
    uint8_t *r = out + 24 * i;
    put32(r, (t.field & 0x7FF) | (t.test & 0x1F) << 11 | success << 16);
    put32(r + 4, (failure & 0xFFFF) | (t.neg & 1) << 16);
    put32(r + 8, t.a0);
    put32(r + 12, t.a1);
    put32(r + 16, t.a2);
    put32(r + 20, t.a3);
}

uint32_t build_chain(uint8_t *out, int join_or, uint32_t n, const test_t *tests)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t next = i + 1 < n ? i + 1 : (join_or ? REJ : ACC);
        if (join_or) {
            put_insn(out, i, tests[i], ACC, next);
        } else {
            put_insn(out, i, tests[i], next, REJ);
        }
    }
    return n * 24;
}
