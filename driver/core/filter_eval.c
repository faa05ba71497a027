#include "filter_eval.h"

#include <stdbool.h>

#include "packet_hash.h"

typedef struct { uint8_t neg; uint32_t w[4]; } number;

typedef struct
{
    uint32_t layer;
    const DIVERT_ADDRESS *addr;
    const divert_packet_view *view;
    const divert_packet *pkt;
    bool hashed;
    uint64_t hash;
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

/* Array fields: reads the element if it lies inside the window (5.2). */
static bool array_value(const context *c, uint32_t field, int32_t index, number *v)
{
    static const uint8_t SIZE[] = {1, 2, 4};
    const divert_packet *p = c->pkt;
    uint32_t kind = (field - DIVERT_FIELD_PACKET) / 3;   /* 0 packet, 1 tcp, 2 udp */
    uint32_t size = SIZE[(field - DIVERT_FIELD_PACKET) % 3];
    int64_t lo, hi;
    if (kind == 0) {
        lo = 0;
        hi = c->view->length;
    } else {
        if (p->transport != (kind == 1 ? DIVERT_TRANSPORT_TCP : DIVERT_TRANSPORT_UDP)) {
            return false;
        }
        lo = p->header_length;
        hi = (int64_t)p->header_length + p->payload_length;
    }
    int64_t start = index >= 0 ? lo + index : hi + index;
    if (start < lo || start + size > hi) {
        return false;
    }
    uint8_t b[4];
    if (!divert_view_read(c->view, (uint32_t)start, size, b)) {
        return false;
    }
    uint32_t x = 0;
    for (uint32_t i = 0; i < size; i++) {
        x = x << 8 | b[i];
    }
    v->w[0] = x;
    return true;
}

static uint64_t packet_hash(context *c)
{
    if (!c->hashed) {
        c->hash = divert_packet_hash(c->pkt, (uint64_t)c->addr->Timestamp);
        c->hashed = true;
    }
    return c->hash;
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

/* Fields of the network layers that need the packet. */
static bool packet_value(context *c, uint32_t field, const divert_insn *ins, number *v)
{
    const divert_packet *p = c->pkt;
    const uint8_t *ip = p->ip;
    const uint8_t *th = p->transport_header;
    bool v4 = p->ip_version == 4, v6 = p->ip_version == 6;
    bool tcp = p->transport == DIVERT_TRANSPORT_TCP, udp = p->transport == DIVERT_TRANSPORT_UDP;
    bool icmp = p->transport == DIVERT_TRANSPORT_ICMP;
    bool icmp6 = p->transport == DIVERT_TRANSPORT_ICMPV6;
    bool out = c->addr->Outbound;
    uint32_t *w = &v->w[0];
    switch (field) {
    case DIVERT_FIELD_IP: *w = v4; return true;
    case DIVERT_FIELD_IPV6: *w = v6; return true;
    case DIVERT_FIELD_ICMP: *w = icmp; return true;
    case DIVERT_FIELD_TCP: *w = tcp; return true;
    case DIVERT_FIELD_UDP: *w = udp; return true;
    case DIVERT_FIELD_ICMPV6: *w = icmp6; return true;
    case DIVERT_FIELD_IP_HDRLENGTH: *w = ip[0] & 0x0Fu; return v4;
    case DIVERT_FIELD_IP_TOS: *w = ip[1]; return v4;
    case DIVERT_FIELD_IP_LENGTH: *w = divert_be16(ip + 2); return v4;
    case DIVERT_FIELD_IP_ID: *w = divert_be16(ip + 4); return v4;
    case DIVERT_FIELD_IP_DF: *w = (ip[6] & 0x40u) != 0; return v4;
    case DIVERT_FIELD_IP_MF: *w = (ip[6] & 0x20u) != 0; return v4;
    case DIVERT_FIELD_IP_FRAGOFF: *w = (uint32_t)(ip[6] & 0x1Fu) << 8 | ip[7]; return v4;
    case DIVERT_FIELD_IP_TTL: *w = ip[8]; return v4;
    case DIVERT_FIELD_IP_PROTOCOL: *w = ip[9]; return v4;
    case DIVERT_FIELD_IP_CHECKSUM: *w = divert_be16(ip + 10); return v4;
    case DIVERT_FIELD_IP_SRCADDR: set_ipv4(v, ip + 12); return v4;
    case DIVERT_FIELD_IP_DSTADDR: set_ipv4(v, ip + 16); return v4;
    case DIVERT_FIELD_IPV6_TRAFFICCLASS: *w = (uint32_t)(ip[0] & 0x0Fu) << 4 | ip[1] >> 4; return v6;
    case DIVERT_FIELD_IPV6_FLOWLABEL:
        /* The reference's byte-order slip, reproduced (filter-language.md 5.4). */
        *w = (uint32_t)ip[2] << 24 | (uint32_t)ip[3] << 16 | (uint32_t)(ip[1] & 0x0Fu) << 8;
        return v6;
    case DIVERT_FIELD_IPV6_LENGTH: *w = divert_be16(ip + 4); return v6;
    case DIVERT_FIELD_IPV6_NEXTHDR: *w = ip[6]; return v6;
    case DIVERT_FIELD_IPV6_HOPLIMIT: *w = ip[7]; return v6;
    case DIVERT_FIELD_IPV6_SRCADDR: set_ipv6(v, ip + 8); return v6;
    case DIVERT_FIELD_IPV6_DSTADDR: set_ipv6(v, ip + 24); return v6;
    case DIVERT_FIELD_ICMP_TYPE: *w = th[0]; return icmp;
    case DIVERT_FIELD_ICMP_CODE: *w = th[1]; return icmp;
    case DIVERT_FIELD_ICMP_CHECKSUM: *w = divert_be16(th + 2); return icmp;
    case DIVERT_FIELD_ICMP_BODY: *w = divert_be32(th + 4); return icmp;
    case DIVERT_FIELD_ICMPV6_TYPE: *w = th[0]; return icmp6;
    case DIVERT_FIELD_ICMPV6_CODE: *w = th[1]; return icmp6;
    case DIVERT_FIELD_ICMPV6_CHECKSUM: *w = divert_be16(th + 2); return icmp6;
    case DIVERT_FIELD_ICMPV6_BODY: *w = divert_be32(th + 4); return icmp6;
    case DIVERT_FIELD_TCP_SRCPORT: *w = divert_be16(th); return tcp;
    case DIVERT_FIELD_TCP_DSTPORT: *w = divert_be16(th + 2); return tcp;
    case DIVERT_FIELD_TCP_SEQNUM: *w = divert_be32(th + 4); return tcp;
    case DIVERT_FIELD_TCP_ACKNUM: *w = divert_be32(th + 8); return tcp;
    case DIVERT_FIELD_TCP_HDRLENGTH: *w = th[12] >> 4; return tcp;
    case DIVERT_FIELD_TCP_URG: *w = (th[13] & 0x20u) != 0; return tcp;
    case DIVERT_FIELD_TCP_ACK: *w = (th[13] & 0x10u) != 0; return tcp;
    case DIVERT_FIELD_TCP_PSH: *w = (th[13] & 0x08u) != 0; return tcp;
    case DIVERT_FIELD_TCP_RST: *w = (th[13] & 0x04u) != 0; return tcp;
    case DIVERT_FIELD_TCP_SYN: *w = (th[13] & 0x02u) != 0; return tcp;
    case DIVERT_FIELD_TCP_FIN: *w = (th[13] & 0x01u) != 0; return tcp;
    case DIVERT_FIELD_TCP_WINDOW: *w = divert_be16(th + 14); return tcp;
    case DIVERT_FIELD_TCP_CHECKSUM: *w = divert_be16(th + 16); return tcp;
    case DIVERT_FIELD_TCP_URGPTR: *w = divert_be16(th + 18); return tcp;
    case DIVERT_FIELD_TCP_PAYLOADLENGTH: *w = p->payload_length; return tcp;
    case DIVERT_FIELD_UDP_SRCPORT: *w = divert_be16(th); return udp;
    case DIVERT_FIELD_UDP_DSTPORT: *w = divert_be16(th + 2); return udp;
    case DIVERT_FIELD_UDP_LENGTH: *w = divert_be16(th + 4); return udp;
    case DIVERT_FIELD_UDP_CHECKSUM: *w = divert_be16(th + 6); return udp;
    case DIVERT_FIELD_UDP_PAYLOADLENGTH: *w = p->payload_length; return udp;
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
    default:
        if (divert_field_is_array(field)) {
            return array_value(c, field, (int32_t)ins->arg[1], v);
        }
        return false;
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
static bool field_value(context *c, const divert_insn *ins, number *v)
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
        return network ? packet_value(c, ins->field, ins, v) : endpoint_value(c, ins->field, v);
    }
}

/* a.4 COMPARE: sign first, then all words (wide) or only word 0. */
static int compare(const number *value, const divert_insn *ins, bool wide)
{
    if (value->neg != ins->neg) {
        return value->neg ? -1 : 1;
    }
    int c = 0;
    for (int i = wide ? 3 : 0; i >= 0 && c == 0; i--) {
        c = value->w[i] < ins->arg[i] ? -1 : value->w[i] > ins->arg[i] ? 1 : 0;
    }
    return value->neg ? -c : c;
}

static bool test(uint32_t t, int c)
{
    switch (t) {
    case DIVERT_FILTER_TEST_EQ: return c == 0;
    case DIVERT_FILTER_TEST_NEQ: return c != 0;
    case DIVERT_FILTER_TEST_LT: return c < 0;
    case DIVERT_FILTER_TEST_LEQ: return c <= 0;
    case DIVERT_FILTER_TEST_GT: return c > 0;
    default: return c >= 0;
    }
}

divert_eval_result divert_filter_eval(const divert_program *program, uint32_t layer,
                                      const DIVERT_ADDRESS *addr, const divert_packet_view *view,
                                      const divert_packet *packet)
{
    bool network = layer == DIVERT_LAYER_NETWORK || layer == DIVERT_LAYER_NETWORK_FORWARD;
    if (program == NULL || addr == NULL || layer > DIVERT_LAYER_MAX
        || (network && (view == NULL || packet == NULL))) {
        return DIVERT_EVAL_ERROR;
    }
    context c = {layer, addr, view, packet, false, 0};
    uint32_t pc = 0;
    /*
     * The value loaded last, reused while the same field (and array index) is tested again, as
     * in "tcp.DstPort == 22 or tcp.DstPort == 25 or ...": values do not change during one run.
     */
    const divert_insn *loaded = NULL;
    bool relevant = false;
    bool wide = false;
    number v = {0, {0, 0, 0, 0}};
    for (int step = 0; step < DIVERT_EVAL_MAX_STEPS; step++) {
        if (pc >= program->count) {
            return DIVERT_EVAL_ERROR;
        }
        const divert_insn *ins = &program->insn[pc];
        if (loaded == NULL || ins->field != loaded->field || ins->arg[1] != loaded->arg[1]) {
            if (!divert_field_legal(ins->field, layer)) {
                return DIVERT_EVAL_ERROR;
            }
            number fresh = {0, {0, 0, 0, 0}};
            v = fresh;
            relevant = field_value(&c, ins, &v);
            wide = divert_field_wide(ins->field);
            loaded = ins;
        }
        bool ok = relevant && test(ins->test, compare(&v, ins, wide));
        pc = ok ? ins->success : ins->failure;
        if (pc == DIVERT_FILTER_RESULT_ACCEPT) {
            return DIVERT_EVAL_MATCH;
        }
        if (pc == DIVERT_FILTER_RESULT_REJECT) {
            return DIVERT_EVAL_NOMATCH;
        }
    }
    return DIVERT_EVAL_ERROR;
}
