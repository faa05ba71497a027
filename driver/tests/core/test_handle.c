/*
 * Request decoding and the handle state machine: every IOCTL in every state, argument
 * checks and their precedence over state checks, shutdown semantics, SEND framing, close,
 * and the (layer, filter flags) -> interception point mapping.
 */
#include <string.h>

#include "core/hooks.h"
#include "core/handle.h"
#include "core/inject.h"
#include "core/ioctl.h"
#include "programs.h"
#include "core_support.h"
#include "support.h"

#define OK DIVERT_STATUS_SUCCESS
#define INV DIVERT_STATUS_INVALID_PARAMETER
#define IDS DIVERT_STATUS_INVALID_DEVICE_STATE
#define PIPE DIVERT_STATUS_PIPE_EMPTY
#define SMALL DIVERT_STATUS_BUFFER_TOO_SMALL

static divert_handle handle;
static uint8_t version[64];
static uint8_t program[24];

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static divert_request header(divert_request_kind kind, uint64_t a, uint64_t b)
{
    uint8_t h[16];
    divert_request r;
    memset(h, 0, sizeof h);
    switch (kind) {
    case DIVERT_REQUEST_INITIALIZE: put32(h, (uint32_t)a); put32(h + 4, (uint32_t)(a >> 32)); put64(h + 8, b); break;
    case DIVERT_REQUEST_SET_PARAM: put64(h, a); put32(h + 8, (uint32_t)b); break;
    case DIVERT_REQUEST_GET_PARAM:
    case DIVERT_REQUEST_SHUTDOWN: put32(h, (uint32_t)a); break;
    default: put64(h, a); put64(h + 8, b); break;
    }
    CHECK_EQ(divert_request_decode(test_request_code(kind), h, sizeof h, &r), OK);
    CHECK_EQ(r.kind, kind);
    return r;
}

/* INITIALIZE header: layer, wire priority, flags. */
static divert_request init_req(uint32_t layer, uint32_t wire, uint64_t flags)
{
    return header(DIVERT_REQUEST_INITIALIZE, layer | (uint64_t)wire << 32, flags);
}

static void library_version(void)
{
    memset(version, 0, sizeof version);
    put64(version, DIVERT_MAGIC_DLL);
    put32(version + 8, 2);
    put32(version + 12, 2);
    put32(version + 16, 64);
    memset(version + 20, 0xEE, 44);
}

static divert_status do_init(divert_handle *h, uint32_t layer, int prio, uint64_t flags)
{
    library_version();
    divert_request r = init_req(layer, (uint32_t)(prio + 30000), flags);
    return divert_handle_initialize(h, &r, version, sizeof version, 64, 7);
}

static divert_status do_startup(divert_handle *h, uint64_t filter_flags)
{
    build_chain(program, 0, 1, &(test_t){DIVERT_FIELD_ZERO, EQ, 0, 0});
    divert_request r = header(DIVERT_REQUEST_STARTUP, filter_flags, 0);
    return divert_handle_startup(h, &r, program, sizeof program);
}

enum { S_NEW, S_INITIALIZED, S_OPEN, S_SHUT, S_CLOSING, S_COUNT };

static void make_state(divert_handle *h, int state, uint32_t layer, uint64_t flags)
{
    divert_handle_init(h, 1000, 64);
    if (state >= S_INITIALIZED) CHECK_EQ(do_init(h, layer, 0, flags), OK);
    if (state >= S_OPEN) CHECK_EQ(do_startup(h, 0xF0), OK);
    if (state >= S_SHUT) {
        divert_request r = header(DIVERT_REQUEST_SHUTDOWN, DIVERT_SHUTDOWN_BOTH, 0);
        CHECK_EQ(divert_handle_shutdown(h, &r), OK);
    }
    if (state >= S_CLOSING) {
        divert_queue_entry *a, *b;
        divert_handle_close(h, 0, &a, &b);
        CHECK(a == NULL && b == NULL);
    }
}

