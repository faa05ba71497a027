#define _GNU_SOURCE
#include "host.h"

#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "callouts.h"
#include "divert_abi.h"
#include "filter_eval.h"
#include "filter_object.h"
#include "handle.h"
#include "hold.h"
#include "inject.h"
#include "rawsock.h"
#include "ioctl.h"
#include "nfq.h"
#include "packet_parse.h"
#include "queue.h"
#include "rules.h"
#include "prefilter.h"
#include "status.h"

#define ERR_ACCESS_DENIED       5u
#define ERR_INVALID_HANDLE      6u
#define ERR_INVALID_PARAMETER   87u
#define ERR_OPERATION_ABORTED   995u
#define ERR_NO_SYSTEM_RESOURCES 1450u

#define MAX_HANDLES 1024
#define TICKS_PER_MS 1000000u /* the clock is in nanoseconds */
/*
 * Holding (hold.h): at most HOLD_MAX packets per handle, each for at most HOLD_NS after its
 * capture. Held packets pin their sender's socket memory, so neither may grow without bound;
 * a packet sent back later than that is injected as a copy, exactly as without holding.
 */
#define HOLD_MAX 4096u
#define HOLD_NS  INT64_C(250000000)
/* The kernel queue takes the packets the reader has not read yet, plus the held ones. */
#define KERNEL_QUEUE_MAXLEN (DIVERT_WORK_QUEUE_LENGTH_MAX + HOLD_MAX)
/*
 * The capture thread takes up to READ_BURST datagrams per system call, wakes RECV once for
 * them all and then looks at the hold deadlines, at least every READ_TIMEOUT_MS when idle.
 */
#define READ_BURST 16u
#define READ_TIMEOUT_MS 100u
/* Internal storage per queued packet beyond its bytes, counted against QUEUE_SIZE. */
#define ENTRY_OVERHEAD 128u

static _Thread_local char last_message[256];

static uint32_t fail(uint32_t error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return error;
}

/* The core's verdict as the Win32 error the client sees, with its name as the message. */
static uint32_t status_fail(divert_status st, const char *what)
{
    if (st == DIVERT_STATUS_SUCCESS) {
        return 0;
    }
    return fail(divert_status_win32_error(st), "%s: %s", what, divert_status_name(st));
}

static void free_entries(divert_queue_entry *e)
{
    while (e != NULL) {
        divert_queue_entry *next = e->next;
        free(e);
        e = next;
    }
}

/* The host clock (ns since boot): the address Timestamp and the core's queue ticks. */
static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * A queued packet: the core links it through q (first member), the host owns the memory.
 * While hold.held, the kernel still has the packet: the entry lives on after RECV (received)
 * until SEND claims it or the hold ends.
 */
typedef struct entry
{
    divert_queue_entry q;
    hold_item          hold;
    DIVERT_ADDRESS     addr;
    uint8_t            data[];
} entry;

static entry *entry_of_hold(hold_item *it)
{
    return (entry *)(void *)((char *)it - offsetof(entry, hold));
}

/* A RECV waiting for a packet, findable by its slot for divert4j_cancel. */
typedef struct pending
{
    struct pending *next;
    uint64_t        slot;
    int             cancelled;
} pending;

typedef struct handle
{
    pthread_mutex_t mu;        /* serialises every core call on `core` */
    pthread_cond_t  cv;
    int             refs;
    int             closing;
    divert_handle   core;
    pending        *waiting;
    int             started;   /* STARTUP done: visible to REFLECT handles (table_mu) */
    DIVERT_DATA_REFLECT reflect;
    /* capture */
    int             have_queue;
    nfq_conn        nfq;
    rules_handle    rules;
    int             rules_installed;
    pthread_t       reader;
    int             reader_started;
    atomic_int      stop;      /* tells the capture thread to end */
    rawsock_set  inject;
    uint8_t        *rbuf;      /* READ_BURST datagrams of NFQ_RECV_BUFFER bytes */
    hold_set        held;      /* under mu */
    int64_t         last_stamp; /* capture thread only */
    nfq_verdicts    rverdicts;  /* capture thread only */
} handle;

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static handle *table[MAX_HANDLES];
static uint32_t generation[MAX_HANDLES];
static char owner_tag[RULES_OWNER_TAG_LEN + 1];
static int owner_ready;
static unsigned lo_index;
static atomic_uint init_counter;

