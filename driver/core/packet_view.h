/*
 * Read-only access to a packet's bytes, either a flat buffer or a host callback, so the
 * Windows glue can read a NET_BUFFER chain without first copying it into one buffer.
 *
 * Ownership: the view borrows the bytes (or the callback context); it never copies or frees
 * them, and they must stay valid and unchanged while the view is in use.
 */
#ifndef DIVERT_CORE_PACKET_VIEW_H
#define DIVERT_CORE_PACKET_VIEW_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Copies len bytes starting at offset into out. The core only asks for ranges inside
 * [0, length) of the view; returning false (e.g. the NET_BUFFER could not be mapped) makes
 * the caller treat the bytes as unavailable.
 */
typedef bool (*divert_read_fn)(void *ctx, uint32_t offset, uint32_t len, uint8_t *out);

typedef struct divert_packet_view
{
    const uint8_t *data;   /* flat bytes, or NULL when read is used */
    uint32_t length;       /* total bytes of the packet */
    divert_read_fn read;   /* used only when data is NULL */
    void *ctx;             /* passed to read */
} divert_packet_view;

/* A view over a flat buffer (data may be NULL only when length is 0). */
divert_packet_view divert_view_flat(const uint8_t *data, uint32_t length);

/* A view whose bytes come from read(ctx, ...). */
divert_packet_view divert_view_callback(divert_read_fn read, void *ctx, uint32_t length);

/*
 * Copies [offset, offset + len) into out. False, with out untouched or partly written, if the
 * range is not inside the packet or the callback failed.
 */
bool divert_view_read(const divert_packet_view *view, uint32_t offset, uint32_t len, uint8_t *out);

#endif
