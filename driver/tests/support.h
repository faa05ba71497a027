/* Shared helpers of the C unit tests: checks, hex, object strings, sample packets, vectors. */
#ifndef DIVERT_TEST_SUPPORT_H
#define DIVERT_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "divert_abi.h"

extern int test_checks;
extern int test_failures;

/* Atomic: the winsim thread tests check from several threads at once. */
#define TEST_COUNT_(counter) __atomic_add_fetch(&(counter), 1, __ATOMIC_RELAXED)

#define CHECK(cond)                                                                   \
    do {                                                                              \
        TEST_COUNT_(test_checks);                                                     \
        if (!(cond)) {                                                                \
            TEST_COUNT_(test_failures);                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

#define CHECK_EQ(actual, expected)                                                    \
    do {                                                                              \
        long long a_ = (long long)(actual), e_ = (long long)(expected);               \
        TEST_COUNT_(test_checks);                                                     \
        if (a_ != e_) {                                                               \
            TEST_COUNT_(test_failures);                                               \
            fprintf(stderr, "%s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__,  \
                    #actual, a_, e_);                                                 \
        }                                                                             \
    } while (0)

/* Prints the summary line ("<name>: N passed, M failed") and returns the exit status. */
int test_finish(const char *name);

/* Decodes hex into out (capacity cap); returns the byte count, or -1 on bad input. */
int hex_decode(const char *hex, uint8_t *out, size_t cap);

/*
 * Decodes an object string (docs/spec/filter-object.md b) into n x 24-byte records in out (capacity
 * cap bytes); returns the byte length, or -1 when the object is invalid.
 */
int object_decode(const char *object, uint8_t *out, size_t cap);

/* The sample packets P1..P11 of docs/spec/filter-language.md 11.1 (index 1..11), hex. */
extern const char *const SAMPLE_PACKETS[12];

/* A zeroed address with the given layer and outbound flag. */
DIVERT_ADDRESS test_address(uint32_t layer, bool outbound);

/* The repository root's tests/vectors directory (from DIVERT4J_VECTORS or the build). */
const char *vectors_dir(void);

/*
 * Copies the JSON string value of "key" in line into out (cap bytes, NUL-terminated, no
 * escapes other than \" and \\ expected); false if absent.
 */
bool json_string(const char *line, const char *key, char *out, size_t cap);

#endif
