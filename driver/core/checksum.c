#include "core/checksum.h"

#include "core/packet_parse.h"

/* One's-complement sum of big-endian 16-bit words (odd byte padded with zero), unfolded. */
static uint64_t sum_words(const uint8_t *data, uint32_t len, uint64_t sum)
{
    uint32_t i = 0;
    for (; i + 1 < len; i += 2) {
        sum += (uint32_t)data[i] << 8 | data[i + 1];
    }
    if (i < len) {
        sum += (uint32_t)data[i] << 8;
    }
    return sum;
}

static uint16_t fold(uint64_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

uint16_t divert_internet_checksum(const uint8_t *data, uint32_t len, uint32_t sum)
{
    return fold(sum_words(data, len, sum));
}

static void store16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Sum of the IPv4 or IPv6 pseudo-header for protocol and upper-layer length n. */
static uint64_t pseudo_sum(const uint8_t *pkt, bool ipv6, uint8_t protocol, uint32_t n)
{
    uint64_t sum = ipv6 ? sum_words(pkt + 8, 32, 0) : sum_words(pkt + 12, 8, 0);
    return sum + protocol + (n >> 16) + (n & 0xFFFFu);
}

bool divert_calc_checksums(uint8_t *packet, uint32_t len, DIVERT_ADDRESS *addr, uint64_t flags)
{
    divert_packet p;
    divert_packet_view view = divert_view_flat(packet, len);
    if (packet == NULL || !divert_parse_user(&view, &p)) {
        return false;
    }
    bool ipv6 = p.ip_version == 6;
    if (!ipv6 && !(flags & DIVERT_CHECKSUM_NO_IP)) {
        packet[10] = packet[11] = 0;
        store16(packet + 10, divert_internet_checksum(packet, p.ip_header_length, 0));
        if (addr != NULL) {
            addr->IPChecksum = 1;
        }
    }
    bool incomplete = p.truncated || p.more_fragments || p.fragment_offset;
    uint8_t *th = packet + p.transport_offset;
    uint32_t n;
    switch (p.transport) {
    case DIVERT_TRANSPORT_ICMP:
        if (flags & DIVERT_CHECKSUM_NO_ICMP) {
            return true;
        }
        if (incomplete) {
            return false;
        }
        n = 8 + p.payload_length;
        th[2] = th[3] = 0;
        store16(th + 2, divert_internet_checksum(th, n, 0));
        return true;
    case DIVERT_TRANSPORT_ICMPV6:
        if (flags & DIVERT_CHECKSUM_NO_ICMPV6) {
            return true;
        }
        if (incomplete) {
            return false;
        }
        n = 8 + p.payload_length;
        th[2] = th[3] = 0;
        store16(th + 2, fold(sum_words(th, n, pseudo_sum(packet, true, 58, n))));
        return true;
    case DIVERT_TRANSPORT_TCP:
        if (flags & DIVERT_CHECKSUM_NO_TCP) {
            return true;
        }
        n = p.payload_length + (uint32_t)(th[12] >> 4) * 4;
        if (incomplete || n > len - p.transport_offset) {
            return false;
        }
        th[16] = th[17] = 0;
        store16(th + 16, fold(sum_words(th, n, pseudo_sum(packet, ipv6, 6, n))));
        if (addr != NULL) {
            addr->TCPChecksum = 1;
        }
        return true;
    case DIVERT_TRANSPORT_UDP: {
        if (flags & DIVERT_CHECKSUM_NO_UDP) {
            return true;
        }
        if (incomplete) {
            return false;
        }
        n = p.payload_length + 8;
        th[6] = th[7] = 0;
        uint16_t c = fold(sum_words(th, n, pseudo_sum(packet, ipv6, 17, n)));
        store16(th + 6, c == 0 ? 0xFFFF : c);
        if (addr != NULL) {
            addr->UDPChecksum = 1;
        }
        return true;
    }
    default:
        return true;
    }
}

uint64_t divert_inject_checksum_flags(const DIVERT_ADDRESS *addr)
{
    return DIVERT_CHECKSUM_NO_ICMP | DIVERT_CHECKSUM_NO_ICMPV6
        | (addr->IPChecksum ? DIVERT_CHECKSUM_NO_IP : 0)
        | (addr->TCPChecksum ? DIVERT_CHECKSUM_NO_TCP : 0)
        | (addr->UDPChecksum ? DIVERT_CHECKSUM_NO_UDP : 0);
}
