#include "core/helper_eval.h"

#include <stddef.h>

#include "core/packet_parse.h"
#include "core/packet_view.h"

static divert_eval_result fail(divert_helper_error reason, divert_helper_error *why)
{
    if (why != NULL) {
        *why = reason;
    }
    return DIVERT_EVAL_ERROR;
}

static divert_eval_result run(const divert_program *program, uint32_t layer,
                              const DIVERT_ADDRESS *addr, const divert_packet_view *view,
                              divert_packet *parsed, divert_helper_error *why)
{
    divert_eval_result r = divert_filter_eval(program, layer, addr, view, parsed);
    if (r == DIVERT_EVAL_ERROR) {
        return fail(DIVERT_HELPER_EXECUTION, why);
    }
    if (why != NULL) {
        *why = DIVERT_HELPER_OK;
    }
    return r;
}

divert_eval_result divert_helper_eval_filter(const divert_program *program, uint32_t layer,
                                             const uint8_t *packet, uint32_t len,
                                             const DIVERT_ADDRESS *addr, divert_helper_error *why)
{
    if (program == NULL || addr == NULL) {
        return fail(DIVERT_HELPER_NULL_ARGUMENT, why);
    }
    switch (layer) {
    case DIVERT_LAYER_NETWORK:
    case DIVERT_LAYER_NETWORK_FORWARD: {
        if (packet == NULL) {
            return fail(DIVERT_HELPER_NO_PACKET, why);
        }
        divert_packet_view view = divert_view_flat(packet, len);
        divert_packet parsed;
        if (!divert_parse_user_lazy(&view, &parsed)) {
            return fail(DIVERT_HELPER_BAD_PACKET, why);
        }
        if ((addr->IPv6 != 0) != (parsed.ip_version == 6)) {
            return fail(DIVERT_HELPER_IPV6_MISMATCH, why);
        }
        return run(program, layer, addr, &view, &parsed, why);
    }
    case DIVERT_LAYER_FLOW:
    case DIVERT_LAYER_SOCKET:
        if (packet != NULL) {
            return fail(DIVERT_HELPER_UNEXPECTED_PACKET, why);
        }
        return run(program, layer, addr, NULL, NULL, why);
    case DIVERT_LAYER_REFLECT:
        return run(program, layer, addr, NULL, NULL, why);
    default:
        return fail(DIVERT_HELPER_BAD_LAYER, why);
    }
}
