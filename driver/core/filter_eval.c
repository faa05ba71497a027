#include "core/filter_eval.h"

#include <stdbool.h>

#include "core/packet_hash.h"

typedef struct { uint8_t neg; uint32_t w[4]; } number;

typedef struct
{
    uint32_t layer;
    const DIVERT_ADDRESS *addr;
    const divert_packet_view *view;
    divert_packet *pkt;
} context;

static void set64(number *v, uint64_t x)
{
    v->w[0] = (uint32_t)x;
    v->w[1] = (uint32_t)(x >> 32);
}

/* A 128-bit address from 16 network-order bytes (w[3] = the first four). */
static void set_ipv6(number *v, const uint8_t *b)
{
    for (int i = 0; i < 4; i++) {
        v->w[3 - i] = divert_be32(b + 4 * i);
    }
}

/* The IPv4-mapped value ::ffff:a.b.c.d. */
static void set_ipv4(number *v, const uint8_t *b)
{
    v->w[0] = divert_be32(b);
    v->w[1] = 0xFFFFu;
}

static void set_words(number *v, const uint32_t w[4])
{
    for (int i = 0; i < 4; i++) {
        v->w[i] = w[i];
    }
}

/* `size` (1, 2 or 4) big-endian bytes. */
static uint32_t load_be(const uint8_t *b, uint32_t size)
{
    return size == 1 ? b[0] : size == 2 ? divert_be16(b) : divert_be32(b);
}

/*
 * Array fields: the element of ins->size bytes at index (from the end when negative) of the
 * packet (want NONE) or of the TCP/UDP payload (want that transport), if it lies inside (5.2).
 */
static bool array_value(const context *c, const divert_insn *ins, uint32_t *w)
{
    const divert_packet *p = c->pkt;
    int32_t index = (int32_t)ins->arg[1];
    int64_t lo = 0, hi = c->view->length;
    if (ins->want != DIVERT_TRANSPORT_NONE) {
        if (p->transport != ins->want) {
            return false;
        }
        lo = p->header_length;
        hi = lo + p->payload_length;
    }
    int64_t start = index >= 0 ? lo + index : hi + index;
    if (start < lo || start + ins->size > hi) {
        return false;
    }
    uint8_t storage[4];
    const uint8_t *b = divert_view_bytes(c->view, (uint32_t)start, ins->size, storage);
    if (b == NULL) {
        return false;
    }
    *w = load_be(b, ins->size);
    return true;
}

/* Not kept between instructions: random* fields are rare, and one run loads a value once. */
static uint64_t packet_hash(const context *c)
{
    return divert_packet_hash(c->pkt, (uint64_t)c->addr->Timestamp);
}

/* Transport port helpers for localPort/remotePort at the network layers. */
static uint32_t local_port(const divert_packet *p, bool outbound, bool local)
{
    const uint8_t *th = p->transport_header;
    switch (p->transport) {
    case DIVERT_TRANSPORT_TCP:
    case DIVERT_TRANSPORT_UDP:
        return divert_be16(th + (outbound == local ? 0 : 2));
    case DIVERT_TRANSPORT_ICMP:
    case DIVERT_TRANSPORT_ICMPV6:
        return outbound == local ? th[0] : 0;
    default:
        return 0;
    }
}

