#define _GNU_SOURCE
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "divert_abi.h"
#include "filter_eval.h"
#include "filter_program.h"
#include "inject.h"
#include "nfq.h"
#include "packet_parse.h"
#include "rules.h"
#include "status.h"

#define ERR_INVALID_FUNCTION   1u
#define ERR_ACCESS_DENIED      5u
#define ERR_INVALID_HANDLE     6u
#define ERR_BAD_COMMAND        22u
#define ERR_INVALID_PARAMETER  87u
#define ERR_INSUFFICIENT_BUFFER 122u
#define ERR_NO_DATA            232u
#define ERR_OPERATION_ABORTED  995u
#define ERR_HOST_UNREACHABLE   1232u
#define ERR_NO_SYSTEM_RESOURCES 1450u

#define MAX_HANDLES 1024
#define KERNEL_QUEUE_MAXLEN DIVERT_WORK_QUEUE_LENGTH_MAX
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

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct entry
{
    struct entry  *next;
    DIVERT_ADDRESS addr;
    uint32_t       len;
    uint8_t        data[];
} entry;

typedef struct pending
{
    struct pending *next;
    uint64_t        slot;
    int             cancelled;
} pending;

enum { STATE_OPENING, STATE_OPEN };

typedef struct handle
{
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    int             refs;
    int             closing;
    int             state;
    int             initialized;
    uint32_t        layer;
    int16_t         priority;
    uint64_t        flags;
    uint64_t        filter_flags;
    divert_program  program;
    uint64_t        queue_length;
    uint64_t        queue_time_ms;
    uint64_t        queue_size;
    int             shutdown_recv;
    int             shutdown_send;
    entry          *head;
    entry          *tail;
    uint64_t        count;
    uint64_t        bytes;
    pending        *waiting;
    /* capture */
    int             have_queue;
    nfq_conn        nfq;
    rules_handle    rules;
    int             rules_installed;
    pthread_t       reader;
    int             reader_started;
    int             wake[2];
    inject_sockets  inject;
    uint8_t        *rbuf;
} handle;

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static handle *table[MAX_HANDLES];
static uint32_t generation[MAX_HANDLES];
static char owner_tag[RULES_OWNER_TAG_LEN + 1];
static int owner_ready;
static unsigned lo_index;

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
    if (h != NULL && generation[idx] == gen) {
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
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cv, &ca);
    pthread_condattr_destroy(&ca);
    h->queue_length = DIVERT_PARAM_QUEUE_LENGTH_DEFAULT;
    h->queue_time_ms = DIVERT_PARAM_QUEUE_TIME_DEFAULT;
    h->queue_size = DIVERT_PARAM_QUEUE_SIZE_DEFAULT;
    h->wake[0] = h->wake[1] = -1;
    h->nfq.fd = -1;
    inject_init(&h->inject, 0);
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

/* ---- the queue (caller holds h->mu) ---------------------------------------------------- */

static int expired(const handle *h, const entry *e, int64_t now)
{
    return now - e->addr.Timestamp > (int64_t)h->queue_time_ms * 1000000;
}

static entry *pop(handle *h)
{
    entry *e = h->head;
    if (e != NULL) {
        h->head = e->next;
        if (h->head == NULL) {
            h->tail = NULL;
        }
        h->count--;
        h->bytes -= e->len + ENTRY_OVERHEAD;
    }
    return e;
}

static void drop_expired(handle *h, int64_t now)
{
    while (h->head != NULL && expired(h, h->head, now)) {
        free(pop(h));
    }
}

static void push(handle *h, entry *e)
{
    uint64_t need = e->len + ENTRY_OVERHEAD;
    if (need > h->queue_size) {
        free(e);
        return;
    }
    while (h->head != NULL && (h->count + 1 > h->queue_length || h->bytes + need > h->queue_size)) {
        free(pop(h));
    }
    e->next = NULL;
    if (h->tail != NULL) {
        h->tail->next = e;
    } else {
        h->head = e;
    }
    h->tail = e;
    h->count++;
    h->bytes += need;
    pthread_cond_broadcast(&h->cv);
}

