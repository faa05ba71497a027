/*
 * The handle table of the Linux host (handles.h): ids are slot + generation, so a stale id
 * never reaches a reused slot; a reference keeps a handle alive while a request runs on it.
 * Also the pieces every other file of the host needs (errors, clock, freeing entries), kept
 * here so that none of them has to reach sideways or up for them.
 */
#define _GNU_SOURCE
#include "handles.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
handle *table[MAX_HANDLES];
uint32_t generation[MAX_HANDLES];
_Thread_local char last_message[256];

uint32_t fail(uint32_t error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return error;
}

uint32_t status_fail(divert_status st, const char *what)
{
    if (st == DIVERT_STATUS_SUCCESS) {
        return 0;
    }
    return fail(divert_status_win32_error(st), "%s: %s", what, divert_status_name(st));
}

void free_entries(divert_queue_entry *e)
{
    while (e != NULL) {
        divert_queue_entry *next = e->next;
        free(e);
        e = next;
    }
}

int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

handle *acquire(int32_t id)
{
    if (id <= 0) {
        return NULL;
    }
    uint32_t idx = (uint32_t)(id - 1) % MAX_HANDLES;
    uint32_t gen = (uint32_t)(id - 1) / MAX_HANDLES;
    handle *found = NULL;
    pthread_mutex_lock(&table_mu);
    handle *h = table[idx];
    if (h != NULL && (generation[idx] & 0x1FFFu) == gen) {
        pthread_mutex_lock(&h->mu);
        if (!h->closing) {
            h->refs++;
            found = h;
        }
        pthread_mutex_unlock(&h->mu);
    }
    pthread_mutex_unlock(&table_mu);
    return found;
}

void release(handle *h)
{
    pthread_mutex_lock(&h->mu);
    h->refs--;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}
