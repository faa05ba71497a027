#include "core/handle.h"

void divert_handle_init(divert_handle *h, uint64_t ticks_per_ms, uint32_t queue_overhead)
{
    h->state = DIVERT_HANDLE_OPENING;
    h->initialized = false;
    h->shutdown_recv = false;
    h->shutdown_send = false;
    h->reflect_ready = true;
    h->layer = 0;
    h->priority = 0;
    h->internal_priority = 0;
    h->flags = 0;
    h->filter_flags = 0;
    h->queue_length = DIVERT_PARAM_QUEUE_LENGTH_DEFAULT;
    h->queue_time_ms = DIVERT_PARAM_QUEUE_TIME_DEFAULT;
    h->queue_size = DIVERT_PARAM_QUEUE_SIZE_DEFAULT;
    h->ticks_per_ms = ticks_per_ms;
    h->program.count = 0;
    divert_queue_init(&h->queue, queue_overhead, ticks_per_ms);
}

static bool open_flags_ok(uint32_t layer, uint64_t flags)
{
    const uint64_t both_dirs = DIVERT_FLAG_RECV_ONLY | DIVERT_FLAG_SEND_ONLY;
    const uint64_t sniff_drop = DIVERT_FLAG_SNIFF | DIVERT_FLAG_DROP;
    if ((flags & ~DIVERT_FLAGS_ALL) != 0 || (flags & sniff_drop) == sniff_drop
        || (flags & both_dirs) == both_dirs) {
        return false;
    }
    switch (layer) {
    case DIVERT_LAYER_FLOW:
    case DIVERT_LAYER_REFLECT:
        return (flags & DIVERT_FLAG_SNIFF) && (flags & DIVERT_FLAG_RECV_ONLY);
    case DIVERT_LAYER_SOCKET:
        return (flags & DIVERT_FLAG_RECV_ONLY) != 0;
    default:
        return true;
    }
}

divert_status divert_handle_initialize(divert_handle *h, const divert_request *req,
                                       uint8_t *version, size_t version_len,
                                       uint32_t driver_bits, uint32_t counter)
{
    divert_status st = divert_version_exchange(version, version_len, driver_bits);
    if (st != DIVERT_STATUS_SUCCESS) {
        return st;
    }
    uint32_t layer = req->u.initialize.layer;
    uint32_t wire = req->u.initialize.priority;
    uint64_t flags = req->u.initialize.flags;
    if (layer > DIVERT_LAYER_MAX || wire > 2 * DIVERT_PRIORITY_WIRE_OFFSET
        || !open_flags_ok(layer, flags)) {
        return DIVERT_STATUS_INVALID_PARAMETER;
    }
    if (h->state != DIVERT_HANDLE_OPENING || h->initialized) {
        return DIVERT_STATUS_INVALID_DEVICE_STATE;
    }
    h->layer = layer;
    h->priority = (int16_t)((int32_t)wire - DIVERT_PRIORITY_WIRE_OFFSET);
    h->internal_priority = wire << 16 | (counter & 0xFFFFu);
    h->flags = flags;
    h->initialized = true;
    return DIVERT_STATUS_SUCCESS;
}

divert_status divert_handle_startup(divert_handle *h, const divert_request *req,
                                    const uint8_t *program, size_t program_len)
{
    if ((req->u.startup.flags & ~DIVERT_FILTER_FLAGS_ALL) != 0) {
        return DIVERT_STATUS_INVALID_PARAMETER;
    }
    if (h->state != DIVERT_HANDLE_OPENING || !h->initialized) {
        return DIVERT_STATUS_INVALID_DEVICE_STATE;
    }
    h->state = DIVERT_HANDLE_OPEN;
    h->filter_flags = req->u.startup.flags;
    h->reflect_ready = h->layer != DIVERT_LAYER_REFLECT;
    return divert_program_load_driver(program, program_len, h->layer, &h->program);
}

divert_status divert_handle_recv(const divert_handle *h, const divert_request *req,
                                 uint32_t addr_len, uint32_t *max_packets)
{
    divert_status st = divert_recv_check_addresses(req, addr_len, max_packets);
    if (st != DIVERT_STATUS_SUCCESS) {
        return st;
    }
    if (h->flags & DIVERT_FLAG_SEND_ONLY) {
        return DIVERT_STATUS_INVALID_PARAMETER;
    }
    if (h->state != DIVERT_HANDLE_OPEN) {
        return DIVERT_STATUS_INVALID_DEVICE_STATE;
    }
    return DIVERT_STATUS_SUCCESS;
}

divert_recv_action divert_handle_recv_action(const divert_handle *h)
{
    if (h->queue.count > 0) {
        return DIVERT_RECV_DELIVER;
    }
    return h->shutdown_recv && h->reflect_ready ? DIVERT_RECV_PIPE_EMPTY : DIVERT_RECV_PEND;
}

