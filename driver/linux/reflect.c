/*
 * REFLECT (docs/spec/device-abi.md 12) for the Linux host: the open handles of this process are the
 * handle table, so OPEN/CLOSE events and a new REFLECT handle's snapshot are made by walking
 * it under table_mu. Apart from capture because it never touches the kernel.
 */
#define _GNU_SOURCE
#include "reflect.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/filter_eval.h"
#include "core/filter_object.h"
#include "core/queue.h"

/* Queues one event about `about` on REFLECT handle `r` if its filter matches. table_mu held. */
static void reflect_report(handle *r, const handle *about, uint8_t event)
{
    DIVERT_ADDRESS a;
    memset(&a, 0, sizeof a);
    a.Timestamp = now_ns();
    a.Layer = DIVERT_LAYER_REFLECT;
    a.Event = event;
    a.Sniffed = (r->core.flags & DIVERT_FLAG_SNIFF) != 0;
    a.Reflect = about->reflect;
    if (divert_filter_eval(&r->core.program, DIVERT_LAYER_REFLECT, &a, NULL, NULL) != DIVERT_EVAL_MATCH) {
        return;
    }
    char object[DIVERT_OBJECT_MAXLEN];
    size_t len = divert_program_encode_object(&about->core.program, object, sizeof object);
    entry *e = malloc(sizeof *e + len);
    if (e == NULL) {
        return;
    }
    e->addr = a;
    e->hold.held = 0;
    e->q.length = (uint32_t)len;
    memcpy(e->data, object, len);
    pthread_mutex_lock(&r->mu);
    if (divert_handle_may_queue(&r->core)) {
        free_entries(divert_queue_push(&r->core.queue, &e->q, (uint64_t)a.Timestamp));
        pthread_cond_broadcast(&r->cv);
    } else {
        free(e);
    }
    pthread_mutex_unlock(&r->mu);
}

void reflect_started(handle *h)
{
    int is_reflect = h->core.layer == DIVERT_LAYER_REFLECT;
    h->reflect.Timestamp = now_ns();
    h->reflect.ProcessId = (uint32_t)getpid();
    h->reflect.Layer = h->core.layer;
    h->reflect.Flags = h->core.flags;
    h->reflect.Priority = h->core.priority;
    pthread_mutex_lock(&table_mu);
    h->started = 1;
    for (uint32_t i = 0; i < MAX_HANDLES; i++) {
        handle *o = table[i];
        if (o == NULL || o == h || !o->started || (o->core.layer == DIVERT_LAYER_REFLECT) == is_reflect) {
            continue;
        }
        if (is_reflect) {
            reflect_report(h, o, DIVERT_EVENT_REFLECT_OPEN);
        } else {
            reflect_report(o, h, DIVERT_EVENT_REFLECT_OPEN);
        }
    }
    if (is_reflect) {
        pthread_mutex_lock(&h->mu);
        divert_handle_reflect_ready(&h->core);
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
    pthread_mutex_unlock(&table_mu);
}

void reflect_closing(handle *h)
{
    pthread_mutex_lock(&table_mu);
    if (h->started && h->core.layer != DIVERT_LAYER_REFLECT) {
        for (uint32_t i = 0; i < MAX_HANDLES; i++) {
            handle *o = table[i];
            if (o != NULL && o != h && o->started && o->core.layer == DIVERT_LAYER_REFLECT) {
                reflect_report(o, h, DIVERT_EVENT_REFLECT_CLOSE);
            }
        }
    }
    h->started = 0;
    pthread_mutex_unlock(&table_mu);
}
