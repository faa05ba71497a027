/*
 * Request decoding, the handle state machine, the queue and the SEND loop, driven by an
 * arbitrary sequence of operations with a fake clock. Each operation: one op byte, then its
 * arguments from the input. Checks the queue's bookkeeping and the framing invariants.
 */
#include "core/capture.h"
#include "fuzz_input.h"
#include "core/handle.h"
#include "core/inject.h"
#include "core/ioctl.h"
#include "core_support.h"

#define POOL 64

static divert_handle handle;
static divert_queue_entry pool[POOL];
static bool in_use[POOL];
static uint64_t now;

static void release(divert_queue_entry *list)
{
    while (list != NULL) {
        divert_queue_entry *next = list->next;
        int i = (int)(list - pool);
        FUZZ_ASSERT(i >= 0 && i < POOL && in_use[i]);
        in_use[i] = false;
        list = next;
    }
}

static void check_queue(void)
{
    const divert_queue *q = &handle.queue;
    uint32_t count = 0, used = 0;
    uint64_t bytes = 0;
    for (const divert_queue_entry *e = q->head; e != NULL; e = e->next) {
        FUZZ_ASSERT(e->next != NULL || e == q->tail);
        FUZZ_ASSERT(e->next == NULL || e->next->prev == e);
        count++;
        bytes += e->length + q->overhead;
    }
    for (int i = 0; i < POOL; i++) used += in_use[i];
    FUZZ_ASSERT(count == q->count && bytes == q->bytes && used == count);
}

static void reset(uint8_t ticks)
{
    divert_handle_init(&handle, (uint64_t)ticks + 1, 32);
    memset(in_use, 0, sizeof in_use);
    now = 0;
}

static void template_version(uint8_t *v)
{
    static const uint8_t dll[8] = {0x24, 0x57, 0x64, 0x69, 0x76, 0x44, 0x4C, 0x4C};
    memset(v, 0, 64);
    memcpy(v, dll, 8);
    v[8] = 2;
    v[12] = 2;
    v[16] = 64;
}

static void request(fuzz_input *in, divert_request_kind kind)
{
    uint8_t header[20], data[2048];
    uint8_t mode = fuzz_u8(in);
    uint32_t code = (mode & 0x80) ? fuzz_u32(in) : test_request_code(kind);
    size_t header_len = (mode & 0x40) ? fuzz_u8(in) % 21 : 16;
    fuzz_bytes(in, header, sizeof header);
    divert_request req;
    if (divert_request_decode(code, header, header_len, &req) != DIVERT_STATUS_SUCCESS) {
        return;
    }
    size_t data_len = fuzz_u8(in) * 8u;
    fuzz_bytes(in, data, data_len);
    switch (req.kind) {
    case DIVERT_REQUEST_INITIALIZE: {
        uint8_t version[64];
        if (mode & 1) {
            template_version(version);
        } else {
            memcpy(version, data, 64);
        }
        size_t vlen = (mode & 2) ? data_len : 64;
        divert_status st = divert_handle_initialize(&handle, &req, vlen <= 64 ? version : data,
                                                    vlen, 64, fuzz_u32(in));
        FUZZ_ASSERT(st != DIVERT_STATUS_SUCCESS || handle.initialized);
        break;
    }
    case DIVERT_REQUEST_STARTUP: {
        divert_handle_state before = handle.state;
        divert_status st = divert_handle_startup(&handle, &req, data, data_len);
        FUZZ_ASSERT(st != DIVERT_STATUS_SUCCESS || (before == DIVERT_HANDLE_OPENING
                                                    && handle.program.count > 0));
        break;
    }
    case DIVERT_REQUEST_RECV: {
        uint32_t max = 0, buffer = fuzz_u32(in) % 70000;
        if (divert_handle_recv(&handle, &req, fuzz_u32(in), &max) != DIVERT_STATUS_SUCCESS) {
            break;
        }
        FUZZ_ASSERT(max >= 1 && max <= DIVERT_BATCH_MAX);
        divert_recv_batch b;
        divert_queue_take_batch(&handle.queue, now, buffer, max, &b);
        release(b.expired);
        FUZZ_ASSERT(b.count <= max && b.bytes <= buffer);
        FUZZ_ASSERT(b.status == DIVERT_STATUS_SUCCESS || b.count == 1);
        uint32_t n = 0, total = 0;
        for (divert_queue_entry *e = b.entries; e != NULL; e = e->next, n++) {
            FUZZ_ASSERT(!divert_queue_entry_expired(&handle.queue, e, now));
            total += n == 0 ? b.first_length : e->length;
        }
        FUZZ_ASSERT(n == b.count && total == b.bytes);
        release(b.entries);
        if (b.count == 0) {
            (void)divert_handle_recv_action(&handle);
        }
        break;
    }
    case DIVERT_REQUEST_SEND: {
        if (divert_handle_send(&handle, &req) != DIVERT_STATUS_SUCCESS) {
            break;
        }
        divert_send_batch b;
        size_t off;
        uint32_t len, idx, bytes;
        static uint8_t copy[2048];
        divert_send_begin(&b, &req);
        while (divert_send_next(&b, data, data_len, &off, &len, &idx)) {
            FUZZ_ASSERT(off + len <= data_len && len >= 20);
            memcpy(copy, data + off, len);
            DIVERT_ADDRESS addr;
            memset(&addr, 0, sizeof addr);
            addr.Impostor = fuzz_u8(in) & 1;
            divert_send_result(&b, divert_inject_prepare(copy, len, &addr));
        }
        (void)divert_send_complete(&b, &bytes);
        FUZZ_ASSERT(bytes <= data_len);
        break;
    }
    case DIVERT_REQUEST_SET_PARAM:
        (void)divert_handle_set_param(&handle, &req);
        break;
    case DIVERT_REQUEST_GET_PARAM: {
        uint64_t value;
        (void)divert_handle_get_param(&handle, &req, (mode & 1) ? 8 : data_len, &value);
        break;
    }
    case DIVERT_REQUEST_SHUTDOWN:
        (void)divert_handle_shutdown(&handle, &req);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    reset(fuzz_u8(&in));
    for (int steps = 0; in.n > 0 && steps < 256; steps++) {
        uint8_t op = fuzz_u8(&in) % 10;
        if (op <= DIVERT_REQUEST_SHUTDOWN) {
            request(&in, (divert_request_kind)op);
        } else if (op == 7) {
            int slot = -1;
            for (int i = 0; i < POOL && slot < 0; i++) {
                if (!in_use[i]) slot = i;
            }
            uint32_t len = fuzz_u32(&in) % 70000;
            divert_capture_action action = divert_handle_capture_action(&handle, fuzz_u8(&in) % 10);
            FUZZ_ASSERT(!action.queue || divert_handle_may_queue(&handle));
            if (slot >= 0 && action.queue) {
                in_use[slot] = true;
                pool[slot].length = len;
                release(divert_queue_push(&handle.queue, &pool[slot], now));
                if (in_use[slot]) {   /* accepted: the limits hold after the evictions */
                    FUZZ_ASSERT(handle.queue.count <= handle.queue.max_length);
                    FUZZ_ASSERT(handle.queue.bytes <= handle.queue.max_bytes);
                }
            }
        } else if (op == 8) {
            now += fuzz_u32(&in) % 100000;
        } else {
            divert_queue_entry *re, *dis;
            divert_handle_close(&handle, now, &re, &dis);
            release(re);
            release(dis);
            FUZZ_ASSERT(handle.state == DIVERT_HANDLE_CLOSING);
        }
        check_queue();
    }
    return 0;
}
