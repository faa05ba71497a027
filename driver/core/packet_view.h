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
#include <stddef.h>
#include <stdint.h>

/* A bulk copy without pulling libc into the core: GCC/Clang builtin, MSVC's memcpy intrinsic. */
#if defined(__GNUC__) || defined(__clang__)
#define DIVERT_COPY(dst, src, len) __builtin_memcpy((dst), (src), (len))
#else
#include <string.h>
#define DIVERT_COPY(dst, src, len) memcpy((dst), (src), (len))
#endif

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
 * Inline (as is divert_view_bytes): the parser and the evaluator read every packet through
 * here, and for a flat view the whole read is a bounds check and a few moves.
 */
static inline bool divert_view_read(const divert_packet_view *view, uint32_t offset, uint32_t len,
                                    uint8_t *out)
{
    if (offset > view->length || len > view->length - offset) {
        return false;
    }
    if (len == 0) {
        return true;
    }
    if (view->data != NULL) {
        DIVERT_COPY(out, view->data + offset, len);
        return true;
    }
    return view->read != NULL && view->read(view->ctx, offset, len, out);
}

/*
 * The bytes [offset, offset + len): a pointer into a flat view's buffer, or storage (at least
 * len bytes) filled by the callback. NULL if the range is not inside the packet or the
 * callback failed.
 */
static inline const uint8_t *divert_view_bytes(const divert_packet_view *view, uint32_t offset,
                                               uint32_t len, uint8_t *storage)
{
    if (offset > view->length || len > view->length - offset) {
        return NULL;
    }
    if (view->data != NULL) {
        return view->data + offset;
    }
    return divert_view_read(view, offset, len, storage) ? storage : NULL;
}

#endif
