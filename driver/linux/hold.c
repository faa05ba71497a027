/*
 * The held packets of one handle (hold.h): an intrusive list in capture order for ageing plus
 * a hash on the delivery stamp for SEND's lookup, so that both are O(1) without allocation.
 */
#include "hold.h"

#include <stddef.h>
#include <string.h>

static uint32_t bucket_of(int64_t stamp)
{
    uint64_t x = (uint64_t)stamp * UINT64_C(0x9E3779B97F4A7C15); /* Fibonacci hashing */
    return (uint32_t)(x >> 52) & (HOLD_BUCKETS - 1u);
}

void hold_init(hold_set *s)
{
    memset(s, 0, sizeof *s);
}

void hold_add(hold_set *s, hold_item *it)
{
    it->prev = s->newest;
    it->next = NULL;
    if (s->newest != NULL) {
        s->newest->next = it;
    } else {
        s->oldest = it;
    }
    s->newest = it;
    uint32_t b = bucket_of(it->stamp);
    it->chain = s->bucket[b];
    s->bucket[b] = it;
    it->held = 1;
    it->received = 0;
    s->count++;
}

void hold_remove(hold_set *s, hold_item *it)
{
    if (it->prev != NULL) {
        it->prev->next = it->next;
    } else {
        s->oldest = it->next;
    }
    if (it->next != NULL) {
        it->next->prev = it->prev;
    } else {
        s->newest = it->prev;
    }
    for (hold_item **pp = &s->bucket[bucket_of(it->stamp)]; *pp != NULL; pp = &(*pp)->chain) {
        if (*pp == it) {
            *pp = it->chain;
            break;
        }
    }
    it->prev = it->next = it->chain = NULL;
    it->held = 0;
    s->count--;
}

hold_item *hold_find_received(const hold_set *s, int64_t stamp)
{
    for (hold_item *it = s->bucket[bucket_of(stamp)]; it != NULL; it = it->chain) {
        if (it->stamp == stamp && it->received) {
            return it;
        }
    }
    return NULL;
}
