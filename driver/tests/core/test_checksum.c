/* Checksums (docs/spec/helpers.md 4), TTL decrement (5), injection preparation and ICMP too-big (9.1). */
#include <string.h>

#include "core/checksum.h"
#include "core/inject.h"
#include "core/packet_parse.h"
#include "support.h"
#include "core/ttl.h"

static uint8_t pkt[2048], orig[2048];

static int load(int id)
{
    int n = hex_decode(SAMPLE_PACKETS[id], pkt, sizeof pkt);
    memcpy(orig, pkt, (size_t)n);
    return n;
}

/* Independent verification: the one's-complement sum over pseudo-header and segment. */
static uint32_t verify_sum(const uint8_t *p, int ipv6, int proto, const uint8_t *seg, uint32_t n)
{
    uint32_t s = 0;
    const uint8_t *src = p + (ipv6 ? 8 : 12);
    for (int i = 0; i < (ipv6 ? 32 : 8); i += 2) s += (uint32_t)src[i] << 8 | src[i + 1];
    s += (uint32_t)proto + n;
    for (uint32_t i = 0; i < n; i++) s += (i & 1) ? seg[i] : (uint32_t)seg[i] << 8;
    while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
    return s;
}

static void test_recompute_samples(void)
{
    /* IPv4 headers of the samples are correct; their transport checksums are zero */
    static const struct { int id, ipv6, proto, t_off; } cases[] = {
        {1, 0, -1, 20}, {2, 0, 6, 20}, {3, 0, 17, 20}, {4, 1, 6, 40}, {5, 1, 58, 40}, {6, 1, 17, 56},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int n = load(cases[i].id);
        if (!cases[i].ipv6) {
            pkt[10] ^= 0x5A;
        }
        DIVERT_ADDRESS a;
        memset(&a, 0, sizeof a);
        CHECK(divert_calc_checksums(pkt, (uint32_t)n, &a, 0));
        CHECK(memcmp(pkt, orig, 20) == 0 || cases[i].ipv6);
        uint32_t seg = (uint32_t)n - (uint32_t)cases[i].t_off;
        if (cases[i].proto < 0) {
            CHECK_EQ(divert_internet_checksum(pkt + 20, seg, 0), 0);
        } else {
            CHECK_EQ(verify_sum(pkt, cases[i].ipv6, cases[i].proto, pkt + cases[i].t_off, seg), 0xFFFF);
        }
        CHECK_EQ(a.IPChecksum, !cases[i].ipv6);
        CHECK_EQ(a.TCPChecksum, cases[i].proto == 6);
        CHECK_EQ(a.UDPChecksum, cases[i].proto == 17);
        memcpy(orig, pkt, (size_t)n);
        CHECK(divert_calc_checksums(pkt, (uint32_t)n, NULL, 0));
        CHECK(memcmp(pkt, orig, (size_t)n) == 0);
    }
    /* the reference value of docs/spec/helpers.md 7.5: P4c = P4 with TCP checksum 0xfe52 */
    int n = load(4);
    CHECK(divert_calc_checksums(pkt, (uint32_t)n, NULL, 0));
    CHECK_EQ(pkt[56], 0xfe);
    CHECK_EQ(pkt[57], 0x52);
}


