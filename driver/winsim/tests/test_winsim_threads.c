/*
 * The driver on several processors at once: real threads classify, receive, send, cancel, open
 * and close concurrently (each with its own simulated IRQL), with exact accounting of every
 * packet. Built twice: with ASan + UBSan (ctest winsim_threads) and with ThreadSanitizer
 * (driver/build-tsan, the TSan step of tests/run.sh), where any data race fails the run.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "winsim_test.h"

#define STACK_THREADS 4
#define PACKETS_PER_STACK 1000
#define USER_THREADS 3
#define PACKETS (STACK_THREADS * PACKETS_PER_STACK)
#define CHURN_HANDLES 12
#define UDP_FILTER (DIVERT_FILTER_FLAG_OUTBOUND | DIVERT_FILTER_FLAG_INBOUND | DIVERT_FILTER_FLAG_IP)

/* Packet `id` carries its id as the payload; even ids are outbound, odd ones inbound. */
static uint32_t build_numbered(uint8_t *out, uint32_t id)
{
    return build_udp_n(out, 53, &id, sizeof(id));
}

/* The id of a packet build_numbered made, or UINT32_MAX if it is not one. */
static uint32_t packet_number(const uint8_t *packet, uint32_t length)
{
    uint32_t id;
    if (length != 28 + sizeof(id) || packet[9] != 17)
    {
        return UINT32_MAX;
    }
    memcpy(&id, packet + 28, sizeof(id));
    return id < PACKETS ? id : UINT32_MAX;
}

static void wait_done(const winsim_request *r)
{
    while (!winsim_request_done(r))
    {
        sched_yield();
    }
}

typedef struct traffic
{
    winsim_file *file;
    uint32_t received[PACKETS];     /* RECVs that returned packet id (atomic) */
    uint32_t received_total;
    uint32_t stack_done;
    uint32_t churn_during;          /* churn handles started while the stack threads still ran */
} traffic;

typedef struct stack_worker
{
    traffic *shared;
    uint32_t index;
    pthread_t thread;
} stack_worker;