/* Network-layer fields that are not a header bit range. */
static bool packet_value(const context *c, uint32_t field, number *v)
{
    const divert_packet *p = c->pkt;
    const uint8_t *ip = p->ip;
    bool v4 = p->ip_version == 4, v6 = p->ip_version == 6;
    bool out = c->addr->Outbound;
    uint32_t *w = &v->w[0];
    switch (field) {
    case DIVERT_FIELD_IPV6_FLOWLABEL:
        if (!v6) {
            return false;
        }
        /* The reference's byte-order slip, reproduced (docs/spec/filter-language.md 5.4). */
        *w = (uint32_t)ip[2] << 24 | (uint32_t)ip[3] << 16 | (uint32_t)(ip[1] & 0x0Fu) << 8;
        return true;
    case DIVERT_FIELD_TCP_PAYLOADLENGTH:
        *w = p->payload_length;
        return p->transport == DIVERT_TRANSPORT_TCP;
    case DIVERT_FIELD_UDP_PAYLOADLENGTH:
        *w = p->payload_length;
        return p->transport == DIVERT_TRANSPORT_UDP;
    case DIVERT_FIELD_LOCALADDR:
    case DIVERT_FIELD_REMOTEADDR: {
        bool src = out == (field == DIVERT_FIELD_LOCALADDR);
        if (v4) {
            set_ipv4(v, ip + (src ? 12 : 16));
        } else {
            set_ipv6(v, ip + (src ? 8 : 24));
        }
        return true;
    }
    case DIVERT_FIELD_LOCALPORT: *w = local_port(p, out, true); return true;
    case DIVERT_FIELD_REMOTEPORT: *w = local_port(p, out, false); return true;
    case DIVERT_FIELD_PROTOCOL: *w = p->protocol; return true;
    case DIVERT_FIELD_LENGTH: *w = c->view->length; return true;
    case DIVERT_FIELD_RANDOM8: *w = (uint32_t)(packet_hash(c) >> 48) & 0xFFu; return true;
    case DIVERT_FIELD_RANDOM16: *w = (uint32_t)(packet_hash(c) >> 32) & 0xFFFFu; return true;
    case DIVERT_FIELD_RANDOM32: *w = (uint32_t)packet_hash(c); return true;
    case DIVERT_FIELD_FRAGMENT: *w = p->fragment; return true;
    default: return false;
    }
}

/* Fields of the FLOW and SOCKET layers that come from the 5-tuple (5.1, 5.4 quirks). */
static bool endpoint_value(const context *c, uint32_t field, number *v)
{
    const DIVERT_DATA_FLOW *f = &c->addr->Flow;
    uint32_t *w = &v->w[0];
    switch (field) {
    case DIVERT_FIELD_IP:
    case DIVERT_FIELD_IPV6: *w = 0; return true;
    case DIVERT_FIELD_ICMP: *w = !c->addr->IPv6 && f->Protocol == 1; return true;
    case DIVERT_FIELD_TCP: *w = f->Protocol == 6; return true;
    case DIVERT_FIELD_UDP: *w = f->Protocol == 17; return true;
    case DIVERT_FIELD_ICMPV6: *w = c->addr->IPv6 && f->Protocol == 58; return true;
    case DIVERT_FIELD_LOCALADDR: set_words(v, f->LocalAddr); return true;
    case DIVERT_FIELD_REMOTEADDR: set_words(v, f->RemoteAddr); return true;
    case DIVERT_FIELD_LOCALPORT: *w = f->LocalPort; return true;
    case DIVERT_FIELD_REMOTEPORT: *w = f->RemotePort; return true;
    case DIVERT_FIELD_PROTOCOL: *w = f->Protocol; return true;
    case DIVERT_FIELD_PROCESSID: *w = f->ProcessId; return true;
    case DIVERT_FIELD_ENDPOINTID: set64(v, f->EndpointId); return true;
    case DIVERT_FIELD_PARENTENDPOINTID: set64(v, f->ParentEndpointId); return true;
    default: return false;
    }
}

/* The value of a field legal for c->layer; false when the field is not relevant. */
static bool field_value(const context *c, const divert_insn *ins, number *v)
{
    const DIVERT_ADDRESS *a = c->addr;
    bool network = c->layer == DIVERT_LAYER_NETWORK || c->layer == DIVERT_LAYER_NETWORK_FORWARD;
    switch (ins->field) {
    case DIVERT_FIELD_ZERO: return true;
    case DIVERT_FIELD_INBOUND: v->w[0] = !a->Outbound; return true;
    case DIVERT_FIELD_OUTBOUND: v->w[0] = a->Outbound; return true;
    case DIVERT_FIELD_IFIDX: v->w[0] = a->Network.IfIdx; return true;
    case DIVERT_FIELD_SUBIFIDX: v->w[0] = a->Network.SubIfIdx; return true;
    case DIVERT_FIELD_LOOPBACK: v->w[0] = a->Loopback; return true;
    case DIVERT_FIELD_IMPOSTOR: v->w[0] = a->Impostor; return true;
    case DIVERT_FIELD_EVENT: v->w[0] = a->Event; return true;
    case DIVERT_FIELD_TIMESTAMP:
        v->neg = a->Timestamp < 0;
        /* unsigned negation: |INT64_MIN| = 2^63 without overflow */
        set64(v, a->Timestamp < 0 ? UINT64_C(0) - (uint64_t)a->Timestamp : (uint64_t)a->Timestamp);
        return true;
    case DIVERT_FIELD_LAYER: v->w[0] = a->Reflect.Layer; return true;
    case DIVERT_FIELD_PRIORITY:
        v->neg = a->Reflect.Priority < 0;
        v->w[0] = (uint32_t)(a->Reflect.Priority < 0 ? -(int32_t)a->Reflect.Priority
                                                     : (int32_t)a->Reflect.Priority);
        return true;
    case DIVERT_FIELD_PROCESSID:
        if (c->layer == DIVERT_LAYER_REFLECT) {
            v->w[0] = a->Reflect.ProcessId;
            return true;
        }
        return endpoint_value(c, ins->field, v);
    default:
        return network ? packet_value(c, ins->field, v) : endpoint_value(c, ins->field, v);
    }
}