static void test_flags_and_failures(void)
{
    int n = load(2);
    pkt[10] = pkt[11] = pkt[36] = pkt[37] = 0;
    CHECK(divert_calc_checksums(pkt, (uint32_t)n, NULL, DIVERT_CHECKSUM_NO_IP | DIVERT_CHECKSUM_NO_TCP));
    CHECK(pkt[10] == 0 && pkt[11] == 0 && pkt[36] == 0 && pkt[37] == 0);
    CHECK(divert_calc_checksums(pkt, (uint32_t)n, NULL, DIVERT_CHECKSUM_NO_TCP));
    CHECK(memcmp(pkt, orig, 20) == 0 && pkt[36] == 0);
    /* truncated: the IP checksum is still recomputed, the transport one refused */
    load(2);
    pkt[10] = 0;
    CHECK(!divert_calc_checksums(pkt, 60, NULL, 0));
    CHECK(memcmp(pkt, orig, 20) == 0);
    /* fragments: no transport checksum */
    n = load(7);
    CHECK(!divert_calc_checksums(pkt, (uint32_t)n, NULL, 0));
    CHECK(divert_calc_checksums(pkt, (uint32_t)n, NULL, DIVERT_CHECKSUM_NO_ICMP));
    /* a TCP data offset past the buffer is refused instead of read beyond */
    n = load(2);
    pkt[32] = 0xF0;
    CHECK(!divert_calc_checksums(pkt, (uint32_t)n, NULL, 0));
    CHECK(!divert_calc_checksums(pkt, 19, NULL, 0));
    CHECK(!divert_calc_checksums(NULL, 0, NULL, 0));
    /* a UDP checksum that computes to 0 is stored as 0xFFFF */
    /* pseudo-header 17 + 8, length 8, source port 0xFFDE: the sum is 0xFFFF */
    static const char zero_sum[] = "4500001c00000000401100000000000000000000" "ffde000000080000";
    n = hex_decode(zero_sum, pkt, sizeof pkt);
    CHECK(divert_calc_checksums(pkt, (uint32_t)n, NULL, DIVERT_CHECKSUM_NO_IP));
    CHECK(pkt[26] == 0xFF && pkt[27] == 0xFF);
    /* ... and extra trailing bytes are ignored */
    n = load(3);
    CHECK(divert_calc_checksums(pkt, (uint32_t)n, NULL, 0));
    memcpy(orig, pkt, (size_t)n);
    pkt[n] = 0x77;
    pkt[26] ^= 1;
    CHECK(divert_calc_checksums(pkt, (uint32_t)n + 1, NULL, 0));
    CHECK(memcmp(pkt, orig, (size_t)n) == 0 && pkt[n] == 0x77);
}

static void test_ttl(void)
{
    int n = load(1);
    CHECK(divert_decrement_ttl(pkt, (uint32_t)n));
    CHECK_EQ(pkt[8], 63);
    CHECK_EQ(divert_internet_checksum(pkt, 20, 0), 0);      /* incremental update stays valid */
    pkt[8] = 1;
    CHECK(!divert_decrement_ttl(pkt, (uint32_t)n));
    CHECK_EQ(pkt[8], 1);
    pkt[8] = 2;
    pkt[10] = 0xFE;
    pkt[11] = 0xFF;                                          /* LE view 0xFFFE wraps to 0 */
    CHECK(divert_decrement_ttl(pkt, (uint32_t)n));
    CHECK(pkt[10] == 0 && pkt[11] == 0);
    n = load(5);
    CHECK(divert_decrement_ttl(pkt, (uint32_t)n));
    CHECK_EQ(pkt[7], 30);
    CHECK(!divert_decrement_ttl(pkt, 39));
    pkt[7] = 0;
    CHECK(!divert_decrement_ttl(pkt, (uint32_t)n));
    pkt[0] = 0x50;
    CHECK(!divert_decrement_ttl(pkt, (uint32_t)n));
    CHECK(!divert_decrement_ttl(NULL, 40));
    CHECK(!divert_decrement_ttl(pkt, 19));
}