static void test_decode(void)
{
    uint8_t h[16] = {0};
    divert_request r;
    CHECK_EQ(divert_request_decode(IOCTL_DIVERT_RECV, h, 15, &r), INV);
    CHECK_EQ(divert_request_decode(IOCTL_DIVERT_RECV, NULL, 16, &r), INV);
    CHECK_EQ(divert_request_decode(0x0012E4A1u, h, 16, &r), DIVERT_STATUS_INVALID_DEVICE_REQUEST);
    CHECK_EQ(divert_request_decode(0x0012E4A1u, h, 8, &r), INV);    /* header size first */
    CHECK_EQ(divert_request_decode(IOCTL_DIVERT_RECV & ~3u, h, 16, &r), DIVERT_STATUS_INVALID_DEVICE_REQUEST);
    uint8_t big[32] = {0};
    put64(big, 0x1122334455667788ull);
    put32(big + 8, 2);
    CHECK_EQ(divert_request_decode(IOCTL_DIVERT_SET_PARAM, big, sizeof big, &r), OK);
    CHECK(r.u.set_param.value == 0x1122334455667788ull && r.u.set_param.param == 2);
    static const uint32_t codes[] = {0x0012E486u, 0x0012E489u, 0x0012648Eu, 0x0012E491u,
                                     0x0012E495u, 0x0012649Au, 0x0012E49Du};
    for (int k = 0; k < 7; k++) {
        CHECK_EQ(test_request_code((divert_request_kind)k), codes[k]);
        CHECK_EQ(divert_request_decode(codes[k], h, 16, &r), OK);
        CHECK_EQ(r.kind, k);
    }
}

/* Every request with valid arguments in every state. */
static void test_state_matrix(void)
{
    static const divert_status expect[7][S_COUNT] = {
        /*               NEW   INIT  OPEN  SHUT  CLOSING */
        [DIVERT_REQUEST_INITIALIZE] = {OK, IDS, IDS, IDS, IDS},
        [DIVERT_REQUEST_STARTUP] = {IDS, OK, IDS, IDS, IDS},
        [DIVERT_REQUEST_RECV] = {IDS, IDS, OK, OK, IDS},
        [DIVERT_REQUEST_SEND] = {IDS, IDS, OK, PIPE, IDS},
        [DIVERT_REQUEST_SET_PARAM] = {IDS, IDS, OK, OK, IDS},
        [DIVERT_REQUEST_GET_PARAM] = {IDS, IDS, OK, OK, IDS},
        [DIVERT_REQUEST_SHUTDOWN] = {IDS, IDS, OK, OK, IDS},
    };
    for (int s = 0; s < S_COUNT; s++) {
        for (int k = 0; k < 7; k++) {
            divert_handle *h = &handle;
            make_state(h, s, DIVERT_LAYER_NETWORK, 0);
            divert_status st;
            uint32_t max;
            uint64_t value;
            switch (k) {
            case DIVERT_REQUEST_INITIALIZE: st = do_init(h, 0, 0, 0); break;
            case DIVERT_REQUEST_STARTUP: st = do_startup(h, 0); break;
            case DIVERT_REQUEST_RECV: {
                divert_request r = header(DIVERT_REQUEST_RECV, 0x1000, 0x2000);
                st = divert_handle_recv(h, &r, 800, &max);
                break;
            }
            case DIVERT_REQUEST_SEND: {
                divert_request r = header(DIVERT_REQUEST_SEND, 0x1000, 80);
                st = divert_handle_send(h, &r);
                break;
            }
            case DIVERT_REQUEST_SET_PARAM: {
                divert_request r = header(DIVERT_REQUEST_SET_PARAM, 100, DIVERT_PARAM_QUEUE_LENGTH);
                st = divert_handle_set_param(h, &r);
                break;
            }
            case DIVERT_REQUEST_GET_PARAM: {
                divert_request r = header(DIVERT_REQUEST_GET_PARAM, DIVERT_PARAM_QUEUE_TIME, 0);
                st = divert_handle_get_param(h, &r, 8, &value);
                break;
            }
            default: {
                divert_request r = header(DIVERT_REQUEST_SHUTDOWN, DIVERT_SHUTDOWN_RECV, 0);
                st = divert_handle_shutdown(h, &r);
                break;
            }
            }
            if (st != expect[k][s]) {
                fprintf(stderr, "request %d in state %d: %s\n", k, s, divert_status_name(st));
            }
            CHECK_EQ(st, expect[k][s]);
        }
    }
}