divert_status divert_handle_send(const divert_handle *h, const divert_request *req)
{
    divert_status st = divert_send_check_addresses(req);
    if (st != DIVERT_STATUS_SUCCESS) {
        return st;
    }
    if (h->state != DIVERT_HANDLE_OPEN) {
        return DIVERT_STATUS_INVALID_DEVICE_STATE;
    }
    if (h->shutdown_send) {
        return DIVERT_STATUS_PIPE_EMPTY;
    }
    if ((h->flags & DIVERT_FLAG_RECV_ONLY) || h->layer > DIVERT_LAYER_NETWORK_FORWARD) {
        return DIVERT_STATUS_INVALID_PARAMETER;
    }
    return DIVERT_STATUS_SUCCESS;
}

divert_status divert_handle_set_param(divert_handle *h, const divert_request *req)
{
    uint32_t param = req->u.set_param.param;
    uint64_t value = req->u.set_param.value;
    divert_status st = divert_param_check(param, value);
    if (st != DIVERT_STATUS_SUCCESS) {
        return st;
    }
    if (h->state != DIVERT_HANDLE_OPEN) {
        return DIVERT_STATUS_INVALID_DEVICE_STATE;
    }
    switch (param) {
    case DIVERT_PARAM_QUEUE_LENGTH: h->queue_length = (uint32_t)value; break;
    case DIVERT_PARAM_QUEUE_TIME: h->queue_time_ms = (uint32_t)value; break;
    default: h->queue_size = (uint32_t)value; break;
    }
    divert_queue_set_limits(&h->queue, h->queue_length, h->queue_size,
                            (uint64_t)h->queue_time_ms * h->ticks_per_ms);
    return DIVERT_STATUS_SUCCESS;
}

divert_status divert_handle_get_param(const divert_handle *h, const divert_request *req,
                                      size_t data_len, uint64_t *value)
{
    uint32_t param = req->u.get_param.param;
    if (data_len != sizeof(uint64_t) || param > DIVERT_PARAM_MAX) {
        return DIVERT_STATUS_INVALID_PARAMETER;
    }
    if (h->state != DIVERT_HANDLE_OPEN) {
        return DIVERT_STATUS_INVALID_DEVICE_STATE;
    }
    switch (param) {
    case DIVERT_PARAM_QUEUE_LENGTH: *value = h->queue_length; break;
    case DIVERT_PARAM_QUEUE_TIME: *value = h->queue_time_ms; break;
    case DIVERT_PARAM_QUEUE_SIZE: *value = h->queue_size; break;
    case DIVERT_PARAM_VERSION_MAJOR: *value = DIVERT_VERSION_MAJOR; break;
    default: *value = DIVERT_VERSION_MINOR; break;
    }
    return DIVERT_STATUS_SUCCESS;
}

divert_status divert_handle_shutdown(divert_handle *h, const divert_request *req)
{
    uint32_t how = req->u.shutdown.how;
    if (how < DIVERT_SHUTDOWN_RECV || how > DIVERT_SHUTDOWN_BOTH) {
        return DIVERT_STATUS_INVALID_PARAMETER;
    }
    if (h->state != DIVERT_HANDLE_OPEN) {
        return DIVERT_STATUS_INVALID_DEVICE_STATE;
    }
    h->shutdown_recv |= (how & DIVERT_SHUTDOWN_RECV) != 0;
    h->shutdown_send |= (how & DIVERT_SHUTDOWN_SEND) != 0;
    return DIVERT_STATUS_SUCCESS;
}

void divert_handle_reflect_ready(divert_handle *h)
{
    h->reflect_ready = true;
}

bool divert_handle_may_queue(const divert_handle *h)
{
    return h->state == DIVERT_HANDLE_OPEN && !h->shutdown_recv;
}

bool divert_handle_sees_injected(const divert_handle *h, uint32_t injector_priority)
{
    return injector_priority > h->internal_priority;
}

void divert_handle_close(divert_handle *h, uint64_t now, divert_queue_entry **reinject,
                         divert_queue_entry **discard)
{
    divert_queue_entry *keep_tail = NULL, *drop_tail = NULL;
    bool can_reinject = h->layer <= DIVERT_LAYER_NETWORK_FORWARD && !(h->flags & DIVERT_FLAG_SNIFF);
    *reinject = *discard = NULL;
    h->state = DIVERT_HANDLE_CLOSING;
    divert_queue_entry *e = divert_queue_drain(&h->queue);
    while (e != NULL) {
        divert_queue_entry *next = e->next;
        bool keep = can_reinject && !divert_queue_entry_expired(&h->queue, e, now);
        divert_queue_entry **head = keep ? reinject : discard;
        divert_queue_entry **tail = keep ? &keep_tail : &drop_tail;
        e->next = NULL;
        e->prev = *tail;
        if (*tail != NULL) {
            (*tail)->next = e;
        } else {
            *head = e;
        }
        *tail = e;
        e = next;
    }
}
