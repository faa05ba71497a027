/* Builds small test programs record by record (docs/spec/filter-object.md a.1 encoding). */
#ifndef DIVERT_TEST_PROGRAMS_H
#define DIVERT_TEST_PROGRAMS_H

#include <stdint.h>

#include "divert_abi.h"

/* One test: field, test, neg, arg0..arg3. */
typedef struct { uint32_t field, test, neg, a0, a1, a2, a3; } test_t;

enum { EQ = DIVERT_FILTER_TEST_EQ, NEQ, LT, LEQ, GT, GEQ };
#define ACC DIVERT_FILTER_RESULT_ACCEPT
#define REJ DIVERT_FILTER_RESULT_REJECT

/* Writes record i (24 bytes at out + 24 i). */
void put_insn(uint8_t *out, uint32_t i, test_t t, uint32_t success, uint32_t failure);

/* n tests joined by `and` (join_or = 0) or `or` (1); returns the byte length. */
uint32_t build_chain(uint8_t *out, int join_or, uint32_t n, const test_t *tests);

#endif
