#include "core/packet_hash.h"

#define P1 UINT64_C(0x9E3779B185EBCA87)
#define P2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define P3 UINT64_C(0x165667B19E3779F9)
#define P4 UINT64_C(0x85EBCA77C2B2AE63)

static const uint64_t K[8] = {
    UINT64_C(0x428A2F9871374491), UINT64_C(0xB5C0FBCFE9B5DBA5), UINT64_C(0x3956C25B59F111F1),
    UINT64_C(0x923F82A4AB1C5ED5), UINT64_C(0xD807AA9812835B01), UINT64_C(0x243185BE550C7DC3),
    UINT64_C(0x72BE5D7480DEB1FE), UINT64_C(0x9BDC06A7C19BF174),
};

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

static uint64_t le32(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

static uint64_t rotl(uint64_t x, unsigned r)
{
    return x << r | x >> (64 - r);
}

static uint64_t round64(uint64_t acc, uint64_t x)
{
    return rotl(acc + x * P2, 31) * P1;
}

uint64_t divert_packet_hash(const divert_packet *p, uint64_t seed)
{
    uint64_t a1 = seed ^ K[0], a2, a3, a4;
    uint64_t d[4];
    unsigned j;
    if (p->ip_version == 4) {
        a2 = le64(p->ip) ^ K[1];
        a3 = le64(p->ip + 8) ^ K[2];
        a4 = le32(p->ip + 16) ^ K[3];
        j = 0;
    } else if (p->ip_version == 6) {
        a2 = le64(p->ip) ^ K[1];
        a3 = le64(p->ip + 8) ^ K[2];
        a4 = le64(p->ip + 16) ^ K[3];
        d[0] = le64(p->ip + 24) ^ K[4];
        d[1] = le64(p->ip + 32) ^ K[5];
        j = 2;
    } else {
        return 0;
    }
    const uint8_t *th = p->transport_header;
    switch (p->transport) {
    case DIVERT_TRANSPORT_TCP:
        d[j] = le64(th) ^ K[4 + j];
        j++;
        d[j] = le64(th + 8) ^ K[4 + j];
        j++;
        if (j <= 3) {
            d[j] = le32(th + 16) ^ K[4 + j];
            j++;
        } else {
            a2 ^= le32(th + 16) << 32;
        }
        break;
    case DIVERT_TRANSPORT_UDP:
    case DIVERT_TRANSPORT_ICMP:
    case DIVERT_TRANSPORT_ICMPV6:
        d[j] = le64(th) ^ K[4 + j];
        j++;
        break;
    default:
        break;
    }
    for (; j <= 3; j++) {
        d[j] = seed ^ K[4 + j];
    }
    a1 = round64(d[0], a1);
    a2 = round64(d[1], a2);
    a3 = round64(d[2], a3);
    a4 = round64(d[3], a4);
    uint64_t h = rotl(a1, 1) + rotl(a2, 7) + rotl(a3, 12) + rotl(a4, 18);
    const uint64_t lanes[4] = {a1, a2, a3, a4};
    for (int i = 0; i < 4; i++) {
        h = (h ^ round64(0, lanes[i])) * P1 + P4;
    }
    h += 32;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}