/* a.4 COMPARE: sign first, then all words (wide) or only word 0. */
static int compare(const number *value, const divert_insn *ins)
{
    if (value->neg != ins->neg) {
        return value->neg ? -1 : 1;
    }
    int c = 0;
    for (int i = (ins->flags & DIVERT_INSN_WIDE) != 0 ? 3 : 0; i >= 0 && c == 0; i--) {
        c = value->w[i] < ins->arg[i] ? -1 : value->w[i] > ins->arg[i] ? 1 : 0;
    }
    return value->neg ? -c : c;
}

/*
 * A membership run from pc (divert_insn.run_end): where the chain of single tests would end.
 * Irrelevant values fail every test, as they would one by one.
 */
static uint32_t run(const divert_program *program, uint32_t pc, bool relevant, uint32_t value)
{
    const divert_insn *first = &program->insn[pc];
    const divert_insn *last = &program->insn[first->run_end];
    bool member = false;
    for (const divert_insn *i = first; relevant && !member && i <= last; i++) {
        member = i->arg[0] == value;
    }
    bool eq = first->test == DIVERT_FILTER_TEST_EQ;
    if (!relevant) {
        return eq ? last->failure : first->failure;
    }
    if (eq) {
        return member ? first->success : last->failure;
    }
    return member ? first->failure : last->success;
}

/* Is the packet walked (lazy decomposition, packet_parse.h), walking it now if need be? */
static bool walked(const divert_packet_view *view, divert_packet *p)
{
    return p->walked || divert_packet_walk(view, p);
}

/*
 * The values that are not a header bit range (arrays, addresses, the address record, ...)
 * into *v: 1 when relevant, 0 when not, -1 when the packet cannot be walked.
 */
static int other_value(uint32_t layer, const DIVERT_ADDRESS *addr, const divert_packet_view *view,
                       divert_packet *packet, const divert_insn *ins, number *v)
{
    bool network = layer == DIVERT_LAYER_NETWORK || layer == DIVERT_LAYER_NETWORK_FORWARD;
    const context c = {layer, addr, view, packet};
    if (network && (ins->flags & DIVERT_INSN_WALK) != 0 && !walked(view, packet)) {
        return -1;
    }
    number fresh = {0, {0, 0, 0, 0}};
    *v = fresh;
    if (network && ins->access == DIVERT_ACCESS_ARRAY) {
        return array_value(&c, ins, &v->w[0]);
    }
    return field_value(&c, ins, v);
}

/*
 * Like other_value for a network layer, the header fields (access IP, TRANSPORT, IS_*) read
 * here from the decomposition directly into *w (the compare sees a non-negative narrow value):
 * an absent header's bytes are never read (ip and transport_header may point straight into
 * the packet, and a short packet has no such bytes). Inline so that the value stays in a
 * register: the evaluator's number is only for the wide and signed values.
 */
static inline int header_value(const divert_packet_view *view, divert_packet *p,
                               const divert_insn *ins, uint32_t *w)
{
    const uint8_t *header;
    switch (ins->access) {
    case DIVERT_ACCESS_IP:
        if (p->ip_version != ins->want) {
            return 0;
        }
        header = p->ip;
        break;
    case DIVERT_ACCESS_TRANSPORT:
        if (!walked(view, p)) {
            return -1;
        }
        if (p->transport != ins->want) {
            return 0;
        }
        header = p->transport_header;
        break;
    case DIVERT_ACCESS_IS_IP:
        *w = p->ip_version == ins->want;
        return 1;
    default: /* DIVERT_ACCESS_IS_TRANSPORT */
        if (!walked(view, p)) {
            return -1;
        }
        *w = p->transport == ins->want;
        return 1;
    }
    *w = load_be(header + ins->offset, ins->size) >> ins->shift & ins->mask;
    return 1;
}