/* ---- handle table ---------------------------------------------------------------------- */

static handle *acquire(int32_t id)
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

static void release(handle *h)
{
    pthread_mutex_lock(&h->mu);
    h->refs--;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

/* Once per process: owner tag, stale rules of dead owners, the watchdog for ours. */
static uint32_t prepare_owner(void)
{
    uint32_t rc = 0;
    pthread_mutex_lock(&table_mu);
    if (!owner_ready) {
        char err[512] = "";
        if (rules_owner_tag(owner_tag, 0) != 0) {
            rc = fail(ERR_NO_SYSTEM_RESOURCES, "cannot read /proc/self/stat");
        } else if (rules_remove_stale(err, sizeof err) < 0) {
            rc = fail(ERR_ACCESS_DENIED, "cannot list or clean netfilter rules (root needed): %s", err);
        } else if (rules_start_watchdog(owner_tag, err, sizeof err) != 0) {
            rc = fail(ERR_NO_SYSTEM_RESOURCES, "%s", err);
        } else {
            lo_index = if_nametoindex("lo");
            owner_ready = 1;
        }
    }
    pthread_mutex_unlock(&table_mu);
    return rc;
}

DIVERT4J_EXPORT uint32_t divert4j_open(int32_t *out)
{
    if (out == NULL) {
        return fail(ERR_INVALID_PARAMETER, "no handle pointer");
    }
    *out = 0;
    if (geteuid() != 0) {
        return fail(ERR_ACCESS_DENIED, "divert4j needs root (CAP_NET_ADMIN) on Linux");
    }
    handle *h = calloc(1, sizeof *h);
    if (h == NULL) {
        return fail(ERR_NO_SYSTEM_RESOURCES, "out of memory");
    }
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    divert_handle_init(&h->core, TICKS_PER_MS, ENTRY_OVERHEAD);
    h->nfq.fd = -1;
    rawsock_init(&h->inject, 0);
    hold_init(&h->held);
    pthread_mutex_lock(&table_mu);
    for (uint32_t i = 0; i < MAX_HANDLES; i++) {
        if (table[i] == NULL) {
            table[i] = h;
            uint32_t gen = generation[i] & 0x1FFFu; /* keeps the id a positive int32 */
            *out = (int32_t)(gen * MAX_HANDLES + i + 1);
            break;
        }
    }
    pthread_mutex_unlock(&table_mu);
    if (*out == 0) {
        free(h);
        return fail(ERR_NO_SYSTEM_RESOURCES, "too many handles (%d)", MAX_HANDLES);
    }
    return 0;
}

/* ---- capture ----------------------------------------------------------------------------- */

/* The mark that hands a packet back so that the handles after this one see it (rules.h). */
static uint32_t pass_mark(const handle *h, const nfq_packet *p)
{
    return (p->mark & ~RULES_MARK_MASK) | rules_mark(h->inject.id, p->hook == NF_INET_LOCAL_IN);
}

/*
 * Entries leaving the queue (expired, evicted, discarded) or the hold: the kernel's copy of a
 * held one is dropped (verdict collected in v). mu held.
 */
static void discard_entries(handle *h, divert_queue_entry *q, nfq_verdicts *v)
{
    while (q != NULL) {
        divert_queue_entry *next = q->next;
        entry *e = (entry *)(void *)q;
        if (e->hold.held) {
            hold_remove(&h->held, &e->hold);
            (void)nfq_verdicts_add(&h->nfq, v, e->hold.id, NFQ_DROP, NULL);
        }
        free(e);
        q = next;
    }
}

/*
 * Ends the holds older than HOLD_NS (all of them with `all`): the kernel drops its copy; an
 * entry still queued stays queued, a received one is freed. mu held.
 */
static void end_holds(handle *h, int64_t now, int all, nfq_verdicts *v)
{
    hold_item *it;
    while ((it = h->held.oldest) != NULL && (all || it->stamp + HOLD_NS <= now)) {
        entry *e = entry_of_hold(it);
        int received = it->received;
        hold_remove(&h->held, it);
        (void)nfq_verdicts_add(&h->nfq, v, it->id, NFQ_DROP, NULL);
        if (received) {
            free(e);
        }
    }
}

/* Returns 1 when the packet was queued for RECV. */
static int on_packet(handle *h, const nfq_packet *p)
{
    const divert_handle *c = &h->core; /* layer, flags and program are fixed once OPEN */
    DIVERT_ADDRESS a;
    memset(&a, 0, sizeof a);
    /* Strictly increasing: the stamp is what SEND finds a held packet by. */
    int64_t now = now_ns();
    if (now <= h->last_stamp) {
        now = h->last_stamp + 1;
    }
    h->last_stamp = now;
    a.Timestamp = now;
    a.Layer = c->layer;
    a.Event = DIVERT_EVENT_NETWORK_PACKET;
    a.IPv6 = p->family == NFPROTO_IPV6;
    if (p->hook == NF_INET_LOCAL_IN) {
        a.Network.IfIdx = p->indev;
    } else {
        a.Outbound = 1;
        a.Network.IfIdx = p->outdev;
        a.Loopback = c->layer == DIVERT_LAYER_NETWORK && p->outdev == lo_index;
        /* Locally generated packets reach us with their checksums computed (no F_GSO). */
        a.IPChecksum = a.TCPChecksum = a.UDPChecksum = p->hook == NF_INET_LOCAL_OUT;
    }
    divert_packet_view view = divert_view_flat(p->payload, p->payload_len);
    divert_packet pkt;
    /* Inbound packets are seen reassembled (INPUT), so a FRAGMENTS handle matches none. */
    int match = p->cap_len == 0 && p->payload_len <= DIVERT_MTU_MAX
                && divert_parse_driver(&view, a.IPv6, &pkt)
                && !(p->hook == NF_INET_LOCAL_IN && pkt.fragment != ((c->flags & DIVERT_FLAG_FRAGMENTS) != 0))
                && divert_filter_eval(&c->program, c->layer, &a, &view, &pkt) == DIVERT_EVAL_MATCH;
    nfq_verdicts *v = &h->rverdicts;
    uint32_t mark = pass_mark(h, p);
    pthread_mutex_lock(&h->mu);
    if (!match || !divert_handle_may_queue(&h->core)) {
        pthread_mutex_unlock(&h->mu);
        (void)nfq_verdicts_add(&h->nfq, v, p->id, NFQ_REPEAT, &mark);
        return 0;
    }
    int sniff = (c->flags & DIVERT_FLAG_SNIFF) != 0;
    int held = 0, queued = 0;
    if (!(c->flags & DIVERT_FLAG_DROP)) {
        entry *e = malloc(sizeof *e + p->payload_len);
        if (e != NULL) {
            a.Sniffed = sniff;
            e->addr = a;
            e->q.length = p->payload_len;
            memcpy(e->data, p->payload, p->payload_len);
            e->hold.held = 0;
            if (!sniff && !(c->flags & DIVERT_FLAG_RECV_ONLY) && h->held.count < HOLD_MAX) {
                e->hold.stamp = now;
                e->hold.id = p->id;
                e->hold.pass_mark = mark;
                hold_add(&h->held, &e->hold);
                held = 1;
            }
            discard_entries(h, divert_queue_expire(&h->core.queue, (uint64_t)now), v);
            /* The push may refuse e itself: then its hold ends at once, with a drop. */
            discard_entries(h, divert_queue_push(&h->core.queue, &e->q, (uint64_t)now), v);
            queued = 1;
        }
    }
    pthread_mutex_unlock(&h->mu);
    if (sniff) {
        (void)nfq_verdicts_add(&h->nfq, v, p->id, NFQ_REPEAT, &mark);
    } else if (!held) {
        (void)nfq_verdicts_add(&h->nfq, v, p->id, NFQ_DROP, NULL);
    }
    return queued;
}

/*
 * Reads what the socket holds (a burst at most; with `wait`, waits for the first datagram up
 * to READ_TIMEOUT_MS), wakes RECV once for all of it, ends the holds that are due. Returns the
 * number of datagrams read, or a negative errno (-EAGAIN: none).
 */
static int read_packets(handle *h, int wait)
{
    uint32_t lens[READ_BURST];
    int got = nfq_recv_many(&h->nfq, h->rbuf, NFQ_RECV_BUFFER, READ_BURST, lens, wait);
    int queued = 0;
    for (int i = 0; i < got; i++) {
        const uint8_t *d = h->rbuf + (size_t)i * NFQ_RECV_BUFFER;
        size_t off = 0;
        nfq_packet p;
        int rc;
        while (lens[i] > 0 && (rc = nfq_parse(d, lens[i], &off, &p)) != 0) {
            if (rc == 1) {
                queued |= on_packet(h, &p);
            } else if (rc == -EBADMSG) {
                break;
            }
        }
    }
    pthread_mutex_lock(&h->mu);
    end_holds(h, now_ns(), 0, &h->rverdicts);
    if (queued) {
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    (void)nfq_verdicts_flush(&h->nfq, &h->rverdicts);
    return got;
}

static void *reader_main(void *arg)
{
    handle *h = arg;
    while (!atomic_load(&h->stop)) {
        (void)read_packets(h, 1);
    }
    return NULL;
}

/* The netfilter hooks of the core's interception points (device-abi.md 4.2). */
static unsigned capture_hooks(uint32_t layer, uint64_t filter_flags)
{
    static const struct { divert_hook hook; unsigned rule; } map[] = {
        {DIVERT_HOOK_OUTBOUND_IPPACKET_V4, RULES_OUT_V4}, {DIVERT_HOOK_OUTBOUND_IPPACKET_V6, RULES_OUT_V6},
        {DIVERT_HOOK_INBOUND_IPPACKET_V4, RULES_IN_V4},   {DIVERT_HOOK_INBOUND_IPPACKET_V6, RULES_IN_V6},
        {DIVERT_HOOK_IPFORWARD_V4, RULES_FWD_V4},         {DIVERT_HOOK_IPFORWARD_V6, RULES_FWD_V6},
    };
    uint32_t hooks = divert_hooks_for(layer, filter_flags);
    unsigned rules = 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (hooks & (UINT32_C(1) << map[i].hook)) {
            rules |= map[i].rule;
        }
    }
    return rules;
}

/* Queue, rules and reader thread for a handle that has just become OPEN. */
static uint32_t start_capture(handle *h)
{
    unsigned capture = capture_hooks(h->core.layer, h->core.filter_flags);
    unsigned release = capture;
    if (h->core.layer == DIVERT_LAYER_NETWORK && !(h->core.flags & DIVERT_FLAG_RECV_ONLY)) {
        release |= RULES_OUT_V4 | RULES_OUT_V6 | RULES_IN_V4 | RULES_IN_V6;
    }
    if (release == 0) {
        return 0; /* captures nothing and injects nothing another handle must skip */
    }
    uint32_t rc = prepare_owner();
    if (rc != 0) {
        return rc;
    }
    int e = nfq_open(&h->nfq);
    if (e == 0) {
        e = nfq_bind_free(&h->nfq, RULES_QUEUE_FIRST, RULES_QUEUE_COUNT);
    }
    if (e == 0) {
        e = nfq_set_copy_packet(&h->nfq, 0xFFFF);
    }
    if (e == 0) {
        e = nfq_set_maxlen(&h->nfq, KERNEL_QUEUE_MAXLEN);
    }
    if (e != 0) {
        return fail(e == -EPERM ? ERR_ACCESS_DENIED : ERR_NO_SYSTEM_RESOURCES, "NFQUEUE: %s", strerror(-e));
    }
    h->have_queue = 1;
    rawsock_init(&h->inject, (uint16_t)(h->nfq.queue - RULES_QUEUE_FIRST));
    if (capture != 0) {
        h->rbuf = malloc((size_t)READ_BURST * NFQ_RECV_BUFFER);
        if (h->rbuf == NULL) {
            return fail(ERR_NO_SYSTEM_RESOURCES, "out of memory");
        }
        e = nfq_set_recv_timeout(&h->nfq, READ_TIMEOUT_MS);
        if (e != 0) {
            return fail(ERR_NO_SYSTEM_RESOURCES, "NFQUEUE: %s", strerror(-e));
        }
        if (pthread_create(&h->reader, NULL, reader_main, h) != 0) {
            return fail(ERR_NO_SYSTEM_RESOURCES, "cannot start the capture thread");
        }
        h->reader_started = 1;
    }
    memset(&h->rules, 0, sizeof h->rules);
    snprintf(h->rules.tag, sizeof h->rules.tag, "%s%04x", owner_tag, h->nfq.queue);
    h->rules.queue = h->nfq.queue;
    h->rules.priority = h->core.priority;
    h->rules.capture = capture;
    h->rules.release = release;
    prefilter_prepare(&h->rules, &h->core.program);
    char err[1024] = "";
    if (rules_install(&h->rules, err, sizeof err) != 0) {
        return fail(ERR_ACCESS_DENIED, "cannot install netfilter rules: %s", err);
    }
    h->rules_installed = 1;
    return 0;
}

/* ---- REFLECT (device-abi.md 12): the handles of this process ------------------------------ */

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

/* After STARTUP: OPEN events for REFLECT handles, or a new REFLECT handle's snapshot. */
static void reflect_started(handle *h)
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

/* At close: CLOSE events for the REFLECT handles. */
static void reflect_closing(handle *h)
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

/* ---- requests ---------------------------------------------------------------------------- */

static uint32_t do_initialize(handle *h, const divert_request *req, uint8_t *data, uint32_t len,
                              uint32_t *bytes)
{
    uint32_t layer = req->u.initialize.layer;
    if (layer == DIVERT_LAYER_FLOW || layer == DIVERT_LAYER_SOCKET) {
        /* Answered like any handshake, but the handle stays uninitialized. */
        divert_status st = divert_version_exchange(data, len, 64);
        if (st != DIVERT_STATUS_SUCCESS) {
            return status_fail(st, "INITIALIZE");
        }
        *bytes = DIVERT_VERSION_SIZE;
        return fail(ERR_INVALID_PARAMETER, "the %s layer is not supported on Linux (netfilter queues packets only)",
                    layer == DIVERT_LAYER_FLOW ? "FLOW" : "SOCKET");
    }
    pthread_mutex_lock(&h->mu);
    divert_status st = divert_handle_initialize(&h->core, req, data, len, 64,
                                                atomic_fetch_add(&init_counter, 1u));
    pthread_mutex_unlock(&h->mu);
    if (st != DIVERT_STATUS_SUCCESS) {
        return status_fail(st, "INITIALIZE");
    }
    *bytes = DIVERT_VERSION_SIZE;
    return 0;
}

static uint32_t do_startup(handle *h, const divert_request *req, const uint8_t *data, uint32_t len)
{
    pthread_mutex_lock(&h->mu);
    divert_status st = divert_handle_startup(&h->core, req, data, len);
    pthread_mutex_unlock(&h->mu);
    if (st != DIVERT_STATUS_SUCCESS) {
        return status_fail(st, "STARTUP");
    }
    uint32_t rc = start_capture(h);
    if (rc == 0) {
        reflect_started(h);
    }
    return rc;
}

static uint32_t do_recv(handle *h, uint64_t slot, const divert_request *req, uint8_t *data,
                        uint32_t len, uint32_t *bytes)
{
    DIVERT_ADDRESS *addrs = (DIVERT_ADDRESS *)(uintptr_t)req->u.recv.addr;
    uint32_t *addr_len_ptr = (uint32_t *)(uintptr_t)req->u.recv.addr_len_ptr;
    uint32_t addr_len = addr_len_ptr != NULL ? *addr_len_ptr : 0;
    uint32_t max = 0;
    divert_recv_batch batch = {0};
    nfq_verdicts v;
    nfq_verdicts_init(&v);
    pthread_mutex_lock(&h->mu);
    divert_status st = divert_handle_recv(&h->core, req, addr_len, &max);
    if (st != DIVERT_STATUS_SUCCESS) {
        pthread_mutex_unlock(&h->mu);
        return status_fail(st, "RECV");
    }
    pending me = {.next = h->waiting, .slot = slot, .cancelled = 0};
    h->waiting = &me;
    uint32_t rc = 0;
    for (;;) {
        divert_recv_action action = divert_handle_recv_action(&h->core);
        if (action == DIVERT_RECV_DELIVER) {
            divert_queue_take_batch(&h->core.queue, (uint64_t)now_ns(), len, max, &batch);
            discard_entries(h, batch.expired, &v);
            if (batch.count > 0) {
                break;
            }
        } else if (action == DIVERT_RECV_PIPE_EMPTY) {
            rc = status_fail(DIVERT_STATUS_PIPE_EMPTY, "RECV");
            break;
        } else if (me.cancelled || h->closing) {
            rc = fail(ERR_OPERATION_ABORTED, "RECV cancelled");
            break;
        } else {
            pthread_cond_wait(&h->cv, &h->mu);
        }
    }
    for (pending **pp = &h->waiting; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == &me) {
            *pp = me.next;
            break;
        }
    }
    pthread_mutex_unlock(&h->mu);
    (void)nfq_verdicts_flush(&h->nfq, &v);
    if (rc != 0) {
        return rc;
    }
    uint32_t off = 0, i = 0;
    for (divert_queue_entry *q = batch.entries; q != NULL; q = q->next, i++) {
        entry *e = (entry *)(void *)q;
        uint32_t n = i == 0 ? batch.first_length : q->length;
        if (n > 0) {
            memcpy(data + off, e->data, n);
        }
        off += n;
        if (addrs != NULL) {
            memcpy(&addrs[i], &e->addr, sizeof e->addr);
        }
    }
    /* What the kernel still holds waits for SEND; the rest is done with. */
    pthread_mutex_lock(&h->mu);
    for (divert_queue_entry *q = batch.entries, *next; q != NULL; q = next) {
        entry *e = (entry *)(void *)q;
        next = q->next;
        if (e->hold.held) {
            e->hold.received = 1;
        } else {
            free(e);
        }
    }
    pthread_mutex_unlock(&h->mu);
    if (addr_len_ptr != NULL) {
        *addr_len_ptr = batch.count * DIVERT_ADDRESS_SIZE;
    }
    *bytes = batch.bytes;
    return status_fail(batch.status, "RECV");
}

