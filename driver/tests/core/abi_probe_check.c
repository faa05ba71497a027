/*
 * Compares the sections extracted from abi_probe.c's object with the byte layout the specs
 * give (docs/spec/device-abi.md 2, 3, 5, 7; docs/spec/filter-object.md a.1). Usage:
 *   abi_probe_check DIR   (DIR holds dnums.bin daddr.bin dfilt.bin dioctl.bin dver.bin)
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

static uint8_t buf[4096];

static size_t load(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.bin", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        test_failures++;
        return 0;
    }
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return n;
}

/* objcopy pads a section to its alignment: allow a few trailing bytes */
static bool size_ok(size_t n, size_t expected)
{
    return n >= expected && n - expected < 64;
}

static uint64_t le(const uint8_t *p, size_t size)
{
    uint64_t v = 0;
    for (size_t i = size; i-- > 0;) v = v << 8 | p[i];
    return v;
}

/* Expected record: (offset, size, value) triples; every other byte must be zero. */
typedef struct { size_t off, size; uint64_t value; } field;

static void expect_record(const uint8_t *rec, size_t len, const field *f, size_t n, const char *what)
{
    uint8_t want[128];
    memset(want, 0, sizeof want);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < f[i].size; k++) want[f[i].off + k] = (uint8_t)(f[i].value >> (8 * k));
    }
    for (size_t i = 0; i < len; i++) {
        if (rec[i] != want[i]) {
            fprintf(stderr, "%s: byte %zu is %02x, expected %02x\n", what, i, rec[i], want[i]);
        }
    }
    CHECK(memcmp(rec, want, len) == 0);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: abi_probe_check DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    static const uint32_t numbers[] = {
        80, 24, 16, 64, 8, 64, 32,
        0, 12, 16, 16, 24, 32, 36, 52, 68, 70, 72, 72, 16, 24, 28, 32, 40, 8,
        8, 12, 16, 20, 32, 8, 8, 4, 8, 8, 0, 0, 0,
        0x0012E486u, 0x0012E489u, 0x0012648Eu, 0x0012E491u, 0x0012E495u, 0x0012649Au, 0x0012E49Du,
    };
    size_t n = load(dir, "dnums");
    CHECK(size_ok(n, sizeof numbers));
    for (size_t i = 0; i < n / 4 && i < sizeof numbers / 4; i++) {
        if (le(buf + 4 * i, 4) != numbers[i]) fprintf(stderr, "number %zu differs\n", i);
        CHECK_EQ(le(buf + 4 * i, 4), numbers[i]);
    }

    n = load(dir, "daddr");
    CHECK(size_ok(n, 5 * 80));
    if (size_ok(n, 5 * 80)) {
        const field a0[] = {{0, 8, (uint64_t)-2}, {8, 1, 0xAB}, {9, 1, 0xCD}, {11, 1, 0xEF},
                            {12, 4, 0x01020304u}, {16, 4, 0x11223344u}, {20, 4, 0x55667788u}};
        /* bit 16 Sniffed, 18 Loopback, 20 IPv6, 22 TCPChecksum */
        const field a1[] = {{8, 4, 1u << 16 | 1u << 18 | 1u << 20 | 1u << 22}};
        /* bit 17 Outbound, 19 Impostor, 21 IPChecksum, 23 UDPChecksum */
        const field a2[] = {{8, 4, 1u << 17 | 1u << 19 | 1u << 21 | 1u << 23}};
        const field a3[] = {{16, 8, 0x0102030405060708ull}, {24, 8, 0x1112131415161718ull},
                            {32, 4, 0x21222324u}, {36, 4, 0x31}, {40, 4, 0x32}, {44, 4, 0x33},
                            {48, 4, 0x34}, {52, 4, 0x41}, {56, 4, 0x42}, {60, 4, 0x43}, {64, 4, 0x44},
                            {68, 2, 0x5152}, {70, 2, 0x6162}, {72, 1, 0x71}};
        const field a4[] = {{16, 8, (uint64_t)-3}, {24, 4, 0x81828384u}, {28, 4, 4},
                            {32, 8, 0x91929394ull}, {40, 2, (uint16_t)-30000}};
        expect_record(buf, 80, a0, sizeof a0 / sizeof a0[0], "address 0");
        expect_record(buf + 80, 80, a1, 1, "address 1");
        expect_record(buf + 160, 80, a2, 1, "address 2");
        expect_record(buf + 240, 80, a3, sizeof a3 / sizeof a3[0], "address 3 (flow)");
        expect_record(buf + 320, 80, a4, sizeof a4 / sizeof a4[0], "address 4 (reflect)");
    }

    n = load(dir, "dfilt");
    CHECK(size_ok(n, 3 * 24));
    if (size_ok(n, 3 * 24)) {
        const field f0[] = {{0, 4, 0x7FFE0027u}};
        const field f1[] = {{0, 4, 0xFFFFFFFFu}, {4, 4, 0xFFFFFFFFu}, {8, 4, 1}, {12, 4, 2},
                            {16, 4, 3}, {20, 4, 4}};
        const field f2[] = {{0, 4, 85u | 5u << 11 | 0x1234u << 16}, {4, 4, 0x7FFFu | 1u << 16},
                            {8, 4, 0xA0A1A2A3u}, {12, 4, 0xB0B1B2B3u}, {16, 4, 0xC0C1C2C3u},
                            {20, 4, 0xD0D1D2D3u}};
        expect_record(buf, 24, f0, 1, "filter 0");
        expect_record(buf + 24, 24, f1, sizeof f1 / sizeof f1[0], "filter 1");
        expect_record(buf + 48, 24, f2, sizeof f2 / sizeof f2[0], "filter 2");
    }

    n = load(dir, "dioctl");
    CHECK(size_ok(n, 4 * 16));
    if (size_ok(n, 4 * 16)) {
        const field i0[] = {{0, 8, 0x0102030405060708ull}, {8, 8, 0x1112131415161718ull}};
        const field i1[] = {{0, 4, 3}, {4, 4, 30005}, {8, 8, 0x25}};
        const field i2[] = {{0, 8, 0x2122232425262728ull}, {8, 4, 2}};
        const field i3[] = {{0, 4, 3}};
        expect_record(buf, 16, i0, 2, "ioctl recv");
        expect_record(buf + 16, 16, i1, 3, "ioctl initialize");
        expect_record(buf + 32, 16, i2, 2, "ioctl set_param");
        expect_record(buf + 48, 16, i3, 1, "ioctl shutdown");
    }

    n = load(dir, "dver");
    CHECK(size_ok(n, 64));
    if (size_ok(n, 64)) {
        const field v[] = {{0, 8, 0x4C4C447669645724ull}, {8, 4, 2}, {12, 4, 2}, {16, 4, 64},
                           {20, 4, 0x01010101u}, {24, 4, 0x02020202u}, {28, 4, 0x03030303u},
                           {32, 8, 1}, {40, 8, 2}, {48, 8, 3}, {56, 8, 4}};
        expect_record(buf, 64, v, sizeof v / sizeof v[0], "version");
        CHECK(memcmp(buf, "$WdivDLL", 8) == 0);
    }
    return test_finish(dir);
}