/* Argument errors win over state errors (they are checked at arrival). */
static void test_arguments_before_state(void)
{
    uint32_t max;
    uint64_t value;
    make_state(&handle, S_NEW, 0, 0);
    divert_request r = header(DIVERT_REQUEST_RECV, 0, 0x2000);
    CHECK_EQ(divert_handle_recv(&handle, &r, 800, &max), INV);
    r = header(DIVERT_REQUEST_SEND, 0x1000, 79);
    CHECK_EQ(divert_handle_send(&handle, &r), INV);
    r = header(DIVERT_REQUEST_SET_PARAM, 1, DIVERT_PARAM_QUEUE_LENGTH);
    CHECK_EQ(divert_handle_set_param(&handle, &r), INV);
    r = header(DIVERT_REQUEST_GET_PARAM, 0, 0);
    CHECK_EQ(divert_handle_get_param(&handle, &r, 4, &value), INV);
    r = header(DIVERT_REQUEST_SHUTDOWN, 4, 0);
    CHECK_EQ(divert_handle_shutdown(&handle, &r), INV);
    r = header(DIVERT_REQUEST_STARTUP, 0x4000, 0);
    CHECK_EQ(divert_handle_startup(&handle, &r, program, 24), INV);
    make_state(&handle, S_CLOSING, 0, 0);
    CHECK_EQ(do_init(&handle, 9, 0, 0), INV);
    library_version();
    version[16] = 16;
    r = init_req(0, 30000, 0);
    CHECK_EQ(divert_handle_initialize(&handle, &r, version, 64, 64, 0), INV);
}