/* 9.1 step 3-4: puts one prepared packet on its way. */
static divert_status inject_one(handle *h, uint8_t *pkt, uint32_t len, const DIVERT_ADDRESS *a)
{
    int inbound = h->core.layer == DIVERT_LAYER_NETWORK_FORWARD || !a->Outbound;
    int e = rawsock_send(&h->inject, pkt, len, inbound, a->Network.IfIdx);
    if (e == -EMSGSIZE && !inbound) {
        /* Larger than the path MTU: tell the sender, as the stack would. */
        uint8_t scratch[1280]; /* the longest reply: IPv6's minimum MTU */
        uint32_t n;
        if (divert_build_too_big(pkt, len, scratch, sizeof scratch, &n)) {
            (void)rawsock_send(&h->inject, scratch, n, 1, a->Network.IfIdx);
        }
        return DIVERT_STATUS_SUCCESS;
    }
    if (e == -ENOMEM) {
        return DIVERT_STATUS_INSUFFICIENT_RESOURCES;
    }
    if (e != 0) {
        fail(0, "injection: %s", strerror(-e));
        /* Soft errors: unreachable as such (1232), anything else as a bad packet (87). */
        return e == -ENETUNREACH || e == -EHOSTUNREACH ? DIVERT_STATUS_HOPLIMIT_EXCEEDED
                                                       : DIVERT_STATUS_INVALID_PARAMETER;
    }
    return DIVERT_STATUS_SUCCESS;
}

