#include "core_support.h"

#include "divert_abi.h"
#include "core/packet_hash.h"

static bool same_bytes(const uint8_t *a, const uint8_t *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

bool test_packet_same(const divert_packet *a, const divert_packet *b)
{
    if (a->length != b->length || a->ip_total != b->ip_total
        || a->packet_length != b->packet_length || a->ip_header_length != b->ip_header_length
        || a->transport_offset != b->transport_offset || a->header_length != b->header_length
        || a->payload_length != b->payload_length || a->ip_version != b->ip_version
        || a->protocol != b->protocol || a->transport != b->transport
        || a->fragment != b->fragment || a->fragment_offset != b->fragment_offset
        || a->more_fragments != b->more_fragments || a->truncated != b->truncated
        || a->extended != b->extended) {
        return false;
    }
    uint32_t ip = a->ip_version == 6 ? 40 : a->ip_version == 4 ? 20 : 0;
    uint32_t th = a->transport == DIVERT_TRANSPORT_TCP ? 20
        : a->transport == DIVERT_TRANSPORT_NONE ? 0 : 8;
    return same_bytes(a->ip, b->ip, ip)
        && same_bytes(a->transport_header, b->transport_header, th);
}

uint64_t test_hash_packet(const divert_packet_view *view, uint64_t seed)
{
    divert_packet p;
    if (!divert_parse_user(view, &p) || p.truncated) {
        return 0;
    }
    return divert_packet_hash(&p, seed);
}

static const uint32_t CODES[] = {
    [DIVERT_REQUEST_INITIALIZE] = IOCTL_DIVERT_INITIALIZE,
    [DIVERT_REQUEST_STARTUP] = IOCTL_DIVERT_STARTUP,
    [DIVERT_REQUEST_RECV] = IOCTL_DIVERT_RECV,
    [DIVERT_REQUEST_SEND] = IOCTL_DIVERT_SEND,
    [DIVERT_REQUEST_SET_PARAM] = IOCTL_DIVERT_SET_PARAM,
    [DIVERT_REQUEST_GET_PARAM] = IOCTL_DIVERT_GET_PARAM,
    [DIVERT_REQUEST_SHUTDOWN] = IOCTL_DIVERT_SHUTDOWN,
};

uint32_t test_request_code(divert_request_kind kind)
{
    return CODES[kind];
}