static void test_initialize(void)
{
    static const struct { uint32_t layer; uint64_t flags; divert_status expect; } cases[] = {
        {0, 0, OK}, {1, 0x3F & ~(uint64_t)0x0A, OK}, {4, 0x05, OK}, {5, 0, INV}, {0xFFFFFFFFu, 0, INV},
        {0, 0x40, INV}, {0, 0x03, INV}, {0, 0x0C, INV}, {0, 0x10, OK}, {0, 0x20, OK},
        {2, 0x05, OK}, {2, 0x04, INV}, {2, 0x01, INV}, {2, 0x0D, INV},
        {3, 0x04, OK}, {3, 0x05, OK}, {3, 0x01, INV}, {3, 0x00, INV},
        {4, 0x04, INV}, {4, 0x01, INV}, {4, 0x25, OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        divert_handle_init(&handle, 1, 0);
        CHECK_EQ(do_init(&handle, cases[i].layer, 0, cases[i].flags), cases[i].expect);
        CHECK_EQ(handle.initialized, cases[i].expect == OK);
        /* the reply is written before the header checks */
        CHECK(memcmp(version, "#WdivSYS", 8) == 0);
    }
    CHECK_EQ(version[8], 2);
    CHECK_EQ(version[12], 2);
    CHECK_EQ(version[16], 64);
    CHECK_EQ(version[20], 0xEE);                 /* reserved fields untouched */
    CHECK_EQ(version[63], 0xEE);

    divert_handle_init(&handle, 1, 0);
    CHECK_EQ(do_init(&handle, 0, 30000, 0), OK);
    CHECK_EQ(handle.priority, 30000);
    CHECK_EQ(handle.internal_priority, (60000u << 16) | 7);
    divert_handle_init(&handle, 1, 0);
    CHECK_EQ(do_init(&handle, 0, -30000, 0), OK);
    CHECK_EQ(handle.priority, -30000);
    CHECK_EQ(handle.internal_priority, 7u);
    divert_handle_init(&handle, 1, 0);
    CHECK_EQ(do_init(&handle, 0, 30001, 0), INV);
    divert_request r = init_req(0, 0xFFFFFFFFu, 0);
    library_version();
    CHECK_EQ(divert_handle_initialize(&handle, &r, version, 64, 64, 0), INV);
    CHECK_EQ(do_init(&handle, 0, 5, DIVERT_FLAG_SNIFF), OK);
    CHECK_EQ(do_init(&handle, 0, 5, DIVERT_FLAG_SNIFF), IDS);   /* only once */

    /* the version record: exact size, magic, major >= 2, bits 32/64 */
    static const struct { size_t off; uint32_t value; size_t len; divert_status expect; } v[] = {
        {8, 1, 64, INV}, {8, 3, 64, OK}, {12, 0, 64, OK}, {16, 32, 64, OK}, {16, 16, 64, INV},
        {16, 0, 64, INV}, {0, 0x76696457u, 64, INV}, {8, 2, 63, INV}, {8, 2, 65, INV},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t rec[65];
        divert_handle_init(&handle, 1, 0);
        library_version();
        memcpy(rec, version, 64);
        rec[64] = 0;
        put32(rec + v[i].off, v[i].value);
        r = init_req(0, 30000, 0);
        CHECK_EQ(divert_handle_initialize(&handle, &r, rec, v[i].len, 32, 0), v[i].expect);
        if (v[i].expect != OK) {
            CHECK(memcmp(rec, "#WdivSYS", 8) != 0);        /* no reply to a bad record */
        } else {
            CHECK_EQ(rec[16], 32);
        }
    }
    CHECK_EQ(divert_handle_initialize(&handle, &r, NULL, 64, 64, 0), INV);
}

static void test_startup(void)
{
    divert_handle_init(&handle, 1, 0);
    CHECK_EQ(do_init(&handle, DIVERT_LAYER_NETWORK, 0, 0), OK);
    divert_request r = header(DIVERT_REQUEST_STARTUP, 0x3FF0, 0);
    build_chain(program, 0, 1, &(test_t){DIVERT_FIELD_EVENT, EQ, 0, 5});
    CHECK_EQ(divert_handle_startup(&handle, &r, program, 24), INV);   /* program refused ... */
    CHECK_EQ(handle.state, DIVERT_HANDLE_OPEN);                       /* ... after OPEN */
    CHECK_EQ(handle.program.count, 0);
    CHECK_EQ(do_startup(&handle, 0), IDS);
    divert_handle_init(&handle, 1, 0);
    CHECK_EQ(do_init(&handle, DIVERT_LAYER_NETWORK, 0, 0), OK);
    CHECK_EQ(do_startup(&handle, 0x08), INV);
    CHECK_EQ(handle.state, DIVERT_HANDLE_OPENING);
    CHECK_EQ(do_startup(&handle, 0x3FF0), OK);
    CHECK_EQ(handle.filter_flags, 0x3FF0);
    CHECK_EQ(handle.program.count, 1);
    r = header(DIVERT_REQUEST_STARTUP, 0, 0);
    divert_handle_init(&handle, 1, 0);
    CHECK_EQ(do_init(&handle, DIVERT_LAYER_NETWORK, 0, 0), OK);
    CHECK_EQ(divert_handle_startup(&handle, &r, program, 0), INV);
}

static void test_recv(void)
{
    uint32_t max = 0;
    make_state(&handle, S_OPEN, 0, 0);
    static const struct { uint64_t addr, ptr; uint32_t len; divert_status expect; uint32_t max; } c[] = {
        {0, 0, 0, OK, 1}, {0x10, 0, 7, OK, 1}, {0x10, 0x20, 80, OK, 1}, {0x10, 0x20, 159, OK, 1},
        {0x10, 0x20, 160, OK, 2}, {0x10, 0x20, 20400, OK, 255}, {0x10, 0x20, 79, INV, 0},
        {0x10, 0x20, 20401, INV, 0}, {0x10, 0x20, 0, INV, 0}, {0, 0x20, 800, INV, 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        divert_request r = header(DIVERT_REQUEST_RECV, c[i].addr, c[i].ptr);
        CHECK_EQ(divert_handle_recv(&handle, &r, c[i].len, &max), c[i].expect);
        if (c[i].expect == OK) CHECK_EQ(max, c[i].max);
    }
    make_state(&handle, S_OPEN, 0, DIVERT_FLAG_SEND_ONLY);
    divert_request r = header(DIVERT_REQUEST_RECV, 0, 0);
    CHECK_EQ(divert_handle_recv(&handle, &r, 0, &max), INV);
}

static void test_send(void)
{
    static const struct { uint32_t layer; uint64_t flags; int state; divert_status expect; } c[] = {
        {0, 0, S_OPEN, OK}, {1, DIVERT_FLAG_SEND_ONLY, S_OPEN, OK}, {0, DIVERT_FLAG_RECV_ONLY, S_OPEN, INV},
        {2, 0x05, S_OPEN, INV}, {3, 0x04, S_OPEN, INV}, {4, 0x05, S_OPEN, INV},
        {0, DIVERT_FLAG_RECV_ONLY, S_SHUT, PIPE},    /* state before flags */
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        make_state(&handle, c[i].state, c[i].layer, c[i].flags);
        divert_request r = header(DIVERT_REQUEST_SEND, 0x1000, 160);
        CHECK_EQ(divert_handle_send(&handle, &r), c[i].expect);
    }
    make_state(&handle, S_OPEN, 0, 0);
    static const struct { uint64_t addr, len; divert_status expect; } a[] = {
        {1, 80, OK}, {1, 20400, OK}, {1, 79, INV}, {1, 20401, INV}, {0, 80, INV}, {1, 1ull << 32 | 80, INV},
    };
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        divert_request r = header(DIVERT_REQUEST_SEND, a[i].addr, a[i].len);
        CHECK_EQ(divert_handle_send(&handle, &r), a[i].expect);
    }
}

static void test_params(void)
{
    uint64_t value = 0;
    make_state(&handle, S_OPEN, 0, 0);
    static const uint64_t defaults[5] = {4096, 2000, 4194304, 2, 2};
    for (uint32_t p = 0; p < 5; p++) {
        divert_request r = header(DIVERT_REQUEST_GET_PARAM, p, 0);
        CHECK_EQ(divert_handle_get_param(&handle, &r, 8, &value), OK);
        CHECK_EQ(value, defaults[p]);
        CHECK_EQ(divert_handle_get_param(&handle, &r, 7, &value), INV);
        CHECK_EQ(divert_handle_get_param(&handle, &r, 9, &value), INV);
        CHECK_EQ(divert_handle_get_param(&handle, &r, 0, &value), INV);
    }
    divert_request r = header(DIVERT_REQUEST_GET_PARAM, 5, 0);
    CHECK_EQ(divert_handle_get_param(&handle, &r, 8, &value), INV);
    static const struct { uint32_t param; uint64_t value; divert_status expect; } s[] = {
        {0, 32, OK}, {0, 16384, OK}, {0, 31, INV}, {0, 16385, INV},
        {1, 100, OK}, {1, 16000, OK}, {1, 99, INV}, {1, 16001, INV},
        {2, 65535, OK}, {2, 33554432, OK}, {2, 65534, INV}, {2, 33554433, INV},
        {2, (1ull << 32) | 65535, INV}, {3, 2, INV}, {4, 2, INV}, {5, 100, INV},
    };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        r = header(DIVERT_REQUEST_SET_PARAM, s[i].value, s[i].param);
        CHECK_EQ(divert_handle_set_param(&handle, &r), s[i].expect);
        if (s[i].expect == OK) {
            divert_request g = header(DIVERT_REQUEST_GET_PARAM, s[i].param, 0);
            CHECK_EQ(divert_handle_get_param(&handle, &g, 8, &value), OK);
            CHECK_EQ(value, s[i].value);
        }
    }
    /* the queue follows: length 16384, time 16000 ms in ticks (1000 per ms), size 32 MiB */
    CHECK_EQ(handle.queue.max_length, 16384);
    CHECK_EQ(handle.queue.max_age, 16000 * 1000);
    CHECK_EQ(handle.queue.max_bytes, 33554432);
}

