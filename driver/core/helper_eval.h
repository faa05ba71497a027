/*
 * WinDivertHelperEvalFilter semantics (filter-language.md 8.5) on a compiled program: the
 * user library's variant of evaluation, as opposed to the driver's capture-time filtering.
 */
#ifndef DIVERT_CORE_HELPER_EVAL_H
#define DIVERT_CORE_HELPER_EVAL_H

#include <stdint.h>

#include "divert_abi.h"
#include "filter_eval.h"
#include "filter_program.h"

/*
 * Evaluates program (loaded with divert_program_load_user) for layer:
 *   NETWORK/NETWORK_FORWARD: packet (len bytes) must be decomposable by the user parser and
 *     addr->IPv6 must agree with its IP version; `length` is len (trailing bytes count);
 *   FLOW/SOCKET: packet must be NULL;  REFLECT: packet is ignored;  other layers: ERROR.
 * ERROR maps to WinDivert's FALSE with last error 87 (ERROR_INVALID_PARAMETER).
 */
divert_eval_result divert_helper_eval_filter(const divert_program *program, uint32_t layer,
                                             const uint8_t *packet, uint32_t len,
                                             const DIVERT_ADDRESS *addr);

#endif