/*
 * SEND of a packet the kernel may still hold (found by its stamp): sent back unchanged, the
 * original goes on (its verdict collected in v) and 1 is returned. Otherwise 0: the caller
 * injects pkt, and a held original that was modified or redirected is dropped.
 */
static int release_held(handle *h, const uint8_t *pkt, uint32_t len, const DIVERT_ADDRESS *a, nfq_verdicts *v)
{
    int same = 0;
    pthread_mutex_lock(&h->mu);
    hold_item *it = hold_find_received(&h->held, a->Timestamp);
    if (it != NULL) {
        entry *e = entry_of_hold(it);
        same = e->q.length == len && e->addr.Outbound == a->Outbound && e->addr.IPv6 == a->IPv6
               && e->addr.Network.IfIdx == a->Network.IfIdx && e->addr.Network.SubIfIdx == a->Network.SubIfIdx
               && memcmp(e->data, pkt, len) == 0;
        hold_remove(&h->held, it);
        (void)nfq_verdicts_add(&h->nfq, v, it->id, same ? NFQ_REPEAT : NFQ_DROP, same ? &it->pass_mark : NULL);
        free(e);
    }
    pthread_mutex_unlock(&h->mu);
    return same;
}

static uint32_t do_send(handle *h, const divert_request *req, const uint8_t *data, uint32_t len,
                        uint32_t *bytes)
{
    pthread_mutex_lock(&h->mu);
    divert_status st = divert_handle_send(&h->core, req);
    pthread_mutex_unlock(&h->mu);
    if (st != DIVERT_STATUS_SUCCESS) {
        return status_fail(st, "SEND");
    }
    /* The host's private copy of each packet (9.1): on the stack unless it is large. */
    uint8_t small[2048], *large = NULL;
    uint32_t large_cap = 0;
    const uint8_t *addrs = (const uint8_t *)(uintptr_t)req->u.send.addr;
    nfq_verdicts v;
    nfq_verdicts_init(&v);
    divert_send_batch b;
    divert_send_begin(&b, req);
    size_t off;
    uint32_t plen, index;
    while (divert_send_next(&b, data, len, &off, &plen, &index)) {
        DIVERT_ADDRESS a;
        memcpy(&a, addrs + (size_t)index * DIVERT_ADDRESS_SIZE, sizeof a);
        uint8_t *copy = small;
        if (plen > sizeof small) {
            if (plen > large_cap) {
                free(large);
                large = malloc(plen);
                large_cap = large != NULL ? plen : 0;
            }
            copy = large;
        }
        if (copy == NULL) {
            divert_send_result(&b, DIVERT_STATUS_INSUFFICIENT_RESOURCES);
            continue;
        }
        memcpy(copy, data + off, plen);
        st = divert_inject_prepare(copy, plen, &a);
        if (st == DIVERT_STATUS_SUCCESS && !release_held(h, copy, plen, &a, &v)) {
            /* In order: what was released before this packet goes first. */
            (void)nfq_verdicts_flush(&h->nfq, &v);
            st = inject_one(h, copy, plen, &a);
        }
        divert_send_result(&b, st);
    }
    free(large);
    (void)nfq_verdicts_flush(&h->nfq, &v);
    st = divert_send_complete(&b, bytes);
    return status_fail(st, "SEND");
}