static void test_shutdown(void)
{
    divert_queue_entry e[3];
    memset(e, 0, sizeof e);
    for (uint32_t how = 0; how <= 4; how++) {
        make_state(&handle, S_OPEN, 0, 0);
        divert_request r = header(DIVERT_REQUEST_SHUTDOWN, how, 0);
        divert_status st = divert_handle_shutdown(&handle, &r);
        CHECK_EQ(st, how >= 1 && how <= 3 ? OK : INV);
        CHECK_EQ(handle.shutdown_recv, how == 1 || how == 3);
        CHECK_EQ(handle.shutdown_send, how == 2 || how == 3);
        CHECK_EQ(divert_handle_may_queue(&handle), !(how == 1 || how == 3));
        divert_request s = header(DIVERT_REQUEST_SEND, 1, 80);
        CHECK_EQ(divert_handle_send(&handle, &s), how == 2 || how == 3 ? PIPE : OK);
        CHECK_EQ(divert_handle_recv_action(&handle),
                 how == 1 || how == 3 ? DIVERT_RECV_PIPE_EMPTY : DIVERT_RECV_PEND);
    }
    /* RECV shutdown: queued packets are still delivered, then PIPE_EMPTY */
    make_state(&handle, S_OPEN, 0, 0);
    e[0].length = 40;
    divert_queue_push(&handle.queue, &e[0], 0);
    divert_request r = header(DIVERT_REQUEST_SHUTDOWN, DIVERT_SHUTDOWN_RECV, 0);
    CHECK_EQ(divert_handle_shutdown(&handle, &r), OK);
    CHECK_EQ(divert_handle_shutdown(&handle, &r), OK);          /* idempotent */
    uint32_t max;
    divert_request rr = header(DIVERT_REQUEST_RECV, 0, 0);
    CHECK_EQ(divert_handle_recv(&handle, &rr, 0, &max), OK);
    CHECK_EQ(divert_handle_recv_action(&handle), DIVERT_RECV_DELIVER);
    divert_recv_batch b;
    divert_queue_take_batch(&handle.queue, 0, 100, max, &b);
    CHECK(b.count == 1 && b.entries == &e[0]);
    CHECK_EQ(divert_handle_recv_action(&handle), DIVERT_RECV_PIPE_EMPTY);
    /* SEND shutdown leaves receiving alone */
    make_state(&handle, S_OPEN, 0, 0);
    r = header(DIVERT_REQUEST_SHUTDOWN, DIVERT_SHUTDOWN_SEND, 0);
    CHECK_EQ(divert_handle_shutdown(&handle, &r), OK);
    CHECK(divert_handle_may_queue(&handle));
    CHECK_EQ(divert_handle_recv_action(&handle), DIVERT_RECV_PEND);
    /* REFLECT: PIPE_EMPTY only once the snapshot is queued */
    make_state(&handle, S_OPEN, DIVERT_LAYER_REFLECT, 0x05);
    r = header(DIVERT_REQUEST_SHUTDOWN, DIVERT_SHUTDOWN_BOTH, 0);
    CHECK_EQ(divert_handle_shutdown(&handle, &r), OK);
    CHECK_EQ(divert_handle_recv_action(&handle), DIVERT_RECV_PEND);
    divert_handle_reflect_ready(&handle);
    CHECK_EQ(divert_handle_recv_action(&handle), DIVERT_RECV_PIPE_EMPTY);
}