/* ---- capture ----------------------------------------------------------------------------- */

static void verdict_pass(handle *h, const nfq_packet *p)
{
    uint32_t mark = (p->mark & ~RULES_MARK_MASK) | rules_mark(h->inject.id, p->hook == NF_INET_LOCAL_IN);
    (void)nfq_verdict(&h->nfq, p->id, NFQ_REPEAT, NULL, 0, &mark);
}

static void on_packet(handle *h, const nfq_packet *p)
{
    DIVERT_ADDRESS a;
    memset(&a, 0, sizeof a);
    a.Timestamp = now_ns();
    a.Layer = h->layer;
    a.Event = DIVERT_EVENT_NETWORK_PACKET;
    a.IPv6 = p->family == NFPROTO_IPV6;
    if (p->hook == NF_INET_LOCAL_IN) {
        a.Network.IfIdx = p->indev;
    } else {
        a.Outbound = 1;
        a.Network.IfIdx = p->outdev;
        a.Loopback = h->layer == DIVERT_LAYER_NETWORK && p->outdev == lo_index;
        /* Locally generated packets reach us with their checksums computed. */
        a.IPChecksum = a.TCPChecksum = a.UDPChecksum = p->hook == NF_INET_LOCAL_OUT;
    }
    divert_packet_view view = divert_view_flat(p->payload, p->payload_len);
    divert_packet pkt;
    int match = p->cap_len == 0 && p->payload_len <= DIVERT_MTU_MAX
                && divert_parse_driver(&view, a.IPv6, &pkt)
                && !(p->hook == NF_INET_LOCAL_IN && pkt.fragment != ((h->flags & DIVERT_FLAG_FRAGMENTS) != 0))
                && divert_filter_eval(&h->program, h->layer, &a, &view, &pkt) == DIVERT_EVAL_MATCH;
    pthread_mutex_lock(&h->mu);
    if (!match || h->shutdown_recv) {
        pthread_mutex_unlock(&h->mu);
        verdict_pass(h, p);
        return;
    }
    if (h->flags & DIVERT_FLAG_DROP) {
        pthread_mutex_unlock(&h->mu);
        (void)nfq_verdict(&h->nfq, p->id, NFQ_DROP, NULL, 0, NULL);
        return;
    }
    entry *e = malloc(sizeof *e + p->payload_len);
    if (e != NULL) {
        a.Sniffed = (h->flags & DIVERT_FLAG_SNIFF) != 0;
        e->addr = a;
        e->len = p->payload_len;
        memcpy(e->data, p->payload, p->payload_len);
        drop_expired(h, a.Timestamp);
        push(h, e);
    }
    pthread_mutex_unlock(&h->mu);
    if (h->flags & DIVERT_FLAG_SNIFF) {
        verdict_pass(h, p);
    } else {
        (void)nfq_verdict(&h->nfq, p->id, NFQ_DROP, NULL, 0, NULL);
    }
}

/* Reads what the socket holds; returns -1 when woken to stop. */
static int read_packets(handle *h, int wait)
{
    struct pollfd pf[2] = {{h->nfq.fd, POLLIN, 0}, {h->wake[0], POLLIN, 0}};
    int r = poll(pf, h->wake[0] >= 0 ? 2 : 1, wait ? -1 : 0);
    if (r <= 0) {
        return 0;
    }
    if (pf[1].revents) {
        return -1;
    }
    long n = nfq_recv(&h->nfq, h->rbuf, NFQ_RECV_BUFFER);
    if (n <= 0) {
        return 0;
    }
    size_t off = 0;
    nfq_packet p;
    int rc;
    while ((rc = nfq_parse(h->rbuf, (size_t)n, &off, &p)) != 0) {
        if (rc == 1) {
            on_packet(h, &p);
        } else if (rc == -EBADMSG) {
            break;
        }
    }
    return 1;
}

static void *reader_main(void *arg)
{
    handle *h = arg;
    while (read_packets(h, 1) >= 0) {
    }
    return NULL;
}

