#include "core/filter_program.h"

enum { L_N = 1u << DIVERT_LAYER_NETWORK, L_F = 1u << DIVERT_LAYER_NETWORK_FORWARD,
       L_FL = 1u << DIVERT_LAYER_FLOW, L_S = 1u << DIVERT_LAYER_SOCKET,
       L_R = 1u << DIVERT_LAYER_REFLECT,
       L_ALL = L_N | L_F | L_FL | L_S | L_R, L_NF = L_N | L_F, L_NFLS = L_N | L_FL | L_S,
       L_NFFLS = L_N | L_F | L_FL | L_S, L_FLS = L_FL | L_S };

/* Driver ranges of a.7 rule 6. */
enum range { R_BOOL, R_LAYER, R_PRIORITY, R_EVENT, R_NIBBLE, R_BYTE, R_FRAGOFF, R_U16,
             R_LENGTH, R_FLOWLABEL, R_IPV4, R_TIMESTAMP, R_U32, R_U64, R_U128 };

static const struct { uint8_t layers; uint8_t range; } FIELDS[DIVERT_FIELD_COUNT] = {
    [DIVERT_FIELD_ZERO] = {L_ALL, R_BOOL},
    [DIVERT_FIELD_INBOUND] = {L_NFLS, R_BOOL},
    [DIVERT_FIELD_OUTBOUND] = {L_NFLS, R_BOOL},
    [DIVERT_FIELD_IFIDX] = {L_NF, R_U32},
    [DIVERT_FIELD_SUBIFIDX] = {L_NF, R_U32},
    [DIVERT_FIELD_IP] = {L_NFFLS, R_BOOL},
    [DIVERT_FIELD_IPV6] = {L_NFFLS, R_BOOL},
    [DIVERT_FIELD_ICMP] = {L_NFFLS, R_BOOL},
    [DIVERT_FIELD_TCP] = {L_NFFLS, R_BOOL},
    [DIVERT_FIELD_UDP] = {L_NFFLS, R_BOOL},
    [DIVERT_FIELD_ICMPV6] = {L_NFFLS, R_BOOL},
    [DIVERT_FIELD_IP_HDRLENGTH] = {L_NF, R_NIBBLE},
    [DIVERT_FIELD_IP_TOS] = {L_NF, R_BYTE},
    [DIVERT_FIELD_IP_LENGTH] = {L_NF, R_U16},
    [DIVERT_FIELD_IP_ID] = {L_NF, R_U16},
    [DIVERT_FIELD_IP_DF] = {L_NF, R_BOOL},
    [DIVERT_FIELD_IP_MF] = {L_NF, R_BOOL},
    [DIVERT_FIELD_IP_FRAGOFF] = {L_NF, R_FRAGOFF},
    [DIVERT_FIELD_IP_TTL] = {L_NF, R_BYTE},
    [DIVERT_FIELD_IP_PROTOCOL] = {L_NF, R_BYTE},
    [DIVERT_FIELD_IP_CHECKSUM] = {L_NF, R_U16},
    [DIVERT_FIELD_IP_SRCADDR] = {L_NF, R_IPV4},
    [DIVERT_FIELD_IP_DSTADDR] = {L_NF, R_IPV4},
    [DIVERT_FIELD_IPV6_TRAFFICCLASS] = {L_NF, R_BYTE},
    [DIVERT_FIELD_IPV6_FLOWLABEL] = {L_NF, R_FLOWLABEL},
    [DIVERT_FIELD_IPV6_LENGTH] = {L_NF, R_U16},
    [DIVERT_FIELD_IPV6_NEXTHDR] = {L_NF, R_BYTE},
    [DIVERT_FIELD_IPV6_HOPLIMIT] = {L_NF, R_BYTE},
    [DIVERT_FIELD_IPV6_SRCADDR] = {L_NF, R_U128},
    [DIVERT_FIELD_IPV6_DSTADDR] = {L_NF, R_U128},
    [DIVERT_FIELD_ICMP_TYPE] = {L_NF, R_BYTE},
    [DIVERT_FIELD_ICMP_CODE] = {L_NF, R_BYTE},
    [DIVERT_FIELD_ICMP_CHECKSUM] = {L_NF, R_U16},
    [DIVERT_FIELD_ICMP_BODY] = {L_NF, R_U32},
    [DIVERT_FIELD_ICMPV6_TYPE] = {L_NF, R_BYTE},
    [DIVERT_FIELD_ICMPV6_CODE] = {L_NF, R_BYTE},
    [DIVERT_FIELD_ICMPV6_CHECKSUM] = {L_NF, R_U16},
    [DIVERT_FIELD_ICMPV6_BODY] = {L_NF, R_U32},
    [DIVERT_FIELD_TCP_SRCPORT] = {L_NF, R_U16},
    [DIVERT_FIELD_TCP_DSTPORT] = {L_NF, R_U16},
    [DIVERT_FIELD_TCP_SEQNUM] = {L_NF, R_U32},
    [DIVERT_FIELD_TCP_ACKNUM] = {L_NF, R_U32},
    [DIVERT_FIELD_TCP_HDRLENGTH] = {L_NF, R_NIBBLE},
    [DIVERT_FIELD_TCP_URG] = {L_NF, R_BOOL},
    [DIVERT_FIELD_TCP_ACK] = {L_NF, R_BOOL},
    [DIVERT_FIELD_TCP_PSH] = {L_NF, R_BOOL},
    [DIVERT_FIELD_TCP_RST] = {L_NF, R_BOOL},
    [DIVERT_FIELD_TCP_SYN] = {L_NF, R_BOOL},
    [DIVERT_FIELD_TCP_FIN] = {L_NF, R_BOOL},
    [DIVERT_FIELD_TCP_WINDOW] = {L_NF, R_U16},
    [DIVERT_FIELD_TCP_CHECKSUM] = {L_NF, R_U16},
    [DIVERT_FIELD_TCP_URGPTR] = {L_NF, R_U16},
    [DIVERT_FIELD_TCP_PAYLOADLENGTH] = {L_NF, R_U16},
    [DIVERT_FIELD_UDP_SRCPORT] = {L_NF, R_U16},
    [DIVERT_FIELD_UDP_DSTPORT] = {L_NF, R_U16},
    [DIVERT_FIELD_UDP_LENGTH] = {L_NF, R_U16},
    [DIVERT_FIELD_UDP_CHECKSUM] = {L_NF, R_U16},
    [DIVERT_FIELD_UDP_PAYLOADLENGTH] = {L_NF, R_U16},
    [DIVERT_FIELD_LOOPBACK] = {L_NFLS, R_U32},
    [DIVERT_FIELD_IMPOSTOR] = {L_NF, R_U32},
    [DIVERT_FIELD_PROCESSID] = {L_FLS | L_R, R_U32},
    [DIVERT_FIELD_LOCALADDR] = {L_NFLS, R_U128},
    [DIVERT_FIELD_REMOTEADDR] = {L_NFLS, R_U128},
    [DIVERT_FIELD_LOCALPORT] = {L_NFLS, R_U16},
    [DIVERT_FIELD_REMOTEPORT] = {L_NFLS, R_U16},
    [DIVERT_FIELD_PROTOCOL] = {L_NFLS, R_BYTE},
    [DIVERT_FIELD_ENDPOINTID] = {L_FLS, R_U64},
    [DIVERT_FIELD_PARENTENDPOINTID] = {L_FLS, R_U64},
    [DIVERT_FIELD_LAYER] = {L_R, R_LAYER},
    [DIVERT_FIELD_PRIORITY] = {L_R, R_PRIORITY},
    [DIVERT_FIELD_EVENT] = {L_ALL, R_EVENT},
    [DIVERT_FIELD_PACKET] = {L_NF, R_BYTE},
    [DIVERT_FIELD_PACKET16] = {L_NF, R_U16},
    [DIVERT_FIELD_PACKET32] = {L_NF, R_U32},
    [DIVERT_FIELD_TCP_PAYLOAD] = {L_NF, R_BYTE},
    [DIVERT_FIELD_TCP_PAYLOAD16] = {L_NF, R_U16},
    [DIVERT_FIELD_TCP_PAYLOAD32] = {L_NF, R_U32},
    [DIVERT_FIELD_UDP_PAYLOAD] = {L_NF, R_BYTE},
    [DIVERT_FIELD_UDP_PAYLOAD16] = {L_NF, R_U16},
    [DIVERT_FIELD_UDP_PAYLOAD32] = {L_NF, R_U32},
    [DIVERT_FIELD_LENGTH] = {L_NF, R_LENGTH},
    [DIVERT_FIELD_TIMESTAMP] = {L_ALL, R_TIMESTAMP},
    [DIVERT_FIELD_RANDOM8] = {L_NF, R_BYTE},
    [DIVERT_FIELD_RANDOM16] = {L_NF, R_U16},
    [DIVERT_FIELD_RANDOM32] = {L_NF, R_U32},
    [DIVERT_FIELD_FRAGMENT] = {L_NF, R_BOOL},
};

