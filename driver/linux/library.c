/*
 * Entry points of libdivert4j.so, loaded by the Java side through JNA. Only what is marked
 * DIVERT4J_EXPORT is visible; everything else stays inside the library.
 */
#include <stdint.h>
#include <string.h>

#include "abi_version.h"
#include "divert_abi.h"
#include "filter_program.h"
#include "helper_eval.h"

#define DIVERT4J_EXPORT __attribute__((visibility("default")))

/* Lets the Java side check that the bundled library speaks the ABI it was built for. */
DIVERT4J_EXPORT uint32_t divert4j_abi_version(void)
{
    return divert_core_abi_version();
}

/*
 * WinDivertHelperEvalFilter on a compiled program, with the core the driver runs:
 *   program/program_len: n x 24-byte instruction records (filter-object.md a.1), loaded with
 *     the user library's checks only (no layer or range validation: that happens at run time);
 *   layer: the layer to evaluate for (the Layer bits of addr are ignored);
 *   packet/packet_len: the IP packet for NETWORK/NETWORK_FORWARD, NULL for FLOW/SOCKET,
 *     ignored for REFLECT;
 *   addr: the 80-byte address record (device-abi.md 7).
 * Returns 1 (match), 0 (no match) or -1 (error: WinDivert's ERROR_INVALID_PARAMETER).
 * The caller keeps ownership of every buffer; nothing is retained after the call.
 */
DIVERT4J_EXPORT int32_t divert4j_eval_filter(const uint8_t *program, uint32_t program_len,
                                             uint32_t layer, const uint8_t *packet,
                                             uint32_t packet_len, const uint8_t *addr)
{
    divert_program loaded;
    DIVERT_ADDRESS address;
    if (program == NULL || addr == NULL
        || divert_program_load_user(program, program_len, &loaded) != DIVERT_STATUS_SUCCESS) {
        return DIVERT_EVAL_ERROR;
    }
    memcpy(&address, addr, sizeof address);
    return divert_helper_eval_filter(&loaded, layer, packet, packet_len, &address);
}