/* ---- requests ---------------------------------------------------------------------------- */

static uint32_t status_error(divert_status s)
{
    return divert_status_win32_error(s);
}

static uint32_t do_initialize(handle *h, const DIVERT_IOCTL *io, uint8_t *data, uint32_t len)
{
    DIVERT_VERSION v;
    if (data == NULL || len != sizeof v) {
        return fail(ERR_INVALID_PARAMETER, "INITIALIZE needs the 64-byte version record");
    }
    memcpy(&v, data, sizeof v);
    if (v.magic != DIVERT_MAGIC_DLL || v.major < 2 || (v.bits != 32 && v.bits != 64)) {
        return fail(ERR_INVALID_PARAMETER, "bad version record");
    }
    v.magic = DIVERT_MAGIC_SYS;
    v.major = DIVERT_VERSION_MAJOR;
    v.minor = DIVERT_VERSION_MINOR;
    v.bits = 64;
    memcpy(data, &v, 20);
    uint32_t layer = io->initialize.layer;
    uint64_t flags = io->initialize.flags;
    if (layer > DIVERT_LAYER_MAX || io->initialize.priority > 2 * DIVERT_PRIORITY_HIGHEST
        || (flags & ~DIVERT_FLAGS_ALL) != 0
        || (flags & (DIVERT_FLAG_SNIFF | DIVERT_FLAG_DROP)) == (DIVERT_FLAG_SNIFF | DIVERT_FLAG_DROP)
        || (flags & (DIVERT_FLAG_RECV_ONLY | DIVERT_FLAG_SEND_ONLY))
               == (DIVERT_FLAG_RECV_ONLY | DIVERT_FLAG_SEND_ONLY)) {
        return fail(ERR_INVALID_PARAMETER, "invalid layer, priority or flags");
    }
    if ((layer == DIVERT_LAYER_FLOW || layer == DIVERT_LAYER_REFLECT)
        && (flags & (DIVERT_FLAG_SNIFF | DIVERT_FLAG_RECV_ONLY)) != (DIVERT_FLAG_SNIFF | DIVERT_FLAG_RECV_ONLY)) {
        return fail(ERR_INVALID_PARAMETER, "FLOW and REFLECT handles need SNIFF and RECV_ONLY");
    }
    if (layer == DIVERT_LAYER_SOCKET && !(flags & DIVERT_FLAG_RECV_ONLY)) {
        return fail(ERR_INVALID_PARAMETER, "SOCKET handles need RECV_ONLY");
    }
    if (layer == DIVERT_LAYER_FLOW || layer == DIVERT_LAYER_SOCKET || layer == DIVERT_LAYER_REFLECT) {
        return fail(ERR_INVALID_PARAMETER, "the %s layer is not supported on Linux",
                    layer == DIVERT_LAYER_FLOW ? "FLOW" : layer == DIVERT_LAYER_SOCKET ? "SOCKET" : "REFLECT");
    }
    pthread_mutex_lock(&h->mu);
    uint32_t rc = 0;
    if (h->state != STATE_OPENING || h->initialized) {
        rc = fail(ERR_BAD_COMMAND, "handle already initialized");
    } else {
        h->layer = layer;
        h->priority = (int16_t)((int32_t)io->initialize.priority - DIVERT_PRIORITY_WIRE_OFFSET);
        h->flags = flags;
        h->initialized = 1;
    }
    pthread_mutex_unlock(&h->mu);
    return rc;
}