/* Where the network layers find each field (divert_insn.access); zero: OTHER, no walk. */
typedef struct { uint8_t access, want, offset, size, shift, walk; uint32_t mask; } access;

#define MASK(bits) (0xFFFFFFFFu >> (32 - (bits)))
#define IPV4(offset, size, shift, bits) {DIVERT_ACCESS_IP, 4, offset, size, shift, 0, MASK(bits)}
#define IPV6(offset, size, shift, bits) {DIVERT_ACCESS_IP, 6, offset, size, shift, 0, MASK(bits)}
#define TRANSPORT(kind, offset, size, shift, bits) \
    {DIVERT_ACCESS_TRANSPORT, DIVERT_TRANSPORT_##kind, offset, size, shift, 1, MASK(bits)}
#define ADDRESS(version, offset) {DIVERT_ACCESS_ADDRESS, version, offset, 0, 0, 0, 0}
/* The protocol fields (ip, tcp, ...): 1 when the header is there, always relevant. */
#define IS_IP(version) {DIVERT_ACCESS_IS_IP, version, 0, 0, 0, 0, 0}
#define IS_TRANSPORT(kind) {DIVERT_ACCESS_IS_TRANSPORT, DIVERT_TRANSPORT_##kind, 0, 0, 0, 1, 0}
/* Array fields (packet[i], tcp.Payload16[i], ...): `size`-byte elements of a window. */
#define ARRAY(kind, size) \
    {DIVERT_ACCESS_ARRAY, DIVERT_TRANSPORT_##kind, 0, size, 0, DIVERT_TRANSPORT_##kind != 0, 0}
/* Other fields that read what the walk finds (the protocol, ports, payload, fragment, hash). */
#define WALKED {DIVERT_ACCESS_OTHER, 0, 0, 0, 0, 1, 0}

static const access ACCESS[DIVERT_FIELD_COUNT] = {
    [DIVERT_FIELD_IP] = IS_IP(4),
    [DIVERT_FIELD_IPV6] = IS_IP(6),
    [DIVERT_FIELD_ICMP] = IS_TRANSPORT(ICMP),
    [DIVERT_FIELD_TCP] = IS_TRANSPORT(TCP),
    [DIVERT_FIELD_UDP] = IS_TRANSPORT(UDP),
    [DIVERT_FIELD_ICMPV6] = IS_TRANSPORT(ICMPV6),
    [DIVERT_FIELD_IP_HDRLENGTH] = IPV4(0, 1, 0, 4),
    [DIVERT_FIELD_IP_TOS] = IPV4(1, 1, 0, 8),
    [DIVERT_FIELD_IP_LENGTH] = IPV4(2, 2, 0, 16),
    [DIVERT_FIELD_IP_ID] = IPV4(4, 2, 0, 16),
    [DIVERT_FIELD_IP_DF] = IPV4(6, 1, 6, 1),
    [DIVERT_FIELD_IP_MF] = IPV4(6, 1, 5, 1),
    [DIVERT_FIELD_IP_FRAGOFF] = IPV4(6, 2, 0, 13),
    [DIVERT_FIELD_IP_TTL] = IPV4(8, 1, 0, 8),
    [DIVERT_FIELD_IP_PROTOCOL] = IPV4(9, 1, 0, 8),
    [DIVERT_FIELD_IP_CHECKSUM] = IPV4(10, 2, 0, 16),
    [DIVERT_FIELD_IP_SRCADDR] = ADDRESS(4, 12),
    [DIVERT_FIELD_IP_DSTADDR] = ADDRESS(4, 16),
    [DIVERT_FIELD_IPV6_TRAFFICCLASS] = IPV6(0, 2, 4, 8),
    [DIVERT_FIELD_IPV6_LENGTH] = IPV6(4, 2, 0, 16),
    [DIVERT_FIELD_IPV6_NEXTHDR] = IPV6(6, 1, 0, 8),
    [DIVERT_FIELD_IPV6_HOPLIMIT] = IPV6(7, 1, 0, 8),
    [DIVERT_FIELD_IPV6_SRCADDR] = ADDRESS(6, 8),
    [DIVERT_FIELD_IPV6_DSTADDR] = ADDRESS(6, 24),
    [DIVERT_FIELD_ICMP_TYPE] = TRANSPORT(ICMP, 0, 1, 0, 8),
    [DIVERT_FIELD_ICMP_CODE] = TRANSPORT(ICMP, 1, 1, 0, 8),
    [DIVERT_FIELD_ICMP_CHECKSUM] = TRANSPORT(ICMP, 2, 2, 0, 16),
    [DIVERT_FIELD_ICMP_BODY] = TRANSPORT(ICMP, 4, 4, 0, 32),
    [DIVERT_FIELD_ICMPV6_TYPE] = TRANSPORT(ICMPV6, 0, 1, 0, 8),
    [DIVERT_FIELD_ICMPV6_CODE] = TRANSPORT(ICMPV6, 1, 1, 0, 8),
    [DIVERT_FIELD_ICMPV6_CHECKSUM] = TRANSPORT(ICMPV6, 2, 2, 0, 16),
    [DIVERT_FIELD_ICMPV6_BODY] = TRANSPORT(ICMPV6, 4, 4, 0, 32),
    [DIVERT_FIELD_TCP_SRCPORT] = TRANSPORT(TCP, 0, 2, 0, 16),
    [DIVERT_FIELD_TCP_DSTPORT] = TRANSPORT(TCP, 2, 2, 0, 16),
    [DIVERT_FIELD_TCP_SEQNUM] = TRANSPORT(TCP, 4, 4, 0, 32),
    [DIVERT_FIELD_TCP_ACKNUM] = TRANSPORT(TCP, 8, 4, 0, 32),
    [DIVERT_FIELD_TCP_HDRLENGTH] = TRANSPORT(TCP, 12, 1, 4, 4),
    [DIVERT_FIELD_TCP_URG] = TRANSPORT(TCP, 13, 1, 5, 1),
    [DIVERT_FIELD_TCP_ACK] = TRANSPORT(TCP, 13, 1, 4, 1),
    [DIVERT_FIELD_TCP_PSH] = TRANSPORT(TCP, 13, 1, 3, 1),
    [DIVERT_FIELD_TCP_RST] = TRANSPORT(TCP, 13, 1, 2, 1),
    [DIVERT_FIELD_TCP_SYN] = TRANSPORT(TCP, 13, 1, 1, 1),
    [DIVERT_FIELD_TCP_FIN] = TRANSPORT(TCP, 13, 1, 0, 1),
    [DIVERT_FIELD_TCP_WINDOW] = TRANSPORT(TCP, 14, 2, 0, 16),
    [DIVERT_FIELD_TCP_CHECKSUM] = TRANSPORT(TCP, 16, 2, 0, 16),
    [DIVERT_FIELD_TCP_URGPTR] = TRANSPORT(TCP, 18, 2, 0, 16),
    [DIVERT_FIELD_TCP_PAYLOADLENGTH] = WALKED,
    [DIVERT_FIELD_UDP_SRCPORT] = TRANSPORT(UDP, 0, 2, 0, 16),
    [DIVERT_FIELD_UDP_DSTPORT] = TRANSPORT(UDP, 2, 2, 0, 16),
    [DIVERT_FIELD_UDP_LENGTH] = TRANSPORT(UDP, 4, 2, 0, 16),
    [DIVERT_FIELD_UDP_CHECKSUM] = TRANSPORT(UDP, 6, 2, 0, 16),
    [DIVERT_FIELD_UDP_PAYLOADLENGTH] = WALKED,
    [DIVERT_FIELD_LOCALPORT] = WALKED,
    [DIVERT_FIELD_REMOTEPORT] = WALKED,
    [DIVERT_FIELD_PROTOCOL] = WALKED,
    [DIVERT_FIELD_PACKET] = ARRAY(NONE, 1),
    [DIVERT_FIELD_PACKET16] = ARRAY(NONE, 2),
    [DIVERT_FIELD_PACKET32] = ARRAY(NONE, 4),
    [DIVERT_FIELD_TCP_PAYLOAD] = ARRAY(TCP, 1),
    [DIVERT_FIELD_TCP_PAYLOAD16] = ARRAY(TCP, 2),
    [DIVERT_FIELD_TCP_PAYLOAD32] = ARRAY(TCP, 4),
    [DIVERT_FIELD_UDP_PAYLOAD] = ARRAY(UDP, 1),
    [DIVERT_FIELD_UDP_PAYLOAD16] = ARRAY(UDP, 2),
    [DIVERT_FIELD_UDP_PAYLOAD32] = ARRAY(UDP, 4),
    [DIVERT_FIELD_RANDOM8] = WALKED,
    [DIVERT_FIELD_RANDOM16] = WALKED,
    [DIVERT_FIELD_RANDOM32] = WALKED,
    [DIVERT_FIELD_FRAGMENT] = WALKED,
};

/* Sign-magnitude 128-bit number, w[0] least significant. */
typedef struct { uint8_t neg; uint32_t w[4]; } number;

static const struct { number lo, hi; } RANGES[] = {
    [R_BOOL] = {{0, {0}}, {0, {1}}},
    [R_LAYER] = {{0, {0}}, {0, {4}}},
    [R_PRIORITY] = {{1, {30000}}, {0, {30000}}},
    [R_EVENT] = {{0, {0}}, {0, {9}}},
    [R_NIBBLE] = {{0, {0}}, {0, {15}}},
    [R_BYTE] = {{0, {0}}, {0, {255}}},
    [R_FRAGOFF] = {{0, {0}}, {0, {0x1FFF}}},
    [R_U16] = {{0, {0}}, {0, {0xFFFF}}},
    [R_LENGTH] = {{0, {20}}, {0, {DIVERT_MTU_MAX}}},
    [R_FLOWLABEL] = {{0, {0}}, {0, {0xFFFFF}}},
    [R_IPV4] = {{0, {0, 0xFFFF}}, {0, {0xFFFFFFFFu, 0xFFFF}}},
    [R_TIMESTAMP] = {{1, {0, 0x80000000u}}, {0, {0xFFFFFFFFu, 0x7FFFFFFFu}}},
    [R_U32] = {{0, {0}}, {0, {0xFFFFFFFFu}}},
    [R_U64] = {{0, {0}}, {0, {0xFFFFFFFFu, 0xFFFFFFFFu}}},
    [R_U128] = {{0, {0}}, {0, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}}},
};

bool divert_field_legal(uint32_t field, uint32_t layer)
{
    return field < DIVERT_FIELD_COUNT && layer <= DIVERT_LAYER_MAX
        && (FIELDS[field].layers & (1u << layer)) != 0;
}

bool divert_field_wide(uint32_t field)
{
    switch (field) {
    case DIVERT_FIELD_IP_SRCADDR: case DIVERT_FIELD_IP_DSTADDR:
    case DIVERT_FIELD_IPV6_SRCADDR: case DIVERT_FIELD_IPV6_DSTADDR:
    case DIVERT_FIELD_LOCALADDR: case DIVERT_FIELD_REMOTEADDR:
    case DIVERT_FIELD_ENDPOINTID: case DIVERT_FIELD_PARENTENDPOINTID:
    case DIVERT_FIELD_TIMESTAMP:
        return true;
    default:
        return false;
    }
}

bool divert_field_is_array(uint32_t field)
{
    return field >= DIVERT_FIELD_PACKET && field <= DIVERT_FIELD_UDP_PAYLOAD32;
}

/* Full 128-bit sign-magnitude comparison: -1, 0, +1 (the sign flag alone decides first). */
static int compare(const number *a, const number *b)
{
    if (a->neg != b->neg) {
        return a->neg ? -1 : 1;
    }
    int c = 0;
    for (int i = 3; i >= 0 && c == 0; i--) {
        c = a->w[i] < b->w[i] ? -1 : a->w[i] > b->w[i] ? 1 : 0;
    }
    return a->neg ? -c : c;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The evaluator's view of an instruction (see divert_insn). */
static void derive(divert_insn *ins)
{
    static const uint8_t OUTCOMES[] = {
        [DIVERT_FILTER_TEST_EQ] = 2, [DIVERT_FILTER_TEST_NEQ] = 5, [DIVERT_FILTER_TEST_LT] = 1,
        [DIVERT_FILTER_TEST_LEQ] = 3, [DIVERT_FILTER_TEST_GT] = 4, [DIVERT_FILTER_TEST_GEQ] = 6,
    };
    bool is_signed = ins->field == DIVERT_FIELD_PRIORITY || ins->field == DIVERT_FIELD_TIMESTAMP;
    ins->layers = ins->field < DIVERT_FIELD_COUNT ? FIELDS[ins->field].layers : 0;
    ins->outcomes = ins->test <= DIVERT_FILTER_TEST_MAX ? OUTCOMES[ins->test] : 0;
    bool wide = divert_field_wide(ins->field);
    static const access NONE;
    const access *a = ins->field < DIVERT_FIELD_COUNT ? &ACCESS[ins->field] : &NONE;
    ins->flags = (uint8_t)((wide ? DIVERT_INSN_WIDE : 0u)
                           | (!wide && !is_signed && !ins->neg ? DIVERT_INSN_NARROW : 0u)
                           | (a->walk ? DIVERT_INSN_WALK : 0u)
                           | (a->access == DIVERT_ACCESS_IP || a->access == DIVERT_ACCESS_TRANSPORT
                              || a->access == DIVERT_ACCESS_IS_IP
                              || a->access == DIVERT_ACCESS_IS_TRANSPORT ? DIVERT_INSN_HEADER : 0u));
    ins->run_end = 0;
    ins->access = a->access;
    ins->want = a->want;
    ins->offset = a->offset;
    ins->size = a->size;
    ins->shift = a->shift;
    ins->mask = a->mask;
}

/* Does b (at index i + 1) continue a's membership run (see divert_insn.run_end)? */
static bool continues_run(const divert_insn *a, const divert_insn *b, uint32_t i)
{
    if ((a->flags & b->flags & DIVERT_INSN_NARROW) == 0 || a->field != b->field
        || a->arg[1] != b->arg[1] || a->test != b->test) {
        return false;
    }
    switch (a->test) {
    case DIVERT_FILTER_TEST_EQ: return a->failure == i + 1 && a->success == b->success;
    case DIVERT_FILTER_TEST_NEQ: return a->success == i + 1 && a->failure == b->failure;
    default: return false;
    }
}

static bool same_value(const divert_insn *a, const divert_insn *b)
{
    return a->field == b->field && a->arg[1] == b->arg[1];
}

/* Marks the target of an edge from ins: REUSE survives only while every edge agrees. */
static void edge(divert_program *p, const divert_insn *ins, uint32_t label, bool seen[])
{
    if (label >= p->count) {
        return;
    }
    divert_insn *to = &p->insn[label];
    if (!seen[label]) {
        seen[label] = true;
        to->flags |= DIVERT_INSN_REUSE;
    }
    if (!same_value(ins, to)) {
        to->flags &= (uint8_t)~DIVERT_INSN_REUSE;
    }
}

/* The derivations that look at more than one instruction: runs, REUSE and EQ. */
static void derive_program(divert_program *p)
{
    for (uint32_t i = p->count; i-- > 0;) {
        p->insn[i].run_end = (uint8_t)(i + 1 < p->count && continues_run(&p->insn[i], &p->insn[i + 1], i)
                                           ? p->insn[i + 1].run_end : i);
    }
    bool seen[DIVERT_FILTER_COMPILE_MAXLEN] = {false};
    for (uint32_t i = 0; i < p->count; i++) {
        divert_insn *ins = &p->insn[i];
        /* labels point forward (a.7), so every edge into i has been seen by now */
        if (ins->run_end == i && ins->test == DIVERT_FILTER_TEST_EQ
            && (ins->flags & DIVERT_INSN_NARROW) != 0) {
            ins->flags |= DIVERT_INSN_EQ;
        }
        edge(p, ins, ins->success, seen);
        edge(p, ins, ins->failure, seen);
    }
}

/* Reads the caller's bytes exactly once (the copy of copy-then-validate). */
static divert_status copy_in(const uint8_t *bytes, size_t len, uint32_t max, divert_program *out)
{
    out->count = 0;
    if (bytes == NULL || len == 0 || len % DIVERT_FILTER_SIZE != 0
        || len / DIVERT_FILTER_SIZE > max) {
        return DIVERT_STATUS_INVALID_PARAMETER;
    }
    uint32_t n = (uint32_t)(len / DIVERT_FILTER_SIZE);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *r = bytes + (size_t)i * DIVERT_FILTER_SIZE;
        uint32_t w0 = le32(r), w1 = le32(r + 4);
        divert_insn *ins = &out->insn[i];
        ins->field = (uint16_t)(w0 & 0x7FFu);
        ins->test = (uint8_t)((w0 >> 11) & 0x1Fu);
        ins->success = (uint16_t)(w0 >> 16);
        ins->failure = (uint16_t)(w1 & 0xFFFFu);
        ins->neg = (uint8_t)((w1 >> 16) & 1u);
        for (int k = 0; k < 4; k++) {
            ins->arg[k] = le32(r + 8 + 4 * k);
        }
        derive(ins);
    }
    out->count = n;
    derive_program(out);
    return DIVERT_STATUS_SUCCESS;
}

static bool label_ok(uint32_t label, uint32_t i, uint32_t n)
{
    return label == DIVERT_FILTER_RESULT_ACCEPT || label == DIVERT_FILTER_RESULT_REJECT
        || (label > i && label < n);
}

/* a.7 rules 2 and 3 (shared with the user-mode load). */
static bool structure_ok(const divert_insn *ins, uint32_t i, uint32_t n)
{
    return ins->field <= DIVERT_FILTER_FIELD_MAX && ins->test <= DIVERT_FILTER_TEST_MAX
        && label_ok(ins->success, i, n) && label_ok(ins->failure, i, n);
}

static bool event_ok(uint32_t event, uint32_t layer)
{
    switch (layer) {
    case DIVERT_LAYER_NETWORK:
    case DIVERT_LAYER_NETWORK_FORWARD:
        return event == DIVERT_EVENT_NETWORK_PACKET;
    case DIVERT_LAYER_FLOW:
        return event == DIVERT_EVENT_FLOW_ESTABLISHED || event == DIVERT_EVENT_FLOW_DELETED;
    case DIVERT_LAYER_SOCKET:
        return event >= DIVERT_EVENT_SOCKET_BIND && event <= DIVERT_EVENT_SOCKET_CLOSE;
    default:
        return event == DIVERT_EVENT_REFLECT_OPEN || event == DIVERT_EVENT_REFLECT_CLOSE;
    }
}

/* a.7 rules 4 to 8 for one instruction. */
static bool driver_rules_ok(const divert_insn *ins, uint32_t layer)
{
    if (!divert_field_legal(ins->field, layer)) {
        return false;
    }
    number value = {ins->neg, {ins->arg[0], ins->arg[1], ins->arg[2], ins->arg[3]}};
    number lo = RANGES[FIELDS[ins->field].range].lo;
    number hi = RANGES[FIELDS[ins->field].range].hi;
    if (divert_field_is_array(ins->field)) {
        int32_t index = (int32_t)ins->arg[1];
        if (ins->neg || index < -DIVERT_MTU_MAX || index > DIVERT_MTU_MAX) {
            return false;
        }
        lo.w[1] = hi.w[1] = ins->arg[1];
    }
    if (compare(&value, &lo) < 0 || compare(&value, &hi) > 0) {
        return false;
    }
    if (ins->field == DIVERT_FIELD_EVENT && !event_ok(ins->arg[0], layer)) {
        return false;
    }
    if (ins->neg && (ins->arg[0] | ins->arg[1] | ins->arg[2] | ins->arg[3]) == 0) {
        return false;
    }
    return true;
}

divert_status divert_program_load_driver(const uint8_t *bytes, size_t len, uint32_t layer,
                                         divert_program *out)
{
    divert_status st = copy_in(bytes, len, DIVERT_FILTER_MAXLEN, out);
    if (st != DIVERT_STATUS_SUCCESS) {
        return st;
    }
    for (uint32_t i = 0; i < out->count; i++) {
        if (!structure_ok(&out->insn[i], i, out->count) || !driver_rules_ok(&out->insn[i], layer)) {
            out->count = 0;
            return DIVERT_STATUS_INVALID_PARAMETER;
        }
    }
    return DIVERT_STATUS_SUCCESS;
}

divert_status divert_program_load_user(const uint8_t *bytes, size_t len, divert_program *out)
{
    divert_status st = copy_in(bytes, len, DIVERT_FILTER_COMPILE_MAXLEN, out);
    if (st != DIVERT_STATUS_SUCCESS) {
        return st;
    }
    for (uint32_t i = 0; i < out->count; i++) {
        if (!structure_ok(&out->insn[i], i, out->count)) {
            out->count = 0;
            return DIVERT_STATUS_INVALID_PARAMETER;
        }
    }
    return DIVERT_STATUS_SUCCESS;
}
