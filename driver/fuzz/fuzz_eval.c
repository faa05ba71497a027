/*
 * Program validation + evaluation on arbitrary programs, addresses and packets.
 * Input: layer byte, flag byte, instruction count byte (0 = 256), n x 24 program bytes,
 * 80 address bytes, then the packet. Checks, beyond memory safety:
 *   - a program the driver accepted never makes the evaluator fail at its layer;
 *   - for a complete packet, the driver path and the user (WinDivertHelperEvalFilter) path
 *     give the same answer;
 *   - a callback view gives the same answer as the flat buffer;
 *   - a lazy decomposition (walked by the evaluator as fields need it) gives the same answer
 *     as the full one.
 */
#include "core/filter_eval.h"
#include "core/filter_object.h"
#include "core/filter_program.h"
#include "fuzz_input.h"
#include "core/helper_eval.h"
#include "core/packet_parse.h"

static bool chunk_read(void *ctx, uint32_t off, uint32_t len, uint8_t *out)
{
    memcpy(out, (const uint8_t *)ctx + off, len);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t code[256 * 24];
    static divert_program driver, user;
    fuzz_input in = {data, size};
    uint32_t layer = fuzz_u8(&in) % 6;            /* 5 = invalid layer */
    uint8_t flags = fuzz_u8(&in);
    uint32_t n = fuzz_u8(&in);
    n = n == 0 ? 256 : n;
    size_t real = fuzz_bytes(&in, code, n * 24);
    if (real != n * 24) {
        return 0;
    }
    DIVERT_ADDRESS addr;
    fuzz_bytes(&in, (uint8_t *)&addr, sizeof addr);
    const uint8_t *packet = in.p;
    uint32_t len = in.n > 70000 ? 70000 : (uint32_t)in.n;

    bool user_ok = divert_program_load_user(code, n * 24, &user) == DIVERT_STATUS_SUCCESS;
    bool driver_ok = divert_program_load_driver(code, n * 24, layer, &driver) == DIVERT_STATUS_SUCCESS;
    FUZZ_ASSERT(!driver_ok || user_ok);            /* driver rules include the user ones */
    FUZZ_ASSERT(driver_ok || driver.count == 0);

    bool network = layer <= DIVERT_LAYER_NETWORK_FORWARD;
    const uint8_t *user_packet = network ? packet : ((flags & 1) ? packet : NULL);
    int u = user_ok ? divert_helper_eval_filter(&user, layer, user_packet, len, &addr, NULL) : -2;
    if (!driver_ok) {
        return 0;
    }
    /* REFLECT data: the accepted program as an object string; too small a buffer gives 0 */
    static char object[DIVERT_OBJECT_MAXLEN], small[64];
    size_t olen = divert_program_encode_object(&driver, object, sizeof object);
    FUZZ_ASSERT(olen > 0 && strlen(object) + 1 == olen);
    FUZZ_ASSERT(strncmp(object, "@WinDiv_W", 9) == 0);
    size_t cap = flags % sizeof small;
    FUZZ_ASSERT(divert_program_encode_object(&driver, small, cap) == (olen <= cap ? olen : 0));
    if (!network) {
        int d = divert_filter_eval(&driver, layer, &addr, NULL, NULL);
        FUZZ_ASSERT(d != DIVERT_EVAL_ERROR);
        if (layer == DIVERT_LAYER_REFLECT || user_packet == NULL) {
            FUZZ_ASSERT(u == d);
        }
        return 0;
    }
    divert_packet_view view = divert_view_flat(packet, len);
    divert_packet parsed;
    bool ipv6 = len > 0 && packet[0] >> 4 == 6;
    if (!divert_parse_driver(&view, ipv6, &parsed)) {
        return 0;
    }
    int d = divert_filter_eval(&driver, layer, &addr, &view, &parsed);
    FUZZ_ASSERT(d != DIVERT_EVAL_ERROR);
    divert_packet_view cb = divert_view_callback(chunk_read, (void *)packet, len);
    divert_packet parsed_cb;
    FUZZ_ASSERT(divert_parse_driver(&cb, ipv6, &parsed_cb));
    FUZZ_ASSERT(divert_filter_eval(&driver, layer, &addr, &cb, &parsed_cb) == d);
    divert_packet lazy, lazy_cb;
    FUZZ_ASSERT(divert_parse_driver_lazy(&view, ipv6, &lazy));
    FUZZ_ASSERT(divert_filter_eval(&driver, layer, &addr, &view, &lazy) == d);
    FUZZ_ASSERT(divert_parse_driver_lazy(&cb, ipv6, &lazy_cb));
    FUZZ_ASSERT(divert_filter_eval(&driver, layer, &addr, &cb, &lazy_cb) == d);
    if ((addr.IPv6 != 0) == ipv6) {
        FUZZ_ASSERT(u == d);
    } else {
        FUZZ_ASSERT(u == DIVERT_EVAL_ERROR);
    }
    return 0;
}