static void test_inject_prepare(void)
{
    DIVERT_ADDRESS a;
    memset(&a, 0, sizeof a);
    int n = load(2);
    CHECK(divert_calc_checksums(pkt, (uint32_t)n, NULL, 0));
    memcpy(orig, pkt, (size_t)n);
    pkt[10] ^= 1;
    pkt[36] ^= 1;
    CHECK_EQ(divert_inject_prepare(pkt, (uint32_t)n, &a), DIVERT_STATUS_SUCCESS);
    CHECK(memcmp(pkt, orig, (size_t)n) == 0);
    a.IPChecksum = a.TCPChecksum = 1;                        /* flagged valid: left alone */
    pkt[10] ^= 1;
    pkt[36] ^= 1;
    CHECK_EQ(divert_inject_prepare(pkt, (uint32_t)n, &a), DIVERT_STATUS_SUCCESS);
    CHECK(pkt[10] == (orig[10] ^ 1) && pkt[36] == (orig[36] ^ 1));
    /* ICMP checksums of application packets are never recomputed */
    n = load(1);
    memset(&a, 0, sizeof a);
    pkt[22] ^= 1;
    CHECK_EQ(divert_inject_prepare(pkt, (uint32_t)n, &a), DIVERT_STATUS_SUCCESS);
    CHECK_EQ(pkt[22], orig[22] ^ 1);
    a.Impostor = 1;
    CHECK_EQ(divert_inject_prepare(pkt, (uint32_t)n, &a), DIVERT_STATUS_SUCCESS);
    CHECK_EQ(pkt[8], 63);
    pkt[8] = 1;
    CHECK_EQ(divert_inject_prepare(pkt, (uint32_t)n, &a), DIVERT_STATUS_HOPLIMIT_EXCEEDED);
}

static void test_too_big(void)
{
    static uint8_t big[1500], out[2000];
    uint32_t out_len = 0;
    int n = load(3);
    memcpy(big, pkt, (size_t)n);
    big[2] = 1500 >> 8;
    big[3] = 1500 & 0xFF;
    CHECK(divert_calc_checksums(big, 1500, NULL, DIVERT_CHECKSUM_NO_UDP));
    CHECK(divert_build_too_big(big, 1500, out, sizeof out, &out_len));
    CHECK_EQ(out_len, 20 + 8 + 28);
    divert_packet p;
    divert_packet_view v = divert_view_flat(out, out_len);
    CHECK(divert_parse_user(&v, &p) && p.transport == DIVERT_TRANSPORT_ICMP);
    CHECK(out[20] == 3 && out[21] == 4 && out[8] == 64 && (out[6] & 0x40));
    CHECK(memcmp(out + 12, big + 16, 4) == 0 && memcmp(out + 16, big + 12, 4) == 0);
    CHECK_EQ(divert_be16(out + 26), 1452);
    CHECK(memcmp(out + 28, big, 28) == 0);
    CHECK_EQ(divert_internet_checksum(out, 20, 0), 0);
    CHECK_EQ(divert_internet_checksum(out + 20, out_len - 20, 0), 0);
    CHECK(!divert_build_too_big(big, 568, out, sizeof out, &out_len));
    CHECK(!divert_build_too_big(big, 1500, out, 55, &out_len));
    big[2] = 600 >> 8;
    big[3] = 600 & 0xFF;
    CHECK(divert_build_too_big(big, 600, out, sizeof out, &out_len));
    CHECK_EQ(divert_be16(out + 26), 568);

    n = load(5);
    memset(big, 0, sizeof big);
    memcpy(big, pkt, (size_t)n);
    big[4] = (1400 - 40) >> 8;
    big[5] = (1400 - 40) & 0xFF;
    CHECK(divert_build_too_big(big, 1400, out, sizeof out, &out_len));
    CHECK_EQ(out_len, 1280);
    v = divert_view_flat(out, out_len);
    CHECK(divert_parse_user(&v, &p) && p.transport == DIVERT_TRANSPORT_ICMPV6 && !p.truncated);
    CHECK(out[40] == 2 && out[41] == 0 && out[7] == 64 && divert_be32(out + 44) == 1372);
    CHECK(memcmp(out + 48, big, 1232) == 0);
    CHECK(!divert_build_too_big(big, 1280, out, sizeof out, &out_len));
}

int main(void)
{
    test_recompute_samples();
    test_flags_and_failures();
    test_ttl();
    test_inject_prepare();
    test_too_big();
    return test_finish("checksum");
}
