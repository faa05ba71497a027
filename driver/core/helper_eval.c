#include "helper_eval.h"

#include <stddef.h>

#include "packet_parse.h"
#include "packet_view.h"

divert_eval_result divert_helper_eval_filter(const divert_program *program, uint32_t layer,
                                             const uint8_t *packet, uint32_t len,
                                             const DIVERT_ADDRESS *addr)
{
    if (program == NULL || addr == NULL) {
        return DIVERT_EVAL_ERROR;
    }
    switch (layer) {
    case DIVERT_LAYER_NETWORK:
    case DIVERT_LAYER_NETWORK_FORWARD: {
        if (packet == NULL) {
            return DIVERT_EVAL_ERROR;
        }
        divert_packet_view view = divert_view_flat(packet, len);
        divert_packet parsed;
        if (!divert_parse_user(&view, &parsed) || (addr->IPv6 != 0) != (parsed.ip_version == 6)) {
            return DIVERT_EVAL_ERROR;
        }
        return divert_filter_eval(program, layer, addr, &view, &parsed);
    }
    case DIVERT_LAYER_FLOW:
    case DIVERT_LAYER_SOCKET:
        if (packet != NULL) {
            return DIVERT_EVAL_ERROR;
        }
        return divert_filter_eval(program, layer, addr, NULL, NULL);
    case DIVERT_LAYER_REFLECT:
        return divert_filter_eval(program, layer, addr, NULL, NULL);
    default:
        return DIVERT_EVAL_ERROR;
    }
}
