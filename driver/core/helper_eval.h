/*
 * WinDivertHelperEvalFilter semantics (docs/spec/filter-language.md 8.5) on a compiled program: the
 * user library's variant of evaluation, as opposed to the driver's capture-time filtering.
 */
#ifndef DIVERT_CORE_HELPER_EVAL_H
#define DIVERT_CORE_HELPER_EVAL_H

#include <stdint.h>

#include "divert_abi.h"
#include "core/filter_eval.h"
#include "core/filter_program.h"

/* Why an evaluation failed: all of them are WinDivert's ERROR_INVALID_PARAMETER. */
typedef enum divert_helper_error
{
    DIVERT_HELPER_OK = 0,
    DIVERT_HELPER_NULL_ARGUMENT,      /* no program or no address */
    DIVERT_HELPER_BAD_LAYER,          /* layer outside 0..4 */
    DIVERT_HELPER_NO_PACKET,          /* NETWORK/NETWORK_FORWARD without a packet */
    DIVERT_HELPER_BAD_PACKET,         /* not an IPv4/IPv6 packet (docs/spec/helpers.md 3.1) */
    DIVERT_HELPER_IPV6_MISMATCH,      /* address IPv6 flag disagrees with the packet */
    DIVERT_HELPER_UNEXPECTED_PACKET,  /* FLOW/SOCKET with a packet */
    DIVERT_HELPER_EXECUTION           /* a field illegal for the layer ran, or the step limit */
} divert_helper_error;

/*
 * Evaluates program (loaded with divert_program_load_user) for layer:
 *   NETWORK/NETWORK_FORWARD: packet (len bytes) must be decomposable by the user parser and
 *     addr->IPv6 must agree with its IP version; `length` is len (trailing bytes count);
 *   FLOW/SOCKET: packet must be NULL;  REFLECT: packet is ignored;  other layers: ERROR.
 * On ERROR, *why (if why is not NULL) tells the reason; otherwise it is DIVERT_HELPER_OK.
 */
divert_eval_result divert_helper_eval_filter(const divert_program *program, uint32_t layer,
                                             const uint8_t *packet, uint32_t len,
                                             const DIVERT_ADDRESS *addr, divert_helper_error *why);

#endif