static int count(const divert_queue_entry *l)
{
    int n = 0;
    for (; l != NULL; l = l->next) n++;
    return n;
}

static void test_close(void)
{
    static divert_queue_entry e[4];
    static const struct { uint32_t layer; uint64_t flags; int reinjected; } c[] = {
        {0, 0, 2}, {1, 0, 2}, {0, DIVERT_FLAG_SNIFF, 0}, {2, 0x05, 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        make_state(&handle, S_OPEN, c[i].layer, c[i].flags);
        memset(e, 0, sizeof e);
        for (int k = 0; k < 3; k++) {
            e[k].length = 40;
            divert_queue_push(&handle.queue, &e[k], k == 0 ? 0 : 5000000);
        }
        divert_queue_entry *re, *dis;
        divert_handle_close(&handle, 5000000, &re, &dis);      /* e0 is 5 s old: timed out */
        CHECK_EQ(count(re), c[i].reinjected);
        CHECK_EQ(count(dis), 3 - c[i].reinjected);
        if (c[i].reinjected) CHECK(re == &e[1] && re->next == &e[2] && dis == &e[0]);
        CHECK_EQ(handle.state, DIVERT_HANDLE_CLOSING);
        CHECK_EQ(handle.queue.count, 0);
        CHECK(!divert_handle_may_queue(&handle));
    }
    /* injected packets are seen only by strictly lower priority handles */
    make_state(&handle, S_OPEN, 0, 0);
    CHECK(divert_handle_sees_injected(&handle, handle.internal_priority + 1));
    CHECK(!divert_handle_sees_injected(&handle, handle.internal_priority));
}

/* SEND framing (9): the address array decides the count; hard and soft errors. */
static void test_send_loop(void)
{
    static uint8_t data[256 * 20 + 200];
    int n1 = hex_decode(SAMPLE_PACKETS[1], data, sizeof data);
    int n5 = hex_decode(SAMPLE_PACKETS[5], data + n1, sizeof data - (size_t)n1);
    size_t total = (size_t)(n1 + n5);
    struct { uint64_t addr_len; size_t len; uint32_t packets; divert_status expect; uint32_t bytes; } c[] = {
        {160, total, 2, OK, 124}, {80, total, 1, OK, 60}, {159, total, 1, OK, 60},
        {240, total, 2, SMALL, 124}, {160, total - 1, 1, SMALL, 60}, {160, 60 + 39, 1, SMALL, 60},
        {160, 60 + 19, 1, SMALL, 60}, {80, 19, 0, SMALL, 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        divert_request r = header(DIVERT_REQUEST_SEND, 1, c[i].addr_len);
        divert_send_batch b;
        size_t off;
        uint32_t len, idx, got = 0, bytes;
        divert_send_begin(&b, &r);
        while (divert_send_next(&b, data, c[i].len, &off, &len, &idx)) {
            CHECK_EQ(idx, got);
            CHECK_EQ(off, got == 0 ? 0 : 60);
            got++;
            divert_send_result(&b, OK);
        }
        CHECK_EQ(got, c[i].packets);
        CHECK_EQ(divert_send_complete(&b, &bytes), c[i].expect);
        CHECK_EQ(bytes, c[i].bytes);
    }
    /* soft errors are remembered (the last one wins), a hard one stops */
    divert_request r = header(DIVERT_REQUEST_SEND, 1, 160);
    divert_send_batch b;
    size_t off;
    uint32_t len, idx, bytes;
    divert_send_begin(&b, &r);
    CHECK(divert_send_next(&b, data, total, &off, &len, &idx));
    divert_send_result(&b, DIVERT_STATUS_HOPLIMIT_EXCEEDED);
    CHECK(divert_send_next(&b, data, total, &off, &len, &idx));
    divert_send_result(&b, OK);
    CHECK(!divert_send_next(&b, data, total, &off, &len, &idx));
    CHECK_EQ(divert_send_complete(&b, &bytes), DIVERT_STATUS_HOPLIMIT_EXCEEDED);
    CHECK_EQ(bytes, 124);
    divert_send_begin(&b, &r);
    CHECK(divert_send_next(&b, data, total, &off, &len, &idx));
    divert_send_result(&b, DIVERT_STATUS_INSUFFICIENT_RESOURCES);
    CHECK(!divert_send_next(&b, data, total, &off, &len, &idx));
    CHECK_EQ(divert_send_complete(&b, &bytes), DIVERT_STATUS_INSUFFICIENT_RESOURCES);
    /* bad IP headers: IPv4 length < 20, unknown version */
    uint8_t bad[40];
    memcpy(bad, data, 40);
    bad[2] = 0;
    bad[3] = 19;
    CHECK_EQ(divert_send_packet_length(bad, 40, &len), INV);
    bad[0] = 0x55;
    CHECK_EQ(divert_send_packet_length(bad, 40, &len), INV);
    bad[0] = 0x60;
    CHECK_EQ(divert_send_packet_length(bad, 39, &len), SMALL);
    CHECK_EQ(divert_send_packet_length(bad, 19, &len), SMALL);
    /* at most 255 packets per request, extra data ignored */
    memset(data, 0, sizeof data);
    for (int k = 0; k < 256; k++) {
        data[20 * k] = 0x45;
        data[20 * k + 3] = 20;
    }
    r = header(DIVERT_REQUEST_SEND, 1, 20400);
    divert_send_begin(&b, &r);
    uint32_t got = 0;
    while (divert_send_next(&b, data, 256 * 20, &off, &len, &idx)) got++;
    CHECK_EQ(got, 255);
    CHECK_EQ(divert_send_complete(&b, &bytes), OK);
    CHECK_EQ(bytes, 255 * 20);
    divert_send_begin(&b, &r);
    CHECK(!divert_send_next(&b, NULL, 0, &off, &len, &idx));
    CHECK_EQ(divert_send_complete(&b, &bytes), SMALL);
}

static void test_hooks(void)
{
    const uint64_t IN = 0x10, OUT = 0x20, IP = 0x40, IP6 = 0x80;
#define H(x) (1u << DIVERT_HOOK_##x)
    CHECK_EQ(divert_hooks_for(0, 0xF0), H(INBOUND_IPPACKET_V4) | H(OUTBOUND_IPPACKET_V4)
             | H(INBOUND_IPPACKET_V6) | H(OUTBOUND_IPPACKET_V6));
    CHECK_EQ(divert_hooks_for(0, OUT | IP | IP6), H(OUTBOUND_IPPACKET_V4) | H(OUTBOUND_IPPACKET_V6));
    CHECK_EQ(divert_hooks_for(0, IN | IP6), H(INBOUND_IPPACKET_V6));
    CHECK_EQ(divert_hooks_for(0, IN | OUT), 0);
    CHECK_EQ(divert_hooks_for(0, 0), 0);
    CHECK_EQ(divert_hooks_for(1, IN | IP | IP6), H(IPFORWARD_V4) | H(IPFORWARD_V6));
    CHECK_EQ(divert_hooks_for(1, IP), H(IPFORWARD_V4));
    CHECK_EQ(divert_hooks_for(2, IP | IP6 | 0x100), H(ALE_FLOW_ESTABLISHED_V4) | H(ALE_FLOW_ESTABLISHED_V6));
    CHECK(divert_track_flow_deletion(2, 0x100) && !divert_track_flow_deletion(2, 0xC0));
    CHECK(!divert_track_flow_deletion(3, 0x100));
    CHECK_EQ(divert_hooks_for(3, IP | IP6 | 0x400), H(ALE_AUTH_CONNECT_V4) | H(ALE_AUTH_CONNECT_V6));
    CHECK_EQ(divert_hooks_for(3, IP | 0x2000), H(ALE_RESOURCE_RELEASE_V4) | H(ALE_ENDPOINT_CLOSURE_V4));
    CHECK_EQ(divert_hooks_for(3, IP6 | 0x200 | 0x800 | 0x1000),
             H(ALE_RESOURCE_ASSIGNMENT_V6) | H(ALE_AUTH_LISTEN_V6) | H(ALE_AUTH_RECV_ACCEPT_V6));
    CHECK_EQ(divert_hooks_for(3, 0x3E00), 0);
    CHECK_EQ(divert_hooks_for(4, 0x3FF0), 0);
    CHECK_EQ(divert_hooks_for(5, 0x3FF0), 0);
    int v6 = 0;
    for (int h = 0; h < DIVERT_HOOK_COUNT; h++) v6 += divert_hook_ipv6((divert_hook)h);
    CHECK_EQ(v6, 10);
    CHECK(!divert_hook_ipv6(DIVERT_HOOK_OUTBOUND_IPPACKET_V4) && divert_hook_ipv6(DIVERT_HOOK_INBOUND_IPPACKET_V6));
    CHECK(divert_hook_ipv6(DIVERT_HOOK_ALE_AUTH_RECV_ACCEPT_V6) && !divert_hook_ipv6(DIVERT_HOOK_IPFORWARD_V4));
#undef H
}

static void test_status_names(void)
{
    static const uint32_t win32[] = {0, 87, 122, 232, 1232, 22, 1, 1450, 995};
    for (int s = 0; s <= DIVERT_STATUS_CANCELLED; s++) {
        CHECK_EQ(divert_status_win32_error((divert_status)s), win32[s]);
        CHECK(strcmp(divert_status_name((divert_status)s), "UNKNOWN") != 0);
    }
}

int main(void)
{
    test_decode();
    test_state_matrix();
    test_arguments_before_state();
    test_initialize();
    test_startup();
    test_recv();
    test_send();
    test_params();
    test_shutdown();
    test_close();
    test_send_loop();
    test_hooks();
    test_status_names();
    return test_finish("handle");
}