static uint32_t do_param(handle *h, const divert_request *req, uint8_t *data, uint32_t len, uint32_t *bytes)
{
    pthread_mutex_lock(&h->mu);
    divert_status st;
    if (req->kind == DIVERT_REQUEST_GET_PARAM) {
        uint64_t v = 0;
        st = divert_handle_get_param(&h->core, req, len, &v);
        if (st == DIVERT_STATUS_SUCCESS) {
            memcpy(data, &v, sizeof v);
            *bytes = sizeof v;
        }
    } else {
        st = divert_handle_set_param(&h->core, req);
    }
    pthread_mutex_unlock(&h->mu);
    return status_fail(st, req->kind == DIVERT_REQUEST_GET_PARAM ? "GET_PARAM" : "SET_PARAM");
}

static uint32_t do_shutdown(handle *h, const divert_request *req)
{
    pthread_mutex_lock(&h->mu);
    divert_status st = divert_handle_shutdown(&h->core, req);
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    return status_fail(st, "SHUTDOWN");
}

DIVERT4J_EXPORT uint32_t divert4j_ioctl(int32_t id, uint64_t slot, uint32_t code,
                                        const uint8_t *header, uint8_t *data, uint32_t len,
                                        uint32_t *bytes)
{
    uint32_t ignored;
    if (bytes == NULL) {
        bytes = &ignored;
    }
    *bytes = 0;
    last_message[0] = '\0';
    if (data == NULL) {
        len = 0;
    }
    divert_request req;
    divert_status st = divert_request_decode(code, header, header == NULL ? 0 : DIVERT_IOCTL_SIZE, &req);
    if (st != DIVERT_STATUS_SUCCESS) {
        return status_fail(st, "request");
    }
    handle *h = acquire(id);
    if (h == NULL) {
        return fail(ERR_INVALID_HANDLE, "no such handle");
    }
    uint32_t rc = 0;
    switch (req.kind) {
    case DIVERT_REQUEST_INITIALIZE: rc = do_initialize(h, &req, data, len, bytes); break;
    case DIVERT_REQUEST_STARTUP: rc = do_startup(h, &req, data, len); break;
    case DIVERT_REQUEST_RECV: rc = do_recv(h, slot, &req, data, len, bytes); break;
    case DIVERT_REQUEST_SEND: rc = do_send(h, &req, data, len, bytes); break;
    case DIVERT_REQUEST_SET_PARAM:
    case DIVERT_REQUEST_GET_PARAM: rc = do_param(h, &req, data, len, bytes); break;
    case DIVERT_REQUEST_SHUTDOWN: rc = do_shutdown(h, &req); break;
    }
    release(h);
    return rc;
}

