/* The per-handle queue: limits, expiry with a fake clock, batch framing (docs/spec/device-abi.md 8). */
#include <string.h>

#include "divert_abi.h"
#include "core/queue.h"
#include "support.h"

static divert_queue_entry e[400];

static int index_of(const divert_queue_entry *x)
{
    return (int)(x - e);
}

/* Number of entries in a returned list; checks the indices follow first, first+1, ... */
static int list_run(const divert_queue_entry *l, int first)
{
    int n = 0;
    for (; l != NULL; l = l->next, n++) {
        CHECK_EQ(index_of(l), first + n);
    }
    return n;
}

static void fresh(divert_queue *q, uint32_t overhead)
{
    memset(e, 0, sizeof e);
    divert_queue_init(q, overhead, 10);
}

static void test_defaults_and_counts(void)
{
    divert_queue q;
    fresh(&q, 16);
    CHECK_EQ(q.max_length, 4096);
    CHECK_EQ(q.max_bytes, 4194304);
    CHECK_EQ(q.max_age, 2000 * 10);
    for (int i = 0; i < 3; i++) {
        e[i].length = 100;
        CHECK(divert_queue_push(&q, &e[i], (uint64_t)i) == NULL);
    }
    CHECK_EQ(q.count, 3);
    CHECK_EQ(q.bytes, 3 * 116);
    CHECK_EQ(e[1].time, 1);
    CHECK(q.head == &e[0] && q.tail == &e[2]);
    CHECK_EQ(list_run(divert_queue_drain(&q), 0), 3);
    CHECK(q.count == 0 && q.bytes == 0 && q.head == NULL && q.tail == NULL);
}

static void test_length_limit(void)
{
    divert_queue q;
    fresh(&q, 0);
    divert_queue_set_limits(&q, 3, 1000000, 1000);
    for (int i = 0; i < 3; i++) {
        e[i].length = 20;
        CHECK(divert_queue_push(&q, &e[i], 0) == NULL);
    }
    e[3].length = 20;
    CHECK_EQ(list_run(divert_queue_push(&q, &e[3], 0), 0), 1);
    CHECK_EQ(q.count, 3);
    CHECK(q.head == &e[1] && q.tail == &e[3]);
    /* a lowered limit applies at the next push: everything above it goes */
    divert_queue_set_limits(&q, 1, 1000000, 1000);
    CHECK_EQ(q.count, 3);
    e[4].length = 20;
    CHECK_EQ(list_run(divert_queue_push(&q, &e[4], 0), 1), 3);
    CHECK_EQ(q.count, 1);
    CHECK(q.head == &e[4]);
}

static void test_byte_limit(void)
{
    divert_queue q;
    fresh(&q, 10);
    divert_queue_set_limits(&q, 100, 100, 1000);
    e[0].length = 30;
    e[1].length = 30;
    CHECK(divert_queue_push(&q, &e[0], 0) == NULL);
    CHECK(divert_queue_push(&q, &e[1], 0) == NULL);
    CHECK_EQ(q.bytes, 80);
    e[2].length = 20;                       /* 80 + 30 > 100: the oldest goes */
    CHECK_EQ(list_run(divert_queue_push(&q, &e[2], 0), 0), 1);
    CHECK_EQ(q.bytes, 70);
    e[3].length = 90;                       /* exactly 100: fits after evicting everything */
    CHECK_EQ(list_run(divert_queue_push(&q, &e[3], 0), 1), 2);
    CHECK_EQ(q.count, 1);
    CHECK_EQ(q.bytes, 100);
    e[4].length = 91;                       /* larger than the whole queue: itself refused */
    divert_queue_entry *freed = divert_queue_push(&q, &e[4], 0);
    CHECK(freed == &e[4] && freed->next == NULL);
    CHECK_EQ(q.count, 1);
    CHECK(q.head == &e[3]);
    divert_queue_set_limits(&q, 100, 1000000, 1000);
    e[5].length = DIVERT_MTU_MAX + 1;       /* longer than any packet */
    CHECK(divert_queue_push(&q, &e[5], 0) == &e[5]);
    e[6].length = DIVERT_MTU_MAX;
    CHECK(divert_queue_push(&q, &e[6], 0) == NULL);
}

