#include "core/inject.h"

#include "core/checksum.h"
#include "core/ttl.h"

void divert_send_begin(divert_send_batch *b, const divert_request *req)
{
    b->index = 0;
    b->count = divert_send_packet_count(req);
    b->offset = 0;
    b->bytes = 0;
    b->hard = DIVERT_STATUS_SUCCESS;
    b->soft = DIVERT_STATUS_SUCCESS;
}

bool divert_send_next(divert_send_batch *b, const uint8_t *data, size_t data_len,
                      size_t *offset, uint32_t *length, uint32_t *index)
{
    if (b->hard != DIVERT_STATUS_SUCCESS || b->index >= b->count) {
        return false;
    }
    size_t remaining = data == NULL || b->offset > data_len ? 0 : data_len - b->offset;
    const uint8_t *packet = remaining != 0 ? data + b->offset : NULL;
    divert_status st = divert_send_packet_length(packet, remaining, length);
    if (st != DIVERT_STATUS_SUCCESS) {
        b->hard = st;
        return false;
    }
    *offset = b->offset;
    *index = b->index;
    b->offset += *length;
    b->bytes += *length;
    b->index++;
    return true;
}

void divert_send_result(divert_send_batch *b, divert_status injection)
{
    if (injection == DIVERT_STATUS_INSUFFICIENT_RESOURCES) {
        b->hard = injection;
    } else if (injection != DIVERT_STATUS_SUCCESS) {
        b->soft = injection;
    }
}

divert_status divert_send_complete(const divert_send_batch *b, uint32_t *bytes)
{
    *bytes = b->bytes;
    return b->hard != DIVERT_STATUS_SUCCESS ? b->hard : b->soft;
}

divert_status divert_inject_prepare(uint8_t *packet, uint32_t len, const DIVERT_ADDRESS *addr)
{
    /* a packet whose transport checksum cannot be computed (fragment) is sent as it is */
    (void)divert_calc_checksums(packet, len, NULL, divert_inject_checksum_flags(addr));
    if (addr->Impostor && !divert_decrement_ttl(packet, len)) {
        return DIVERT_STATUS_HOPLIMIT_EXCEEDED;
    }
    return DIVERT_STATUS_SUCCESS;
}

static const uint32_t MTU_GUESSES[] = {568, 768, 1024, 1192, 1280, 1372, 1452, 1500, 4096, 65535};

/* The largest guess below len, but at least min. */
static uint32_t mtu_guess(uint32_t len, uint32_t min)
{
    uint32_t mtu = min;
    for (size_t i = 0; i < sizeof MTU_GUESSES / sizeof MTU_GUESSES[0]; i++) {
        if (MTU_GUESSES[i] < len && MTU_GUESSES[i] > mtu) {
            mtu = MTU_GUESSES[i];
        }
    }
    return mtu;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void copy(uint8_t *dst, const uint8_t *src, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        dst[i] = src[i];
    }
}

static void clear(uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        p[i] = 0;
    }
}

bool divert_build_too_big(const uint8_t *packet, uint32_t len, uint8_t *out, uint32_t cap,
                          uint32_t *out_len)
{
    if (packet == NULL || len < 20) {
        return false;
    }
    if (packet[0] >> 4 == 4) {
        uint32_t ihl = (packet[0] & 0x0Fu) * 4;
        if (len <= 568 || ihl < 20 || ihl + 8 > len) {
            return false;
        }
        uint32_t quoted = ihl + 8, total = 20 + 8 + quoted;
        if (cap < total) {
            return false;
        }
        clear(out, 28);
        out[0] = 0x45;
        put16(out + 2, total);
        out[6] = 0x40;                        /* DF, ID 0 */
        out[8] = 64;
        out[9] = 1;
        copy(out + 12, packet + 16, 4);       /* addresses swapped */
        copy(out + 16, packet + 12, 4);
        out[20] = 3;                          /* destination unreachable */
        out[21] = 4;                          /* fragmentation needed */
        put16(out + 26, mtu_guess(len, 568));
        copy(out + 28, packet, quoted);
        *out_len = total;
    } else if (packet[0] >> 4 == 6) {
        if (len <= 1280) {
            return false;
        }
        uint32_t quoted = len > 1232 ? 1232 : len;
        uint32_t total = 40 + 8 + quoted;
        if (cap < total) {
            return false;
        }
        clear(out, 48);
        out[0] = 0x60;                        /* traffic class 0, original flow label */
        out[1] = packet[1] & 0x0Fu;
        out[2] = packet[2];
        out[3] = packet[3];
        put16(out + 4, 8 + quoted);
        out[6] = 58;
        out[7] = 64;
        copy(out + 8, packet + 24, 16);
        copy(out + 24, packet + 8, 16);
        out[40] = 2;                          /* packet too big, code 0 */
        uint32_t mtu = mtu_guess(len, 1280);
        put16(out + 44, mtu >> 16);
        put16(out + 46, mtu);
        copy(out + 48, packet, quoted);
        *out_len = total;
    } else {
        return false;
    }
    return divert_calc_checksums(out, *out_len, NULL, 0);
}
