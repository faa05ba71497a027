/*
 * Entry points of libdivert4j.so, loaded by the Java side through JNA. Only what is marked
 * DIVERT4J_EXPORT is visible; everything else stays inside the library.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "core/abi_version.h"
#include "divert_abi.h"
#include "core/filter_program.h"
#include "core/helper_eval.h"
#include "prefilter.h"

#define DIVERT4J_EXPORT __attribute__((visibility("default")))

/* Lets the Java side check that the bundled library speaks the ABI it was built for. */
DIVERT4J_EXPORT uint32_t divert4j_abi_version(void)
{
    return divert_core_abi_version();
}

/*
 * WinDivertHelperEvalFilter on a compiled program, with the core the driver runs:
 *   program/program_len: n x 24-byte instruction records (docs/spec/filter-object.md a.1), loaded with
 *     the user library's checks only (no layer or range validation: that happens at run time);
 *   layer: the layer to evaluate for (the Layer bits of addr are ignored);
 *   packet/packet_len: the IP packet for NETWORK/NETWORK_FORWARD, NULL for FLOW/SOCKET,
 *     ignored for REFLECT;
 *   addr: the 80-byte address record (docs/spec/device-abi.md 7).
 * Returns 1 (match), 0 (no match) or a negative error (all of them WinDivert's
 * ERROR_INVALID_PARAMETER): -1 the program does not load (count, field, test or label), else
 * -(1 + divert_helper_error): -2 no program/address, -3 layer outside 0..4, -4 no packet,
 * -5 not an IPv4/IPv6 packet, -6 IPv6 flag disagrees, -7 packet at FLOW/SOCKET,
 * -8 execution failed (field illegal for the layer, step limit).
 * The caller keeps ownership of every buffer; nothing is retained after the call.
 */
DIVERT4J_EXPORT int32_t divert4j_eval_filter(const uint8_t *program, uint32_t program_len,
                                             uint32_t layer, const uint8_t *packet,
                                             uint32_t packet_len, const uint8_t *addr)
{
    divert_program loaded;
    DIVERT_ADDRESS address;
    divert_helper_error why;
    if (addr == NULL) {
        return -(1 + DIVERT_HELPER_NULL_ARGUMENT);
    }
    if (divert_program_load_user(program, program_len, &loaded) != DIVERT_STATUS_SUCCESS) {
        return -1;
    }
    memcpy(&address, addr, sizeof address);
    divert_eval_result r = divert_helper_eval_filter(&loaded, layer, packet, packet_len, &address, &why);
    return r == DIVERT_EVAL_ERROR ? -(1 + (int32_t)why) : (int32_t)r;
}

/*
 * The in-kernel prefilters the host would install for a handle of `layer` with `program`
 * (n x 24-byte records, loaded with the driver's checks for the layer, as STARTUP does), as
 * text for `divert4j filter compile --bpf` (prefilter_describe). Returns the text's length
 * without its NUL, -1 when the program does not load for the layer, -2 when the layer is not
 * NETWORK or NETWORK_FORWARD, -3 when out_len is too small.
 */
DIVERT4J_EXPORT int32_t divert4j_bpf_describe(const uint8_t *program, uint32_t program_len,
                                              uint32_t layer, char *out, uint32_t out_len)
{
    static divert_program loaded; /* about 6 KiB: not on the caller's (JNA) stack */
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    if (layer != DIVERT_LAYER_NETWORK && layer != DIVERT_LAYER_NETWORK_FORWARD) {
        return -2;
    }
    pthread_mutex_lock(&lock);
    int32_t n = divert_program_load_driver(program, program_len, layer, &loaded) != DIVERT_STATUS_SUCCESS
        ? -1 : prefilter_describe(&loaded, layer, out, out_len) < 0 ? -3 : 0;
    if (n == 0) {
        n = (int32_t)strlen(out);
    }
    pthread_mutex_unlock(&lock);
    return n;
}
