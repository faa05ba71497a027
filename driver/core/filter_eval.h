/*
 * The bounded filter evaluator (docs/spec/filter-object.md a.4, docs/spec/filter-language.md 5 and 8): runs a
 * loaded program against an address and, at the network layers, a decomposed packet.
 * Reentrant; no side effect but completing a lazy decomposition in place; at most 257 steps.
 */
#ifndef DIVERT_CORE_FILTER_EVAL_H
#define DIVERT_CORE_FILTER_EVAL_H

#include <stdint.h>

#include "divert_abi.h"
#include "core/filter_program.h"
#include "core/packet_parse.h"
#include "core/packet_view.h"

typedef enum divert_eval_result
{
    DIVERT_EVAL_ERROR = -1,   /* field illegal for the layer, step limit, missing input */
    DIVERT_EVAL_NOMATCH = 0,
    DIVERT_EVAL_MATCH = 1
} divert_eval_result;

/* Steps after which evaluation gives up (a.4). */
#define DIVERT_EVAL_MAX_STEPS 257

/*
 * Evaluates program for layer with the address (the Layer bits of addr are not consulted:
 * layer decides). For NETWORK/NETWORK_FORWARD, view and packet (its decomposition by
 * divert_parse_user or divert_parse_driver, or their lazy variants) are required; other
 * layers ignore them. The first field that needs the walk walks a lazy packet
 * (divert_packet_walk); ERROR if that fails. The `length` field is view->length. The driver
 * treats ERROR as "no match".
 */
divert_eval_result divert_filter_eval(const divert_program *program, uint32_t layer,
                                      const DIVERT_ADDRESS *addr, const divert_packet_view *view,
                                      divert_packet *packet);

#endif
