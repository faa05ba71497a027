#include "core/queue.h"

#include <stddef.h>

#include "divert_abi.h"

void divert_queue_init(divert_queue *q, uint32_t overhead, uint64_t ticks_per_ms)
{
    q->head = q->tail = NULL;
    q->count = 0;
    q->bytes = 0;
    q->overhead = overhead;
    divert_queue_set_limits(q, DIVERT_PARAM_QUEUE_LENGTH_DEFAULT, DIVERT_PARAM_QUEUE_SIZE_DEFAULT,
                            DIVERT_PARAM_QUEUE_TIME_DEFAULT * ticks_per_ms);
}

void divert_queue_set_limits(divert_queue *q, uint32_t max_length, uint64_t max_bytes,
                             uint64_t max_age)
{
    q->max_length = max_length;
    q->max_bytes = max_bytes;
    q->max_age = max_age;
}

static uint64_t storage(const divert_queue *q, const divert_queue_entry *e)
{
    return (uint64_t)e->length + q->overhead;
}

bool divert_queue_entry_expired(const divert_queue *q, const divert_queue_entry *e, uint64_t now)
{
    /* a clock that went backwards gives age 0 rather than a huge unsigned age */
    return now > e->time && now - e->time > q->max_age;
}

static divert_queue_entry *pop_head(divert_queue *q)
{
    divert_queue_entry *e = q->head;
    q->head = e->next;
    if (q->head != NULL) {
        q->head->prev = NULL;
    } else {
        q->tail = NULL;
    }
    q->count--;
    q->bytes -= storage(q, e);
    e->next = e->prev = NULL;
    return e;
}

/* Appends e to the list (*head, *tail). */
static void append(divert_queue_entry **head, divert_queue_entry **tail, divert_queue_entry *e)
{
    e->next = NULL;
    e->prev = *tail;
    if (*tail != NULL) {
        (*tail)->next = e;
    } else {
        *head = e;
    }
    *tail = e;
}

divert_queue_entry *divert_queue_push(divert_queue *q, divert_queue_entry *e, uint64_t now)
{
    divert_queue_entry *freed = NULL, *freed_tail = NULL;
    e->time = now;
    if (e->length > DIVERT_MTU_MAX || storage(q, e) > q->max_bytes) {
        e->next = e->prev = NULL;
        return e;
    }
    while (q->head != NULL
           && (q->count + 1 > q->max_length || q->bytes + storage(q, e) > q->max_bytes)) {
        append(&freed, &freed_tail, pop_head(q));
    }
    append(&q->head, &q->tail, e);
    q->count++;
    q->bytes += storage(q, e);
    return freed;
}

divert_queue_entry *divert_queue_expire(divert_queue *q, uint64_t now)
{
    divert_queue_entry *freed = NULL, *freed_tail = NULL;
    while (q->head != NULL && divert_queue_entry_expired(q, q->head, now)) {
        append(&freed, &freed_tail, pop_head(q));
    }
    return freed;
}

divert_queue_entry *divert_queue_drain(divert_queue *q)
{
    divert_queue_entry *all = q->head;
    q->head = q->tail = NULL;
    q->count = 0;
    q->bytes = 0;
    return all;
}

void divert_queue_take_batch(divert_queue *q, uint64_t now, uint32_t data_len,
                             uint32_t max_packets, divert_recv_batch *out)
{
    divert_queue_entry *tail = NULL;
    out->entries = NULL;
    out->count = 0;
    out->first_length = 0;
    out->bytes = 0;
    out->status = DIVERT_STATUS_SUCCESS;
    out->expired = divert_queue_expire(q, now);
    if (q->head == NULL || max_packets == 0) {
        return;
    }
    divert_queue_entry *first = pop_head(q);
    append(&out->entries, &tail, first);
    out->count = 1;
    if (first->length > data_len) {
        out->first_length = data_len;
        out->bytes = data_len;
        out->status = DIVERT_STATUS_BUFFER_TOO_SMALL;
        return;
    }
    out->first_length = first->length;
    out->bytes = first->length;
    while (out->count < max_packets && out->count < DIVERT_BATCH_MAX && q->head != NULL
           && q->head->length <= data_len - out->bytes
           && !divert_queue_entry_expired(q, q->head, now)) {
        divert_queue_entry *e = pop_head(q);
        append(&out->entries, &tail, e);
        out->count++;
        out->bytes += e->length;
    }
}
