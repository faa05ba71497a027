#include "packet_view.h"

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

bool divert_view_read(const divert_packet_view *view, uint32_t offset, uint32_t len, uint8_t *out)
{
    if (offset > view->length || len > view->length - offset) {
        return false;
    }
    if (len == 0) {
        return true;
    }
    if (view->data != NULL) {
        /* The builtin, not a byte loop: parsing copies every header through here. */
        __builtin_memcpy(out, view->data + offset, len);
        return true;
    }
    return view->read != NULL && view->read(view->ctx, offset, len, out);
}
