#include "support.h"

#include <stdlib.h>
#include <string.h>

int test_checks;
int test_failures;

int test_finish(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, test_checks - test_failures, test_failures);
    return test_failures == 0 ? 0 : 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int hex_decode(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex);
    if (n % 2 != 0 || n / 2 > cap) {
        return -1;
    }
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(n / 2);
}

static const char DIGITS[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+=";

/* b.2 number decoding with maximum length m. */
static bool number(const char **s, int m, uint32_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < m; i++) {
        if (v >= (UINT64_C(1) << 27) || **s == '\0') {
            return false;
        }
        const char *d = strchr(DIGITS, **s);
        if (d == NULL) {
            return false;
        }
        (*s)++;
        int idx = (int)(d - DIGITS);
        v = v * 32 + (uint64_t)(idx & 31);
        if (idx >= 32) {
            *out = (uint32_t)v;
            return true;
        }
    }
    return false;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static bool label(const char **s, uint32_t i, uint32_t n, uint32_t *out)
{
    char c = *(*s)++;
    if (c == 'A') { *out = 0x7FFE; return true; }
    if (c == 'X') { *out = 0x7FFF; return true; }
    if (c != 'L' || !number(s, 2, out)) return false;
    return *out <= 256 && *out > i && *out < n;
}

int object_decode(const char *s, uint8_t *out, size_t cap)
{
    uint32_t version, count;
    if (strncmp(s, "@WinDiv_", 8) != 0) return -1;
    s += 8;
    if (!number(&s, 4, &version) || version != 0 || !number(&s, 2, &count)) return -1;
    if (count < 1 || count > 256 || count * 24u > cap) return -1;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t field, test, neg, arg[4] = {0, 0, 0, 0}, ok, fail;
        if (*s++ != '_') return -1;
        if (!number(&s, 2, &field) || field > 85 || !number(&s, 2, &test) || test > 5
            || !number(&s, 1, &neg) || neg > 1 || !number(&s, 7, &arg[0])) return -1;
        if (field == 28 || field == 29 || field == 61 || field == 62) {
            if (!number(&s, 7, &arg[1]) || !number(&s, 7, &arg[2]) || !number(&s, 7, &arg[3])) return -1;
        } else if (field == 66 || field == 67 || field == 81) {
            if (!number(&s, 7, &arg[1])) return -1;
        } else if (field == 21 || field == 22) {
            arg[1] = 0xFFFF;
        } else if (field >= 71 && field <= 79) {
            if (!number(&s, 7, &arg[1])) return -1;
            arg[1] -= 65535;
        }
        if (!label(&s, i, count, &ok) || !label(&s, i, count, &fail)) return -1;
        uint8_t *r = out + 24 * i;
        put32(r, field | test << 11 | ok << 16);
        put32(r + 4, fail | neg << 16);
        for (int k = 0; k < 4; k++) put32(r + 8 + 4 * k, arg[k]);
    }
    return *s == '\0' ? (int)(count * 24) : -1;
}

const char *const SAMPLE_PACKETS[12] = {
    NULL,
    "4500003c1234400040010e7d0a00000108080808080000000d560001202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
    "45000046482d40004006a8410a0a0a0a5db8d877a31a00505338ccc25637b35580180073000000000101080a002c851b1b7f3a71474554202f20485454502f312e310d0a0d0a",
    "450000392090000049113b180a00000108080404e045003500250000170801000001000000000000076578616d706c6503636f6d0000010001",
    "600123450028064020010db80000000000000000aabbccdd00000000000000000000000000000001c37e0017e1d7c8aa00000000a002aaaa000000000204ffc40402080affff91860000000001030307",
    "6000000000183a1f00000000000000000000000000000001000000000000000000000000000000018100000010720003000102030405060708090a0b0c0d0e0f",
    "600000000025004000000000000000000000000000000001fe8000000000000000000000000000023c0000000000000011000000000000001234aaaa0015000048656c6c6f20576f726c642101",
    "4500001c1234200040012e9d0a00000108080808080000000d560001",
    "450000341234000140014e840a00000108080808404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f",
    "6000000000182c4000000000000000000000000000000001000000000000000000000000000000013a000001c7f6ce5381000000107200030000000000000000",
    "6000000000202c4000000000000000000000000000000001000000000000000000000000000000013a000018c7f6ce53000102030405060708090a0b0c0d0e0f1011121314151617",
    "60000005000006400000000000000000000000000000000000000000000000000000000000000000",
};

DIVERT_ADDRESS test_address(uint32_t layer, bool outbound)
{
    DIVERT_ADDRESS a;
    memset(&a, 0, sizeof a);
    a.Layer = layer & 0xFF;
    a.Outbound = outbound;
    return a;
}

const char *vectors_dir(void)
{
    const char *env = getenv("DIVERT4J_VECTORS");
    return env != NULL ? env : DIVERT4J_VECTORS_DIR;
}

bool json_string(const char *line, const char *key, char *out, size_t cap)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = strstr(line, pattern);
    if (p == NULL) {
        return false;
    }
    p += strlen(pattern);
    size_t n = 0;
    while (*p != '\0' && *p != '"') {
        if (*p == '\\' && p[1] != '\0') {
            p++;
        }
        if (n + 1 >= cap) {
            return false;
        }
        out[n++] = *p++;
    }
    out[n] = '\0';
    return *p == '"';
}