/* The IPv4 (mapped) or IPv6 address of access ADDRESS, read only after the version test. */
static int address_value(const divert_packet *p, const divert_insn *ins, number *v)
{
    /* a short IPv4 packet has no byte 24 */
    if (p->ip_version != ins->want) {
        return 0;
    }
    v->neg = 0;
    if (ins->want == 6) {
        set_ipv6(v, p->ip + ins->offset);
    } else {
        v->w[2] = v->w[3] = 0;
        set_ipv4(v, p->ip + ins->offset);
    }
    return 1;
}

/* The result mapping at the end of divert_filter_eval: ACCEPT (even) -> 1, REJECT -> 0. */
_Static_assert(DIVERT_FILTER_RESULT_ACCEPT % 2 == 0
               && DIVERT_FILTER_RESULT_REJECT == DIVERT_FILTER_RESULT_ACCEPT + 1
               && DIVERT_EVAL_MATCH == 1 && DIVERT_EVAL_NOMATCH == 0, "result labels");

divert_eval_result divert_filter_eval(const divert_program *program, uint32_t layer,
                                      const DIVERT_ADDRESS *addr, const divert_packet_view *view,
                                      divert_packet *packet)
{
    bool network = layer <= DIVERT_LAYER_NETWORK_FORWARD;
    if (program == NULL || addr == NULL || layer > DIVERT_LAYER_MAX || program->count == 0
        || (network && (view == NULL || packet == NULL))) {
        return DIVERT_EVAL_ERROR;
    }
    const divert_insn *insn = program->insn;
    uint32_t pc = 0, count = program->count;
    int relevant = 0;
    uint32_t w = 0;   /* the value's word 0; v holds all of it only when not a header field */
    number v = {0, {0, 0, 0, 0}};
    for (int step = 0; step < DIVERT_EVAL_MAX_STEPS; step++) {
        const divert_insn *ins = &insn[pc];
        uint32_t flags = ins->flags;
        if ((flags & DIVERT_INSN_REUSE) == 0) {
            if ((ins->layers >> layer & 1u) == 0) {
                return DIVERT_EVAL_ERROR;
            }
            if (network && (flags & DIVERT_INSN_HEADER) != 0) {
                relevant = header_value(view, packet, ins, &w);
            } else {
                relevant = network && ins->access == DIVERT_ACCESS_ADDRESS
                    ? address_value(packet, ins, &v)
                    : other_value(layer, addr, view, packet, ins, &v);
                w = v.w[0];
            }
            if (relevant < 0) {
                return DIVERT_EVAL_ERROR;
            }
        }
        if ((flags & DIVERT_INSN_EQ) != 0) {
            pc = relevant && w == ins->arg[0] ? ins->success : ins->failure;
        } else if (ins->run_end > pc) {
            /* the run counts as the steps it stands for */
            step += ins->run_end - pc;
            pc = run(program, pc, relevant, w);
        } else {
            bool ok = false;
            if (relevant) {
                int cmp;
                if ((flags & DIVERT_INSN_NARROW) != 0) {
                    cmp = (w > ins->arg[0]) - (w < ins->arg[0]);
                } else {
                    if (network && (flags & DIVERT_INSN_HEADER) != 0) {
                        /* a header value against a negative constant */
                        v.neg = 0;
                        v.w[0] = w;
                    }
                    cmp = compare(&v, ins);
                }
                ok = (ins->outcomes >> (cmp + 1) & 1u) != 0;
            }
            pc = ok ? ins->success : ins->failure;
        }
        /* one test for both results and a bad label: ACCEPT and REJECT lie beyond any count */
        if (pc >= count) {
            return pc - DIVERT_FILTER_RESULT_ACCEPT <= 1u ? (divert_eval_result)(~pc & 1u)
                                                         : DIVERT_EVAL_ERROR;
        }
    }
    return DIVERT_EVAL_ERROR;
}