static unsigned capture_hooks(uint32_t layer, uint64_t ff)
{
    unsigned hooks = 0;
    if (layer == DIVERT_LAYER_NETWORK) {
        if ((ff & DIVERT_FILTER_FLAG_OUTBOUND) && (ff & DIVERT_FILTER_FLAG_IP)) hooks |= RULES_OUT_V4;
        if ((ff & DIVERT_FILTER_FLAG_OUTBOUND) && (ff & DIVERT_FILTER_FLAG_IPV6)) hooks |= RULES_OUT_V6;
        if ((ff & DIVERT_FILTER_FLAG_INBOUND) && (ff & DIVERT_FILTER_FLAG_IP)) hooks |= RULES_IN_V4;
        if ((ff & DIVERT_FILTER_FLAG_INBOUND) && (ff & DIVERT_FILTER_FLAG_IPV6)) hooks |= RULES_IN_V6;
    } else if (layer == DIVERT_LAYER_NETWORK_FORWARD) {
        if (ff & DIVERT_FILTER_FLAG_IP) hooks |= RULES_FWD_V4;
        if (ff & DIVERT_FILTER_FLAG_IPV6) hooks |= RULES_FWD_V6;
    }
    return hooks;
}

/* Queue, rules and reader thread for a handle that has just become OPEN. */
static uint32_t start_capture(handle *h)
{
    unsigned capture = capture_hooks(h->layer, h->filter_flags);
    unsigned release = capture;
    if (h->layer == DIVERT_LAYER_NETWORK && !(h->flags & DIVERT_FLAG_RECV_ONLY)) {
        release |= RULES_OUT_V4 | RULES_OUT_V6 | RULES_IN_V4 | RULES_IN_V6;
    }
    if (release == 0 && (h->flags & DIVERT_FLAG_RECV_ONLY)) {
        return 0; /* receives nothing, sends nothing: no kernel objects */
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
        return fail(e == -EPERM ? ERR_ACCESS_DENIED : ERR_NO_SYSTEM_RESOURCES,
                    "NFQUEUE: %s", strerror(-e));
    }
    h->have_queue = 1;
    inject_init(&h->inject, (uint16_t)(h->nfq.queue - RULES_QUEUE_FIRST));
    if (capture != 0) {
        h->rbuf = malloc(NFQ_RECV_BUFFER);
        if (h->rbuf == NULL || pipe2(h->wake, O_CLOEXEC) != 0) {
            return fail(ERR_NO_SYSTEM_RESOURCES, "out of memory");
        }
        if (pthread_create(&h->reader, NULL, reader_main, h) != 0) {
            return fail(ERR_NO_SYSTEM_RESOURCES, "cannot start the capture thread");
        }
        h->reader_started = 1;
    }
    memset(&h->rules, 0, sizeof h->rules);
    snprintf(h->rules.tag, sizeof h->rules.tag, "%s%04x", owner_tag, h->nfq.queue);
    h->rules.queue = h->nfq.queue;
    h->rules.priority = h->priority;
    h->rules.capture = capture;
    h->rules.release = release;
    char err[1024] = "";
    if (rules_install(&h->rules, err, sizeof err) != 0) {
        return fail(ERR_ACCESS_DENIED, "cannot install netfilter rules: %s", err);
    }
    h->rules_installed = 1;
    return 0;
}

static uint32_t do_startup(handle *h, const DIVERT_IOCTL *io, const uint8_t *data, uint32_t len)
{
    uint64_t ff = io->startup.flags;
    if ((ff & ~DIVERT_FILTER_FLAGS_ALL) != 0) {
        return fail(ERR_INVALID_PARAMETER, "unknown filter flags 0x%llx", (unsigned long long)ff);
    }
    pthread_mutex_lock(&h->mu);
    if (h->state != STATE_OPENING || !h->initialized) {
        pthread_mutex_unlock(&h->mu);
        return fail(ERR_BAD_COMMAND, "STARTUP needs an initialized, not yet started handle");
    }
    h->state = STATE_OPEN;
    h->filter_flags = ff;
    divert_status s = divert_program_load_driver(data, len, h->layer, &h->program);
    pthread_mutex_unlock(&h->mu);
    if (s != DIVERT_STATUS_SUCCESS) {
        return fail(status_error(s), "the filter program is invalid");
    }
    return start_capture(h);
}

static uint32_t require_open(handle *h)
{
    return h->state == STATE_OPEN ? 0 : fail(ERR_BAD_COMMAND, "the handle is not open");
}

