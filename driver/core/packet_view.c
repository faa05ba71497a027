#include "core/packet_view.h"

#include <stddef.h>

divert_packet_view divert_view_flat(const uint8_t *data, uint32_t length)
{
    divert_packet_view v = {data, length, NULL, NULL};
    return v;
}

divert_packet_view divert_view_callback(divert_read_fn read, void *ctx, uint32_t length)
{
    divert_packet_view v = {NULL, length, read, ctx};
    return v;
}
