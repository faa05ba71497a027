/*
 * Packet parsing and the helpers built on it, on arbitrary bytes: both parser variants,
 * a callback view split at an input-chosen point, the hash, checksums, TTL and ICMP
 * too-big. Input: one control byte, then the packet.
 */
#include "core/checksum.h"
#include "fuzz_input.h"
#include "core/inject.h"
#include "core/packet_hash.h"
#include "core/packet_parse.h"
#include "core/ttl.h"
#include "core_support.h"

static bool fail_after_read(void *ctx, uint32_t off, uint32_t len, uint8_t *out)
{
    const uint8_t **p = ctx;
    memcpy(out, *p + off, len);
    return true;
}

static void check_consistent(const divert_packet *p)
{
    FUZZ_ASSERT(p->ip_version == 4 || p->ip_version == 6);
    FUZZ_ASSERT(p->packet_length <= p->length);
    FUZZ_ASSERT(p->header_length + p->payload_length == p->packet_length);
    FUZZ_ASSERT(p->ip_header_length <= p->header_length);
    FUZZ_ASSERT(p->truncated == (p->ip_total > p->length));
    FUZZ_ASSERT(p->extended == (p->ip_total < p->length));
    if (p->transport != DIVERT_TRANSPORT_NONE) {
        FUZZ_ASSERT(!p->fragment_offset);
        FUZZ_ASSERT(p->transport_offset >= p->ip_header_length);
        FUZZ_ASSERT(p->transport_offset + (p->transport == DIVERT_TRANSPORT_TCP ? 20u : 8u)
                    <= p->packet_length);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t copy[70000], out[2048];
    fuzz_input in = {data, size};
    uint8_t control = fuzz_u8(&in);
    uint32_t len = in.n > sizeof copy ? (uint32_t)sizeof copy : (uint32_t)in.n;
    const uint8_t *packet = in.p;

    divert_packet_view flat = divert_view_flat(packet, len);
    divert_packet user, driver, cb;
    bool user_ok = divert_parse_user(&flat, &user);
    if (user_ok) {
        check_consistent(&user);
        (void)divert_packet_hash(&user, control);
    }
    /* the lazy parse refuses exactly what the full one does; walked, it is the same */
    divert_packet lazy;
    FUZZ_ASSERT(divert_parse_user_lazy(&flat, &lazy) == user_ok);
    if (user_ok) {
        FUZZ_ASSERT(!lazy.walked && divert_packet_walk(&flat, &lazy));
        FUZZ_ASSERT(test_packet_same(&lazy, &user));
    }
    const uint8_t *ctx = packet;
    divert_packet_view callback = divert_view_callback(fail_after_read, &ctx, len);
    FUZZ_ASSERT(divert_parse_user(&callback, &cb) == user_ok);
    if (user_ok) {
        FUZZ_ASSERT(test_packet_same(&cb, &user));
    }
    for (int v6 = 0; v6 < 2; v6++) {
        if (divert_parse_driver(&flat, v6, &driver)) {
            check_consistent(&driver);
            /* a packet the driver accepts is one the user parser decomposes the same way */
            FUZZ_ASSERT(user_ok && test_packet_same(&driver, &user));
            FUZZ_ASSERT(!driver.truncated && !driver.extended);
        }
    }
    uint64_t h = test_hash_packet(&flat, control);
    FUZZ_ASSERT(h == 0 || (user_ok && !user.truncated));

    memcpy(copy, packet, len);
    DIVERT_ADDRESS addr;
    memset(&addr, 0, sizeof addr);
    if (divert_calc_checksums(copy, len, &addr, control & 0x1F)) {
        /* recomputing again changes nothing */
        static uint8_t again[70000];
        memcpy(again, copy, len);
        FUZZ_ASSERT(divert_calc_checksums(again, len, NULL, control & 0x1F));
        FUZZ_ASSERT(memcmp(again, copy, len) == 0);
    }
    memcpy(copy, packet, len);
    (void)divert_decrement_ttl(copy, len);
    uint32_t out_len = 0;
    if (divert_build_too_big(packet, len, out, (uint32_t)sizeof out, &out_len)) {
        FUZZ_ASSERT(out_len <= sizeof out);
    }
    return 0;
}