static void test_expiry(void)
{
    divert_queue q;
    fresh(&q, 0);
    divert_queue_set_limits(&q, 100, 1000000, 100);
    uint64_t times[] = {0, 70, 120};
    for (int i = 0; i < 3; i++) {
        e[i].length = 20;
        divert_queue_push(&q, &e[i], times[i]);
    }
    CHECK(divert_queue_expire(&q, 100) == NULL);        /* age == limit: still fresh */
    CHECK_EQ(list_run(divert_queue_expire(&q, 160), 0), 1);
    CHECK(divert_queue_expire(&q, 170) == NULL);
    CHECK_EQ(list_run(divert_queue_expire(&q, 171), 1), 1);
    CHECK(!divert_queue_entry_expired(&q, &e[2], 50)); /* clock behind the entry: age 0 */
    CHECK_EQ(list_run(divert_queue_expire(&q, UINT64_MAX), 2), 1);
    CHECK_EQ(q.count, 0);
    CHECK(divert_queue_expire(&q, 1000) == NULL);
}

static void test_batches(void)
{
    divert_queue q;
    divert_recv_batch b;
    fresh(&q, 0);
    divert_queue_set_limits(&q, 1000, 10000000, 100);
    divert_queue_take_batch(&q, 0, 1000, 10, &b);
    CHECK(b.count == 0 && b.entries == NULL && b.expired == NULL && b.status == DIVERT_STATUS_SUCCESS);

    uint32_t lens[] = {60, 40, 100, 20, 20};
    for (int i = 0; i < 5; i++) {
        e[i].length = lens[i];
        divert_queue_push(&q, &e[i], 0);
    }
    /* the first packet is always delivered, truncated when too long */
    divert_queue_take_batch(&q, 0, 50, 10, &b);
    CHECK_EQ(b.count, 1);
    CHECK_EQ(b.first_length, 50);
    CHECK_EQ(b.bytes, 50);
    CHECK_EQ(b.status, DIVERT_STATUS_BUFFER_TOO_SMALL);
    CHECK(b.entries == &e[0] && b.entries->next == NULL);
    /* then whole packets while they fit; the first that does not stays queued */
    divert_queue_take_batch(&q, 0, 139, 10, &b);
    CHECK_EQ(b.status, DIVERT_STATUS_SUCCESS);
    CHECK_EQ(list_run(b.entries, 1), 1);
    CHECK_EQ(b.bytes, 40);
    CHECK_EQ(b.first_length, 40);
    CHECK(q.head == &e[2]);
    /* the address slots limit the batch */
    divert_queue_take_batch(&q, 0, 1000, 2, &b);
    CHECK_EQ(list_run(b.entries, 2), 2);
    CHECK_EQ(b.bytes, 120);
    divert_queue_take_batch(&q, 0, 1000, 0, &b);
    CHECK_EQ(b.count, 0);
    CHECK_EQ(q.count, 1);
    /* a timed-out packet ends the batch; at the head it is dropped first */
    e[5].length = 20;
    e[6].length = 20;
    divert_queue_push(&q, &e[5], 50);
    divert_queue_push(&q, &e[6], 80);
    divert_queue_take_batch(&q, 120, 1000, 10, &b);     /* e4 (t=0) is 120 old: expired */
    CHECK_EQ(list_run(b.expired, 4), 1);
    CHECK_EQ(list_run(b.entries, 5), 2);
    e[7].length = 20;
    e[8].length = 20;
    divert_queue_push(&q, &e[7], 0);
    divert_queue_push(&q, &e[8], 0);
    divert_queue_push(&q, &e[9], 200);
    divert_queue_take_batch(&q, 101, 1000, 10, &b);
    CHECK_EQ(list_run(b.expired, 7), 2);
    CHECK_EQ(list_run(b.entries, 9), 1);
    /* events without data: the buffer size does not matter; never more than 255 */
    for (int i = 10; i < 310; i++) {
        e[i].length = 0;
        divert_queue_push(&q, &e[i], 200);
    }
    divert_queue_take_batch(&q, 200, 0, 1000, &b);
    CHECK_EQ(list_run(b.entries, 10), 255);
    CHECK_EQ(b.bytes, 0);
    CHECK_EQ(q.count, 45);
}

int main(void)
{
    test_defaults_and_counts();
    test_length_limit();
    test_byte_limit();
    test_expiry();
    test_batches();
    return test_finish("queue");
}