DIVERT4J_EXPORT uint32_t divert4j_cancel(int32_t id, uint64_t slot)
{
    handle *h = acquire(id);
    if (h == NULL) {
        return fail(ERR_INVALID_HANDLE, "no such handle");
    }
    pthread_mutex_lock(&h->mu);
    for (pending *p = h->waiting; p != NULL; p = p->next) {
        if (slot == 0 || p->slot == slot) {
            p->cancelled = 1;
        }
    }
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    release(h);
    return 0;
}

DIVERT4J_EXPORT uint32_t divert4j_close(int32_t id)
{
    if (id <= 0) {
        return fail(ERR_INVALID_HANDLE, "no such handle");
    }
    uint32_t idx = (uint32_t)(id - 1) % MAX_HANDLES;
    uint32_t gen = (uint32_t)(id - 1) / MAX_HANDLES;
    pthread_mutex_lock(&table_mu);
    handle *h = table[idx];
    if (h == NULL || (generation[idx] & 0x1FFFu) != gen) {
        pthread_mutex_unlock(&table_mu);
        return fail(ERR_INVALID_HANDLE, "no such handle");
    }
    pthread_mutex_lock(&h->mu);
    int already = h->closing;
    h->closing = 1;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_mutex_unlock(&table_mu);
    if (already) {
        return fail(ERR_INVALID_HANDLE, "handle already closing");
    }
    reflect_closing(h);
    /* No new packets: rules first, then the thread, then what the kernel still holds. */
    char err[512];
    if (h->rules_installed) {
        (void)rules_remove(h->rules.tag, err, sizeof err);
    }
    if (h->reader_started) {
        atomic_store(&h->stop, 1);
        (void)nfq_wake(&h->nfq); /* else it notices within READ_TIMEOUT_MS */
        pthread_join(h->reader, NULL);
        while (read_packets(h, 0) > 0) {
        }
    }
    divert_queue_entry *reinject, *discard;
    nfq_verdicts v;
    nfq_verdicts_init(&v);
    pthread_mutex_lock(&h->mu);
    while (h->refs > 0) {
        pthread_cond_wait(&h->cv, &h->mu);
    }
    divert_handle_close(&h->core, (uint64_t)now_ns(), &reinject, &discard);
    /* Device-abi.md 12, Close: what is still queued goes back on its way (the kernel's
     * original when it still holds it); what was received and never sent back is dropped. */
    for (divert_queue_entry *q = reinject, *next; q != NULL; q = next) {
        entry *e = (entry *)(void *)q;
        next = q->next;
        if (e->hold.held) {
            hold_remove(&h->held, &e->hold);
            (void)nfq_verdicts_add(&h->nfq, &v, e->hold.id, NFQ_REPEAT, &e->hold.pass_mark);
        } else {
            (void)nfq_verdicts_flush(&h->nfq, &v);
            int inbound = h->core.layer == DIVERT_LAYER_NETWORK_FORWARD || !e->addr.Outbound;
            (void)rawsock_send(&h->inject, e->data, q->length, inbound, e->addr.Network.IfIdx);
        }
        free(e);
    }
    discard_entries(h, discard, &v);
    end_holds(h, 0, 1, &v);
    pthread_mutex_unlock(&h->mu);
    (void)nfq_verdicts_flush(&h->nfq, &v);
    if (h->have_queue) {
        nfq_close(&h->nfq);
    }
    rawsock_close(&h->inject);
    free(h->rbuf);
    pthread_mutex_lock(&table_mu);
    table[idx] = NULL;
    generation[idx]++;
    pthread_mutex_unlock(&table_mu);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
    return 0;
}

DIVERT4J_EXPORT uint32_t divert4j_last_message(char *buf, uint32_t len)
{
    if (buf == NULL || len == 0) {
        return ERR_INVALID_PARAMETER;
    }
    snprintf(buf, len, "%s", last_message);
    return 0;
}