static uint32_t do_recv(handle *h, uint64_t slot, const DIVERT_IOCTL *io, uint8_t *data,
                        uint32_t len, uint32_t *bytes)
{
    uint8_t *addrs = (uint8_t *)(uintptr_t)io->recv.addr;
    uint32_t *addr_len_ptr = (uint32_t *)(uintptr_t)io->recv.addr_len_ptr;
    uint32_t addr_len = DIVERT_ADDRESS_SIZE;
    if (addr_len_ptr != NULL) {
        addr_len = *addr_len_ptr;
        if (addr_len < DIVERT_ADDRESS_SIZE || addr_len > DIVERT_BATCH_MAX * DIVERT_ADDRESS_SIZE
            || addrs == NULL) {
            return fail(ERR_INVALID_PARAMETER, "address array length %u", addr_len);
        }
    }
    uint32_t max = addrs == NULL ? 1 : addr_len / DIVERT_ADDRESS_SIZE;
    pthread_mutex_lock(&h->mu);
    uint32_t rc = require_open(h);
    if (rc == 0 && (h->flags & DIVERT_FLAG_SEND_ONLY)) {
        rc = fail(ERR_INVALID_PARAMETER, "RECV on a SEND_ONLY handle");
    }
    pending me = {.next = h->waiting, .slot = slot, .cancelled = 0};
    h->waiting = &me;
    for (;;) {
        if (rc != 0) {
            break;
        }
        drop_expired(h, now_ns());
        if (h->head != NULL) {
            break;
        }
        if (me.cancelled || h->closing) {
            rc = fail(ERR_OPERATION_ABORTED, "cancelled");
        } else if (h->shutdown_recv) {
            rc = fail(ERR_NO_DATA, "shut down");
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
    if (rc != 0) {
        pthread_mutex_unlock(&h->mu);
        return rc;
    }
    uint32_t n = 0, used = 0;
    int64_t now = now_ns();
    while (n < max && h->head != NULL) {
        entry *e = h->head;
        if (n > 0 && (e->len > len - used || expired(h, e, now))) {
            break;
        }
        pop(h);
        uint32_t copy = e->len <= len - used ? e->len : len - used;
        if (copy > 0) {
            memcpy(data + used, e->data, copy);
        }
        used += copy;
        if (addrs != NULL) {
            memcpy(addrs + (size_t)n * DIVERT_ADDRESS_SIZE, &e->addr, DIVERT_ADDRESS_SIZE);
        }
        n++;
        if (copy < e->len) {
            rc = fail(ERR_INSUFFICIENT_BUFFER, "packet of %u bytes truncated to %u", e->len, copy);
            free(e);
            break;
        }
        free(e);
    }
    pthread_mutex_unlock(&h->mu);
    if (addr_len_ptr != NULL) {
        *addr_len_ptr = n * DIVERT_ADDRESS_SIZE;
    }
    *bytes = used;
    return rc;
}

/* One's-complement sum over bytes. */
static uint32_t sum16(const uint8_t *p, uint32_t n, uint32_t sum)
{
    for (uint32_t i = 0; i + 1 < n; i += 2) {
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    }
    if (n & 1) {
        sum += (uint32_t)p[n - 1] << 8;
    }
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

/* Recomputes the checksums whose address flag is 0 (device-abi.md 9.1 step 1). */
static void fix_checksums(uint8_t *pkt, uint32_t len, const DIVERT_ADDRESS *a)
{
    divert_packet p;
    divert_packet_view view = divert_view_flat(pkt, len);
    if (!divert_parse_driver(&view, (pkt[0] >> 4) == 6, &p)) {
        return;
    }
    if (p.ip_version == 4 && !a->IPChecksum) {
        pkt[10] = pkt[11] = 0;
        uint16_t c = fold(sum16(pkt, p.ip_header_length, 0));
        pkt[10] = (uint8_t)(c >> 8);
        pkt[11] = (uint8_t)c;
    }
    int tcp = p.transport == DIVERT_TRANSPORT_TCP && !a->TCPChecksum;
    int udp = p.transport == DIVERT_TRANSPORT_UDP && !a->UDPChecksum;
    if ((!tcp && !udp) || p.fragment) {
        return;
    }
    uint32_t off = p.transport_offset;
    uint32_t tlen = p.packet_length - off;
    uint32_t at = off + (tcp ? 16u : 6u);
    if (at + 2 > len) {
        return;
    }
    pkt[at] = pkt[at + 1] = 0;
    uint32_t sum = p.ip_version == 4 ? sum16(pkt + 12, 8, 0) : sum16(pkt + 8, 32, 0);
    sum += p.protocol + tlen;
    uint16_t c = fold(sum16(pkt + off, tlen, sum));
    if (udp && c == 0) {
        c = 0xFFFF;
    }
    pkt[at] = (uint8_t)(c >> 8);
    pkt[at + 1] = (uint8_t)c;
}

static uint32_t send_packets(handle *h, const uint8_t *addrs, uint64_t addr_len, const uint8_t *data,
                             uint32_t len, uint8_t *copy, uint32_t *offp, uint32_t *softp);

static uint32_t do_send(handle *h, const DIVERT_IOCTL *io, const uint8_t *data, uint32_t len,
                        uint32_t *bytes)
{
    const uint8_t *addrs = (const uint8_t *)(uintptr_t)io->send.addr;
    uint64_t addr_len = io->send.addr_len;
    if (addr_len < DIVERT_ADDRESS_SIZE || addr_len > DIVERT_BATCH_MAX * DIVERT_ADDRESS_SIZE
        || addrs == NULL) {
        return fail(ERR_INVALID_PARAMETER, "address array length %llu", (unsigned long long)addr_len);
    }
    pthread_mutex_lock(&h->mu);
    uint32_t rc = require_open(h);
    if (rc == 0 && h->shutdown_send) {
        rc = fail(ERR_NO_DATA, "sending was shut down");
    }
    if (rc == 0 && (h->flags & DIVERT_FLAG_RECV_ONLY)) {
        rc = fail(ERR_INVALID_PARAMETER, "SEND on a RECV_ONLY handle");
    }
    pthread_mutex_unlock(&h->mu);
    if (rc != 0) {
        return rc;
    }
    uint32_t soft = 0, off = 0;
    uint8_t *copy = malloc(DIVERT_MTU_MAX);
    if (copy == NULL) {
        return fail(ERR_NO_SYSTEM_RESOURCES, "out of memory");
    }
    rc = send_packets(h, addrs, addr_len, data, len, copy, &off, &soft);
    free(copy);
    *bytes = rc == 0 ? off : 0;
    return rc != 0 ? rc : soft;
}

/* The loop of do_send; a hard error is returned, the last soft error left in *soft. */
static uint32_t send_packets(handle *h, const uint8_t *addrs, uint64_t addr_len, const uint8_t *data,
                             uint32_t len, uint8_t *copy, uint32_t *offp, uint32_t *softp)
{
    uint32_t soft = 0, off = 0;
    for (uint32_t i = 0; (i + 1) * DIVERT_ADDRESS_SIZE <= addr_len && i < DIVERT_BATCH_MAX; i++) {
        uint32_t left = len - off;
        if (left < 20) {
            return fail(ERR_INSUFFICIENT_BUFFER, "packet %u: fewer than 20 bytes left", i);
        }
        const uint8_t *pkt = data + off;
        uint32_t plen;
        if ((pkt[0] >> 4) == 4) {
            plen = (uint32_t)(pkt[2] << 8 | pkt[3]);
            if (plen < 20) {
                return fail(ERR_INVALID_PARAMETER, "packet %u: IPv4 total length %u", i, plen);
            }
        } else if ((pkt[0] >> 4) == 6) {
            if (left < 40) {
                return fail(ERR_INSUFFICIENT_BUFFER, "packet %u: short IPv6 header", i);
            }
            plen = (uint32_t)(pkt[4] << 8 | pkt[5]) + 40;
        } else {
            return fail(ERR_INVALID_PARAMETER, "packet %u: IP version %u", i, pkt[0] >> 4);
        }
        if (left < plen) {
            return fail(ERR_INSUFFICIENT_BUFFER, "packet %u: %u bytes claimed, %u left", i, plen, left);
        }
        DIVERT_ADDRESS a;
        memcpy(&a, addrs + (size_t)i * DIVERT_ADDRESS_SIZE, sizeof a);
        memcpy(copy, pkt, plen);
        fix_checksums(copy, plen, &a);
        int ok = 1;
        if (a.Impostor) {
            uint8_t *ttl = (copy[0] >> 4) == 4 ? &copy[8] : &copy[7];
            if (*ttl <= 1) {
                soft = fail(ERR_HOST_UNREACHABLE, "packet %u: TTL exhausted", i);
                ok = 0;
            } else {
                (*ttl)--;
                if ((copy[0] >> 4) == 4) {
                    /* Header checksum follows the TTL change whatever IPChecksum says. */
                    DIVERT_ADDRESS fixed = a;
                    fixed.IPChecksum = 0;
                    fixed.TCPChecksum = fixed.UDPChecksum = 1;
                    fix_checksums(copy, plen, &fixed);
                }
            }
        }
        if (ok) {
            int inbound = h->layer == DIVERT_LAYER_NETWORK_FORWARD || !a.Outbound;
            int e = inject_send(&h->inject, copy, plen, inbound, a.Network.IfIdx);
            if (e != 0) {
                soft = fail(e == -EMSGSIZE ? ERR_INVALID_PARAMETER : ERR_HOST_UNREACHABLE,
                            "packet %u: %s", i, strerror(-e));
            }
        }
        off += plen;
        *offp = off;
        *softp = soft;
    }
    return 0;
}

static uint32_t do_param(handle *h, uint32_t code, const DIVERT_IOCTL *io, uint8_t *data, uint32_t len)
{
    pthread_mutex_lock(&h->mu);
    uint32_t rc = require_open(h);
    if (rc == 0 && code == IOCTL_DIVERT_GET_PARAM) {
        uint64_t v = 0;
        if (data == NULL || len != 8) {
            rc = fail(ERR_INVALID_PARAMETER, "GET_PARAM needs an 8-byte buffer");
        } else {
            switch (io->get_param.param) {
            case DIVERT_PARAM_QUEUE_LENGTH: v = h->queue_length; break;
            case DIVERT_PARAM_QUEUE_TIME: v = h->queue_time_ms; break;
            case DIVERT_PARAM_QUEUE_SIZE: v = h->queue_size; break;
            case DIVERT_PARAM_VERSION_MAJOR: v = DIVERT_VERSION_MAJOR; break;
            case DIVERT_PARAM_VERSION_MINOR: v = DIVERT_VERSION_MINOR; break;
            default: rc = fail(ERR_INVALID_PARAMETER, "unknown parameter %u", io->get_param.param);
            }
            if (rc == 0) {
                memcpy(data, &v, 8);
            }
        }
    } else if (rc == 0) {
        uint64_t v = io->set_param.val;
        switch (io->set_param.param) {
        case DIVERT_PARAM_QUEUE_LENGTH:
            if (v < DIVERT_PARAM_QUEUE_LENGTH_MIN || v > DIVERT_PARAM_QUEUE_LENGTH_MAX) {
                rc = fail(ERR_INVALID_PARAMETER, "QUEUE_LENGTH %llu out of range", (unsigned long long)v);
            } else {
                h->queue_length = v;
            }
            break;
        case DIVERT_PARAM_QUEUE_TIME:
            if (v < DIVERT_PARAM_QUEUE_TIME_MIN || v > DIVERT_PARAM_QUEUE_TIME_MAX) {
                rc = fail(ERR_INVALID_PARAMETER, "QUEUE_TIME %llu out of range", (unsigned long long)v);
            } else {
                h->queue_time_ms = v;
            }
            break;
        case DIVERT_PARAM_QUEUE_SIZE:
            if (v < DIVERT_PARAM_QUEUE_SIZE_MIN || v > DIVERT_PARAM_QUEUE_SIZE_MAX) {
                rc = fail(ERR_INVALID_PARAMETER, "QUEUE_SIZE %llu out of range", (unsigned long long)v);
            } else {
                h->queue_size = v;
            }
            break;
        default:
            rc = fail(ERR_INVALID_PARAMETER, "parameter %u cannot be set", io->set_param.param);
        }
    }
    pthread_mutex_unlock(&h->mu);
    return rc;
}

static uint32_t do_shutdown(handle *h, const DIVERT_IOCTL *io)
{
    uint32_t how = io->shutdown.how;
    if (how < DIVERT_SHUTDOWN_RECV || how > DIVERT_SHUTDOWN_BOTH) {
        return fail(ERR_INVALID_PARAMETER, "shutdown how = %u", how);
    }
    pthread_mutex_lock(&h->mu);
    uint32_t rc = require_open(h);
    if (rc == 0) {
        h->shutdown_recv |= (how & DIVERT_SHUTDOWN_RECV) != 0;
        h->shutdown_send |= (how & DIVERT_SHUTDOWN_SEND) != 0;
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return rc;
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
    if (header == NULL) {
        return fail(ERR_INVALID_PARAMETER, "no request header");
    }
    if (data == NULL) {
        len = 0;
    }
    DIVERT_IOCTL io;
    memcpy(&io, header, sizeof io);
    handle *h = acquire(id);
    if (h == NULL) {
        return fail(ERR_INVALID_HANDLE, "no such handle");
    }
    uint32_t rc;
    switch (code) {
    case IOCTL_DIVERT_INITIALIZE:
        rc = do_initialize(h, &io, data, len);
        if (rc == 0 || data != NULL) {
            *bytes = rc == 0 ? DIVERT_VERSION_SIZE : 0;
        }
        break;
    case IOCTL_DIVERT_STARTUP: rc = do_startup(h, &io, data, len); break;
    case IOCTL_DIVERT_RECV: rc = do_recv(h, slot, &io, data, len, bytes); break;
    case IOCTL_DIVERT_SEND: rc = do_send(h, &io, data, len, bytes); break;
    case IOCTL_DIVERT_GET_PARAM:
        rc = do_param(h, code, &io, data, len);
        *bytes = rc == 0 ? 8 : 0;
        break;
    case IOCTL_DIVERT_SET_PARAM: rc = do_param(h, code, &io, data, len); break;
    case IOCTL_DIVERT_SHUTDOWN: rc = do_shutdown(h, &io); break;
    default: rc = fail(ERR_INVALID_FUNCTION, "unknown request code 0x%08x", code);
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

/* Packets still queued go back on their way (device-abi.md 12, Close), unless sniffed or old. */
static void reinject_queued(handle *h)
{
    int64_t now = now_ns();
    entry *e;
    while ((e = pop(h)) != NULL) {
        if (!(h->flags & DIVERT_FLAG_SNIFF) && !expired(h, e, now)) {
            int inbound = h->layer == DIVERT_LAYER_NETWORK_FORWARD || !e->addr.Outbound;
            (void)inject_send(&h->inject, e->data, e->len, inbound, e->addr.Network.IfIdx);
        }
        free(e);
    }
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
    if (h == NULL || generation[idx] != gen) {
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
    /* No new packets: rules first, then the thread, then what the kernel still holds. */
    char err[512];
    if (h->rules_installed) {
        (void)rules_remove(h->rules.tag, err, sizeof err);
    }
    if (h->reader_started) {
        (void)!write(h->wake[1], "x", 1);
        pthread_join(h->reader, NULL);
        close(h->wake[0]);
        h->wake[0] = -1;
        while (read_packets(h, 0) > 0) {
        }
    }
    pthread_mutex_lock(&h->mu);
    while (h->refs > 0) {
        pthread_cond_wait(&h->cv, &h->mu);
    }
    reinject_queued(h);
    pthread_mutex_unlock(&h->mu);
    if (h->have_queue) {
        nfq_close(&h->nfq);
    }
    if (h->wake[1] >= 0) {
        close(h->wake[1]);
    }
    inject_close(&h->inject);
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