/* "A processor of the network stack": sends and receives its share of the packets. */
static void *stack_thread(void *argument)
{
    stack_worker *worker = argument;
    uint8_t packet[64];
    for (uint32_t i = 0; i < PACKETS_PER_STACK; i++)
    {
        uint32_t id = worker->index * PACKETS_PER_STACK + i;
        uint32_t length = build_numbered(packet, id);
        bool outbound = id % 2 == 0;
        winsim_verdict v = winsim_stack_packet(outbound, packet, length, &META, outbound ? 10 : 24);
        CHECK(v.blocked && v.absorbed);
    }
    __atomic_add_fetch(&worker->shared->stack_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* "A user thread": RECV, SEND the packet back, until RECV is shut down. */
static void *user_thread(void *argument)
{
    traffic *shared = argument;
    handle h = handle_on(shared->file);
    uint8_t packet[64];
    for (;;)
    {
        winsim_request *r = recv_start(&h);
        wait_done(r);
        int32_t status = winsim_request_status(r);
        uint32_t length = (uint32_t)winsim_request_information(r);
        winsim_request_free(r);
        if (status != STATUS_SUCCESS)
        {
            CHECK_EQ(status, STATUS_PIPE_EMPTY);
            break;
        }
        uint32_t id = packet_number(h.data, length);
        CHECK(id != UINT32_MAX);
        if (id == UINT32_MAX)
        {
            continue;
        }
        CHECK_EQ(h.addr->Outbound, id % 2 == 0);
        __atomic_add_fetch(&shared->received[id], 1, __ATOMIC_RELAXED);
        memcpy(packet, h.data, length);
        CHECK_EQ(send_packet(&h, h.addr, packet, length), STATUS_SUCCESS);
        __atomic_add_fetch(&shared->received_total, 1, __ATOMIC_RELEASE);
        winsim_run_deferred();                           /* completions on this "processor" */
    }
    handle_buffers_free(&h);
    return NULL;
}

/* Handles opened, started (SNIFF, above the diverting handle), received from and closed while
 * the traffic flows: their filters and callouts come and go under classifications that may
 * already be calling them. */
static void *churn_thread(void *argument)
{
    traffic *shared = argument;
    for (int i = 0; i < CHURN_HANDLES; i++)
    {
        handle c = open_handle();
        start_at(&c, 30100, DIVERT_FLAG_SNIFF, UDP_FILTER, DIVERT_FIELD_UDP);
        if (__atomic_load_n(&shared->stack_done, __ATOMIC_ACQUIRE) < STACK_THREADS)
        {
            shared->churn_during++;
        }
        winsim_request *r = recv_start(&c);
        close_handle(&c);                                /* cancels the RECV if still pending */
        CHECK(winsim_request_done(r));
        winsim_request_free(r);
    }
    return NULL;
}

/* The clock moves while the traffic flows: the handles' expiry timers fire (DPCs on this
 * "processor") and expire nothing, 100 ms being far below the queue time. */
static void *clock_thread(void *argument)
{
    traffic *shared = argument;
    for (int i = 0; i < 100 && __atomic_load_n(&shared->received_total, __ATOMIC_ACQUIRE) < PACKETS; i++)
    {
        winsim_advance_ms(1);
        sched_yield();
    }
    return NULL;
}

/*
 * Diverted traffic from STACK_THREADS stack threads, received and re-injected by USER_THREADS
 * user threads sharing one handle, while another thread opens and closes sniffing handles and
 * one more moves the clock (expiry timers fire); the main thread shuts RECV down once every
 * packet came back. Every packet is received exactly once and injected exactly once, in its own
 * direction; nothing leaks.
 */
static void test_concurrent_traffic(void)
{
    static traffic shared;
    memset(&shared, 0, sizeof(shared));
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle h = open_handle();
    start(&h, 0, UDP_FILTER, DIVERT_FIELD_UDP);
    shared.file = h.file;
    uint32_t before = winsim_injection_count();

    stack_worker stacks[STACK_THREADS];
    pthread_t users[USER_THREADS], churn, clock;
    for (uint32_t i = 0; i < USER_THREADS; i++) CHECK_EQ(pthread_create(&users[i], NULL, user_thread, &shared), 0);
    CHECK_EQ(pthread_create(&churn, NULL, churn_thread, &shared), 0);
    CHECK_EQ(pthread_create(&clock, NULL, clock_thread, &shared), 0);
    for (uint32_t i = 0; i < STACK_THREADS; i++)
    {
        stacks[i] = (stack_worker){ &shared, i, 0 };
        CHECK_EQ(pthread_create(&stacks[i].thread, NULL, stack_thread, &stacks[i]), 0);
    }
    for (uint32_t i = 0; i < STACK_THREADS; i++) CHECK_EQ(pthread_join(stacks[i].thread, NULL), 0);
    CHECK_EQ(pthread_join(churn, NULL), 0);
    CHECK_EQ(pthread_join(clock, NULL), 0);
    while (__atomic_load_n(&shared.received_total, __ATOMIC_ACQUIRE) < PACKETS)
    {
        sched_yield();
    }
    memset(h.header, 0, DIVERT_IOCTL_SIZE);
    put32(h.header, DIVERT_SHUTDOWN_RECV);
    CHECK_EQ(ioctl_done(&h, IOCTL_DIVERT_SHUTDOWN, 0, NULL), STATUS_SUCCESS);
    for (uint32_t i = 0; i < USER_THREADS; i++) CHECK_EQ(pthread_join(users[i], NULL), 0);
    winsim_run_deferred();

    static uint32_t injected[PACKETS];
    memset(injected, 0, sizeof(injected));
    uint32_t once = 0, foreign = 0;
    for (uint32_t i = before; i < winsim_injection_count(); i++)
    {
        const winsim_injection *inj = winsim_injection_get(i);
        uint32_t id = packet_number(inj->data, inj->length);
        if (id == UINT32_MAX)
        {
            foreign++;
            continue;
        }
        injected[id]++;
        CHECK_EQ(inj->kind, id % 2 == 0 ? WINSIM_INJECT_SEND : WINSIM_INJECT_RECEIVE);
    }
    for (uint32_t id = 0; id < PACKETS; id++)
    {
        CHECK_EQ(shared.received[id], 1);
        CHECK_EQ(injected[id], 1);
        once += shared.received[id] == 1 && injected[id] == 1;
    }
    CHECK_EQ(foreign, 0);
    fprintf(stderr, "winsim threads: %u packets from %d stack threads, %d user threads, %d sniffing handles "
            "opened and closed (%u while packets flowed): %u received and re-injected exactly once\n",
            (unsigned)PACKETS, STACK_THREADS, USER_THREADS, CHURN_HANDLES, (unsigned)shared.churn_during,
            (unsigned)once);
    close_handle(&h);
    CHECK_EQ(winsim_unload(), 0);
}

#define WAITERS 4

typedef struct pended
{
    winsim_file *file;
    winsim_request *request[WAITERS];   /* published once pended (atomic) */
    int32_t status[WAITERS];
    uint32_t may_free;                  /* the cancelling thread no longer touches the requests */
} pended;

typedef struct waiter
{
    pended *shared;
    uint32_t index;
    pthread_t thread;
} waiter;

static void *waiter_thread(void *argument)
{
    waiter *self = argument;
    handle h = handle_on(self->shared->file);
    winsim_request *r = recv_start(&h);
    CHECK(!winsim_request_done(r));
    __atomic_store_n(&self->shared->request[self->index], r, __ATOMIC_RELEASE);
    wait_done(r);
    self->shared->status[self->index] = winsim_request_status(r);
    while (!__atomic_load_n(&self->shared->may_free, __ATOMIC_ACQUIRE))
    {
        sched_yield();
    }
    winsim_request_free(r);
    handle_buffers_free(&h);
    return NULL;
}

static void *canceller_thread(void *argument)
{
    pended *shared = argument;
    for (uint32_t i = 0; i < WAITERS; i += 2)
    {
        winsim_cancel(shared->request[i]);
    }
    return NULL;
}

/*
 * RECVs pended by four threads; a fifth cancels two of them (CancelIo) while the main thread
 * closes the handle (cleanup cancels what is queued): each request completes exactly once
 * (the simulation fails a second completion), STATUS_CANCELLED, and nothing leaks.
 */
static void test_close_with_pended_recvs(void)
{
    static pended shared;
    memset(&shared, 0, sizeof(shared));
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle h = open_handle();
    start(&h, 0, UDP_FILTER, DIVERT_FIELD_UDP);
    shared.file = h.file;
    waiter waiters[WAITERS];
    for (uint32_t i = 0; i < WAITERS; i++)
    {
        waiters[i] = (waiter){ &shared, i, 0 };
        CHECK_EQ(pthread_create(&waiters[i].thread, NULL, waiter_thread, &waiters[i]), 0);
    }
    for (uint32_t i = 0; i < WAITERS; i++)
    {
        while (__atomic_load_n(&shared.request[i], __ATOMIC_ACQUIRE) == NULL)
        {
            sched_yield();
        }
    }
    pthread_t canceller;
    CHECK_EQ(pthread_create(&canceller, NULL, canceller_thread, &shared), 0);
    winsim_cleanup(h.file);
    CHECK_EQ(pthread_join(canceller, NULL), 0);
    __atomic_store_n(&shared.may_free, 1, __ATOMIC_RELEASE);
    uint32_t cancelled = 0;
    for (uint32_t i = 0; i < WAITERS; i++)
    {
        CHECK_EQ(pthread_join(waiters[i].thread, NULL), 0);
        CHECK_EQ(shared.status[i], STATUS_CANCELLED);
        cancelled += shared.status[i] == STATUS_CANCELLED;
    }
    fprintf(stderr, "winsim threads: close with %d RECVs pended on other threads, 2 cancelled meanwhile: "
            "%u completed STATUS_CANCELLED\n", WAITERS, (unsigned)cancelled);
    close_handle(&h);
    CHECK_EQ(winsim_unload(), 0);
}

/*
 * CloseHandle on another thread while a classification is already inside the handle's callout
 * (its filter found before the session closed): the handle must not be freed under it. The
 * close runs at FwpsQueryPacketInjectionState0, before the callout reads the handle and takes
 * its rundown; unregistering the callout waits for that classification, which then finds the
 * handle running down and lets the packet continue.
 */
static void test_close_during_classify(void)
{
    uint8_t packet[64];
    uint32_t length = build_numbered(packet, 0);
    CHECK_EQ(winsim_load(), STATUS_SUCCESS);
    handle h = open_handle();
    start(&h, 0, UDP_FILTER, DIVERT_FIELD_UDP);
    racer race = { winsim_close, h.file, 0, 0, false };
    winsim_hook_before("FwpsQueryPacketInjectionState0", racer_start, &race);
    winsim_verdict v = winsim_stack_packet(true, packet, length, &META, 0);
    CHECK_EQ(pthread_join(race.thread, NULL), 0);
    fprintf(stderr, "winsim threads: close during a classification of its callout: close waited %d, packet "
            "blocked %d (%u callouts)\n", race.waited, v.blocked, (unsigned)v.callouts);
    CHECK(race.waited);
    CHECK_EQ(v.callouts, 1);
    CHECK(!v.blocked);
    handle_buffers_free(&h);
    CHECK_EQ(winsim_unload(), 0);
}

int main(void)
{
    test_concurrent_traffic();
    test_close_with_pended_recvs();
    test_close_during_classify();
    return test_finish("winsim threads");
}
