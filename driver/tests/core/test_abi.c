/*
 * Pins the byte layout of divert_abi.h to docs/spec/device-abi.md: bit-field positions cannot be
 * checked with offsetof, so each field is set in a zeroed record and the bytes compared.
 */
#include <stdio.h>
#include <string.h>

#include "core/abi_version.h"
#include "divert_abi.h"
#include "support.h"


static uint32_t le32(const void *p, size_t off)
{
    const uint8_t *b = (const uint8_t *)p + off;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void test_address_bits(void)
{
    static const struct { const char *name; uint32_t bit; } expected[] = {
        {"Sniffed", 16}, {"Outbound", 17}, {"Loopback", 18}, {"Impostor", 19},
        {"IPv6", 20}, {"IPChecksum", 21}, {"TCPChecksum", 22}, {"UDPChecksum", 23},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        DIVERT_ADDRESS a;
        memset(&a, 0, sizeof a);
        switch (i) {
        case 0: a.Sniffed = 1; break;
        case 1: a.Outbound = 1; break;
        case 2: a.Loopback = 1; break;
        case 3: a.Impostor = 1; break;
        case 4: a.IPv6 = 1; break;
        case 5: a.IPChecksum = 1; break;
        case 6: a.TCPChecksum = 1; break;
        default: a.UDPChecksum = 1; break;
        }
        if (le32(&a, 8) != (UINT32_C(1) << expected[i].bit)) {
            fprintf(stderr, "address bit %s not at bit %u\n", expected[i].name, expected[i].bit);
        }
        CHECK(le32(&a, 8) == (UINT32_C(1) << expected[i].bit));
    }
    DIVERT_ADDRESS a;
    memset(&a, 0, sizeof a);
    a.Layer = 0xAB;
    a.Event = 0xCD;
    a.Reserved1 = 0xEF;
    CHECK(le32(&a, 8) == 0xEF00CDABu);
    a.Network.IfIdx = 0x11223344u;
    a.Network.SubIfIdx = 0x55667788u;
    CHECK(le32(&a, 16) == 0x11223344u && le32(&a, 20) == 0x55667788u);
    memset(&a, 0, sizeof a);
    a.Flow.ProcessId = 7;
    a.Flow.LocalAddr[0] = 1;
    a.Flow.RemoteAddr[3] = 2;
    a.Flow.LocalPort = 0x1234;
    a.Flow.RemotePort = 0x5678;
    a.Flow.Protocol = 6;
    const uint8_t *b = (const uint8_t *)&a;
    CHECK(le32(&a, 32) == 7 && le32(&a, 36) == 1 && le32(&a, 64) == 2);
    CHECK(b[68] == 0x34 && b[69] == 0x12 && b[70] == 0x78 && b[71] == 0x56 && b[72] == 6);
    memset(&a, 0, sizeof a);
    a.Reflect.Timestamp = -2;
    a.Reflect.ProcessId = 9;
    a.Reflect.Layer = 3;
    a.Reflect.Flags = 0x21;
    a.Reflect.Priority = -5;
    CHECK(le32(&a, 16) == 0xFFFFFFFEu && le32(&a, 24) == 9 && le32(&a, 28) == 3);
    CHECK(le32(&a, 32) == 0x21 && b[40] == 0xFB && b[41] == 0xFF);
}

static void test_filter_record(void)
{
    /* docs/spec/filter-object.md a.1: field 39, test 0, success 0x7FFE gives W0 = 0x7FFE0027. */
    DIVERT_FILTER f;
    memset(&f, 0, sizeof f);
    f.field = 39;
    f.test = DIVERT_FILTER_TEST_EQ;
    f.success = DIVERT_FILTER_RESULT_ACCEPT;
    CHECK(le32(&f, 0) == 0x7FFE0027u);
    f.test = DIVERT_FILTER_TEST_GEQ;
    CHECK(le32(&f, 0) == 0x7FFE2827u);
    f.failure = DIVERT_FILTER_RESULT_REJECT;
    f.neg = 1;
    CHECK(le32(&f, 4) == 0x00017FFFu);
    f.arg[1] = 0xFFFFFFFBu;
    CHECK(le32(&f, 12) == 0xFFFFFFFBu);
}

static void test_packed_records(void)
{
    DIVERT_IOCTL io;
    memset(&io, 0, sizeof io);
    io.initialize.layer = 3;
    io.initialize.priority = 30000 + 5;
    io.initialize.flags = DIVERT_FLAG_SNIFF | DIVERT_FLAG_RECV_ONLY;
    CHECK(le32(&io, 0) == 3 && le32(&io, 4) == 30005 && le32(&io, 8) == 5 && le32(&io, 12) == 0);
    memset(&io, 0, sizeof io);
    io.set_param.val = 0x0000000100000002ull;
    io.set_param.param = DIVERT_PARAM_QUEUE_SIZE;
    CHECK(le32(&io, 0) == 2 && le32(&io, 4) == 1 && le32(&io, 8) == 2);

    DIVERT_VERSION v;
    memset(&v, 0, sizeof v);
    v.magic = DIVERT_MAGIC_DLL;
    CHECK(memcmp(&v, "$WdivDLL", 8) == 0);
    v.magic = DIVERT_MAGIC_SYS;
    CHECK(memcmp(&v, "#WdivSYS", 8) == 0);
}

static void test_version(void)
{
    CHECK(divert_core_abi_version() == 0x00020002u);
}

int main(void)
{
    test_address_bits();
    test_filter_record();
    test_packed_records();
    test_version();
    return test_finish("abi");
}
