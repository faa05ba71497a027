#include "core/bpf.h"

#include "divert_abi.h"

/* Classic BPF opcodes: the stable ABI of linux/filter.h and pcap/bpf.h. */
enum {
    LD = 0x00, LDX = 0x01, ST = 0x02, ALU = 0x04, JMP = 0x05, RET = 0x06,
    SIZE_W = 0x00, SIZE_H = 0x08, SIZE_B = 0x10,
    MODE_IMM = 0x00, MODE_ABS = 0x20, MODE_IND = 0x40, MODE_MEM = 0x60, MODE_LEN = 0x80,
    MODE_MSH = 0xa0,
    OP_SUB = 0x10, OP_AND = 0x50, OP_RSH = 0x70,
    JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40,
    SRC_X = 0x08
};

enum { PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ICMPV6 = 58 };

/*
 * Register use of a translated program: X holds the transport header's offset from the
 * prologue on (nothing else writes X), M[0] the transport kind: the protocol number when the
 * VM would find that transport header (divert_parse_driver), else 0.
 */
#define MEM_KIND 0

/*
 * What A holds where a block's load ends ("content"), so that a test of the same value can
 * jump past the load: the kind (M[0]), a raw load (mode, size, offset) or a shaped field.
 */
enum { CONTENT_NONE = 0, CONTENT_KIND = 1 };
#define CONTENT_RAW(kind, mode, size, off) \
    (0x1000000u | (uint32_t)(kind) << 16 | (uint32_t)(mode) << 8 | (uint32_t)(size) << 8 | (off))
#define CONTENT_FIELD(field) (0x2000000u | (field))

typedef divert_bpf_block block;
typedef divert_bpf_memo memo;

typedef struct
{
    const divert_program *program;
    const divert_bpf_hook *hook;
    /* Built back to front in w->rev: a label is an index there, every jump goes to a lower one. */
    divert_bpf_work *w;
    int n;
    bool full;
    bool prologue;
    uint32_t maybe;
    int steps;
    int accept, reject;
    int nblocks;
    int nmemos;
} cx;

static int put(cx *c, uint16_t code, uint32_t k, int jt, int jf)
{
    if (c->n >= DIVERT_BPF_MAX_INSNS) {
        c->full = true;
        return 0;
    }
    int at = c->n++;
    divert_bpf_insn *i = &c->w->rev[at];
    i->code = code;
    i->k = k;
    i->jt = i->jf = 0;
    if ((code & 0x07) == JMP) {
        if ((code & 0xF0) == JA) {
            i->k = (uint32_t)(at - jt - 1);
        } else {
            i->jt = (uint8_t)(at - jt - 1);
            i->jf = (uint8_t)(at - jf - 1);
        }
    }
    return at;
}

/* A label from which execution reaches `next` (a jump unless next is the following insn). */
static int then(cx *c, int next)
{
    return next == c->n - 1 ? next : put(c, JMP | JA, 0, next, 0);
}

/* A non-jump instruction followed by `next`. */
static int op(cx *c, uint16_t code, uint32_t k, int next)
{
    then(c, next);
    return put(c, code, k, 0, 0);
}

/* Where a jump taken with A = content may land instead of target (past target's load). */
static int retarget(const cx *c, int target, uint32_t content)
{
    for (int i = 0; content != CONTENT_NONE && i < c->nblocks; i++) {
        const block *b = &c->w->blocks[i];
        if (b->entry == target) {
            if (b->content == content && b->value_after >= 0) {
                return b->value_after;
            }
            if (content == CONTENT_KIND && b->kind_after >= 0) {
                return b->kind_after;
            }
        }
    }
    return target;
}

/* A conditional jump on A (which holds `content`); none when both targets agree. */
static int jump(cx *c, uint16_t test, uint32_t k, int t, int f, uint32_t content)
{
    t = retarget(c, t, content);
    f = retarget(c, f, content);
    return t == f ? t : put(c, JMP | test | 0, k, t, f);
}

static void add_block(cx *c, int entry, int kind_after, uint32_t content, int value_after)
{
    if (!c->full && c->nblocks < DIVERT_BPF_MAX_INSNS) {
        c->w->blocks[c->nblocks++] = (block){(int16_t)entry, (int16_t)kind_after, (int16_t)value_after, content};
    }
}

/* One 32-bit word of a compare: A against k, to lt / eq / gt. */
static int compare_word(cx *c, uint32_t k, int lt, int eq, int gt, uint32_t content)
{
    if (lt == gt) {
        return jump(c, JEQ, k, eq, lt, content);
    }
    if (eq == gt) {
        return jump(c, JGE, k, gt, lt, content);
    }
    if (eq == lt) {
        return jump(c, JGT, k, gt, lt, content);
    }
    int other = jump(c, JGT, k, gt, lt, content);
    return jump(c, JEQ, k, eq, other, content);
}

/* A part of a value: a constant (size 0) or bytes of the packet, shifted right and masked. */
typedef struct { uint8_t size, mode, shift; uint32_t off, mask, value; } part;

static uint16_t size_code(uint8_t size)
{
    return size == 1 ? SIZE_B : size == 2 ? SIZE_H : SIZE_W;
}

/* A's content after loading p; kind: the transport header p is in (0: the IP header). */
static uint32_t part_content(const part *p, uint32_t field, uint8_t kind)
{
    return p->shift != 0 || p->mask != 0 ? CONTENT_FIELD(field) : CONTENT_RAW(kind, p->mode, p->size, p->off);
}

/* Loads part p into A, then goes on at next. */
static int load(cx *c, const part *p, int next)
{
    if (p->mask != 0) {
        next = op(c, ALU | OP_AND, p->mask, next);
    }
    if (p->shift != 0) {
        next = op(c, ALU | OP_RSH, p->shift, next);
    }
    return op(c, LD | size_code(p->size) | p->mode, p->off, next);
}

/* Where the test of ins goes for each compare outcome (docs/spec/filter-object.md a.4). */
static void outcome_labels(const divert_insn *ins, int s, int f, int *lt, int *eq, int *gt)
{
    *lt = ins->outcomes & 1u ? s : f;
    *eq = ins->outcomes & 2u ? s : f;
    *gt = ins->outcomes & 4u ? s : f;
}

/* Does ins pass for the non-negative value v (words, v[0] least significant)? */
static bool passes(const divert_insn *ins, const uint32_t v[4])
{
    int cmp = 0;
    if (ins->neg) {
        cmp = 1;
    } else {
        for (int i = (ins->flags & DIVERT_INSN_WIDE) != 0 ? 3 : 0; i >= 0 && cmp == 0; i--) {
            cmp = v[i] < ins->arg[i] ? -1 : v[i] > ins->arg[i] ? 1 : 0;
        }
    }
    return (ins->outcomes >> (cmp + 1) & 1u) != 0;
}

/*
 * The compare of a value made of parts (most significant first, each compared with k[i]) as
 * one lexicographic compare; `field` names the value when it is one part. Entry label.
 */
static int compare_parts(cx *c, const divert_insn *ins, uint32_t field, const part *parts,
                         const uint32_t *k, int n, int s, int f)
{
    int lt, eq, gt;
    outcome_labels(ins, s, f, &lt, &eq, &gt);
    if (ins->neg) {
        return gt;  /* every value here is non-negative */
    }
    /* a constant part that differs decides, and the parts after it are never compared */
    int end = n, next = eq;
    for (int i = 0; i < n && end == n; i++) {
        if (parts[i].size == 0 && parts[i].value != k[i]) {
            end = i;
            next = parts[i].value < k[i] ? lt : gt;
        }
    }
    for (int i = end - 1; i >= 0; i--) {
        const part *p = &parts[i];
        if (p->size == 0) {
            continue;
        }
        uint32_t content = n == 1 ? part_content(p, field, 0) : CONTENT_NONE;
        int cmp = compare_word(c, k[i], lt, next, gt, content);
        next = load(c, p, cmp);
        if (n == 1) {
            add_block(c, next, -1, content, cmp);
        }
    }
    return next;
}

/* Bytes of the IP header (family 4 or 6) or of a transport header (kind != 0). */
typedef struct { uint8_t family, kind, size, off, shift, bit; uint32_t mask; } header;

#define IP4(off, size, shift, mask) {4, 0, size, off, shift, 0, mask}
#define IP6(off, size, shift, mask) {6, 0, size, off, shift, 0, mask}
#define IN(family, kind, off, size) {family, kind, size, off, 0, 0, 0}
#define FLAG(family, kind, off, bit) {family, kind, 1, off, 0, bit, 0}

/*
 * The fields the chain's packet shows exactly as the VM will see them (the same in a GSO
 * super-packet and in each of its segments).
 */
static const header HEADERS[DIVERT_FIELD_COUNT] = {
    [DIVERT_FIELD_IP_HDRLENGTH] = IP4(0, 1, 0, 0x0Fu),
    [DIVERT_FIELD_IP_TOS] = IP4(1, 1, 0, 0),
    [DIVERT_FIELD_IP_DF] = FLAG(4, 0, 6, 0x40u),
    [DIVERT_FIELD_IP_TTL] = IP4(8, 1, 0, 0),
    [DIVERT_FIELD_IP_PROTOCOL] = IP4(9, 1, 0, 0),
    [DIVERT_FIELD_IPV6_TRAFFICCLASS] = IP6(0, 2, 4, 0xFFu),
    [DIVERT_FIELD_IPV6_NEXTHDR] = IP6(6, 1, 0, 0),
    [DIVERT_FIELD_IPV6_HOPLIMIT] = IP6(7, 1, 0, 0),
    [DIVERT_FIELD_ICMP_TYPE] = IN(4, PROTO_ICMP, 0, 1),
    [DIVERT_FIELD_ICMP_CODE] = IN(4, PROTO_ICMP, 1, 1),
    [DIVERT_FIELD_ICMP_CHECKSUM] = IN(4, PROTO_ICMP, 2, 2),
    [DIVERT_FIELD_ICMP_BODY] = IN(4, PROTO_ICMP, 4, 4),
    [DIVERT_FIELD_ICMPV6_TYPE] = IN(6, PROTO_ICMPV6, 0, 1),
    [DIVERT_FIELD_ICMPV6_CODE] = IN(6, PROTO_ICMPV6, 1, 1),
    [DIVERT_FIELD_ICMPV6_CHECKSUM] = IN(6, PROTO_ICMPV6, 2, 2),
    [DIVERT_FIELD_ICMPV6_BODY] = IN(6, PROTO_ICMPV6, 4, 4),
    [DIVERT_FIELD_TCP_SRCPORT] = IN(0, PROTO_TCP, 0, 2),
    [DIVERT_FIELD_TCP_DSTPORT] = IN(0, PROTO_TCP, 2, 2),
    [DIVERT_FIELD_TCP_ACKNUM] = IN(0, PROTO_TCP, 8, 4),
    [DIVERT_FIELD_TCP_HDRLENGTH] = {0, PROTO_TCP, 1, 12, 4, 0, 0},
    [DIVERT_FIELD_TCP_ACK] = FLAG(0, PROTO_TCP, 13, 0x10u),
    [DIVERT_FIELD_TCP_RST] = FLAG(0, PROTO_TCP, 13, 0x04u),
    [DIVERT_FIELD_TCP_SYN] = FLAG(0, PROTO_TCP, 13, 0x02u),
    [DIVERT_FIELD_TCP_WINDOW] = IN(0, PROTO_TCP, 14, 2),
    [DIVERT_FIELD_UDP_SRCPORT] = IN(0, PROTO_UDP, 0, 2),
    [DIVERT_FIELD_UDP_DSTPORT] = IN(0, PROTO_UDP, 2, 2),
};

/*
 * The code relies on the prologue: X, M[0], and for IPv6 that no extension header follows
 * (the prologue accepts those packets).
 */
static void need_prologue(cx *c)
{
    c->prologue = true;
    if (c->hook->ipv6) {
        c->maybe |= DIVERT_BPF_MAYBE_IPV6_EXT;
    }
}

/* `ld M[0]; jeq #kind` in front of body (irrelevant: to f), registered as a block. */
static int relevant(cx *c, uint8_t kind, int body, int f, uint32_t content, int value_after)
{
    int check = jump(c, JEQ, kind, body, f, CONTENT_KIND);
    int entry = op(c, LD | MODE_MEM, MEM_KIND, check);
    add_block(c, entry, check, content, value_after);
    need_prologue(c);
    return entry;
}

/* A one-part field of HEADERS. */
static int header_test(cx *c, const divert_insn *ins, const header *h, int s, int f)
{
    part p = {h->size, h->kind != 0 ? MODE_IND : MODE_ABS, h->shift, h->off, h->mask, 0};
    int body, value_after = -1;
    uint32_t content = part_content(&p, ins->field, h->kind);
    if (h->bit != 0) {
        uint32_t zero[4] = {0, 0, 0, 0}, one[4] = {1, 0, 0, 0};
        int t1 = passes(ins, one) ? s : f, t0 = passes(ins, zero) ? s : f;
        if (t1 == t0) {
            /* the bit does not matter; for a transport header, only whether it is there */
            return h->kind == 0 || t1 == f ? t1 : relevant(c, h->kind, t1, f, CONTENT_NONE, -1);
        }
        int test = jump(c, JSET, h->bit, t1, t0, content);
        body = load(c, &p, test);
        value_after = test;
        if (h->kind == 0) {
            add_block(c, body, -1, content, test);
        }
    } else if (h->kind != 0) {
        int lt, eq, gt;
        outcome_labels(ins, s, f, &lt, &eq, &gt);
        int cmp = ins->neg ? gt : compare_word(c, ins->arg[0], lt, eq, gt, content);
        body = load(c, &p, cmp);
        value_after = cmp;
    } else {
        return compare_parts(c, ins, ins->field, &p, ins->arg, 1, s, f);
    }
    return h->kind != 0 ? relevant(c, h->kind, body, f, content, value_after) : body;
}

/* The presence fields (tcp, udp, icmp, icmpv6): 1 when the kind is that protocol. */
static int present_test(cx *c, const divert_insn *ins, uint8_t kind, int s, int f)
{
    uint32_t zero[4] = {0, 0, 0, 0}, one[4] = {1, 0, 0, 0};
    int t1 = passes(ins, one) ? s : f, t0 = passes(ins, zero) ? s : f;
    if (t1 == t0) {
        return t1;
    }
    int check = jump(c, JEQ, kind, t1, t0, CONTENT_KIND);
    int entry = op(c, LD | MODE_MEM, MEM_KIND, check);
    add_block(c, entry, check, CONTENT_NONE, -1);
    need_prologue(c);
    return entry;
}

/* Wide address fields: IPv4 as ::ffff:a.b.c.d, IPv6 as 128 bits from offset off. */
static int address_test(cx *c, const divert_insn *ins, uint32_t off, int s, int f)
{
    part parts[4];
    uint32_t k[4] = {ins->arg[3], ins->arg[2], ins->arg[1], ins->arg[0]};
    if (c->hook->ipv6) {
        for (int i = 0; i < 4; i++) {
            parts[i] = (part){4, MODE_ABS, 0, off + 4u * (uint32_t)i, 0, 0};
        }
    } else {
        parts[0] = parts[1] = (part){0, 0, 0, 0, 0, 0};
        parts[2] = (part){0, 0, 0, 0, 0, 0xFFFFu};
        parts[3] = (part){4, MODE_ABS, 0, off, 0, 0};
    }
    return compare_parts(c, ins, ins->field, parts, k, 4, s, f);
}

/* ipv6.FlowLabel: ip[2] ip[3] (ip[1] & 0x0F) 0, the reference's byte order (docs/spec/filter-language.md 5.4). */
static int flow_label_test(cx *c, const divert_insn *ins, int s, int f)
{
    part parts[3] = {{2, MODE_ABS, 0, 2, 0, 0}, {1, MODE_ABS, 0, 1, 0x0Fu, 0}, {0, 0, 0, 0, 0, 0}};
    uint32_t a = ins->arg[0];
    uint32_t k[3] = {a >> 16, a >> 8 & 0xFFu, a & 0xFFu};
    return compare_parts(c, ins, ins->field, parts, k, 3, s, f);
}

/* localPort / remotePort at the network layers: always relevant, 0 without a port. */
static int port_test(cx *c, const divert_insn *ins, int s, int f)
{
    int lt, eq, gt;
    outcome_labels(ins, s, f, &lt, &eq, &gt);
    if (ins->neg) {
        return gt;
    }
    bool first = c->hook->outbound == (ins->field == DIVERT_FIELD_LOCALPORT);
    int cmp = compare_word(c, ins->arg[0], lt, eq, gt, CONTENT_NONE);
    int zero = op(c, LD | MODE_IMM, 0, cmp);
    int icmp = first ? op(c, LD | SIZE_B | MODE_IND, 0, cmp) : zero;
    int port = op(c, LD | SIZE_H | MODE_IND, first ? 0 : 2, cmp);
    int other = jump(c, JEQ, c->hook->ipv6 ? PROTO_ICMPV6 : PROTO_ICMP, icmp, zero, CONTENT_KIND);
    other = jump(c, JEQ, PROTO_UDP, port, other, CONTENT_KIND);
    int check = jump(c, JEQ, PROTO_TCP, port, other, CONTENT_KIND);
    int entry = op(c, LD | MODE_MEM, MEM_KIND, check);
    add_block(c, entry, check, CONTENT_NONE, -1);
    need_prologue(c);
    return entry;
}

typedef enum { KNOWN, IRRELEVANT, MAYBE, RUNTIME } verdict;

/* What the chain knows of ins's field: its value (KNOWN, in v), nothing (MAYBE), or code. */
static verdict classify(cx *c, const divert_insn *ins, uint32_t v[4], uint32_t *why)
{
    const divert_bpf_hook *hk = c->hook;
    bool v6 = hk->ipv6;
    switch (ins->field) {
    case DIVERT_FIELD_ZERO:
    case DIVERT_FIELD_EVENT:  /* DIVERT_EVENT_NETWORK_PACKET */
        return KNOWN;
    case DIVERT_FIELD_INBOUND: v[0] = !hk->outbound; return KNOWN;
    case DIVERT_FIELD_OUTBOUND: v[0] = hk->outbound; return KNOWN;
    case DIVERT_FIELD_IP: v[0] = !v6; return KNOWN;
    case DIVERT_FIELD_IPV6: v[0] = v6; return KNOWN;
    case DIVERT_FIELD_LOOPBACK:
    case DIVERT_FIELD_IMPOSTOR: {
        int8_t known = ins->field == DIVERT_FIELD_LOOPBACK ? hk->loopback : hk->impostor;
        if (known == DIVERT_BPF_UNKNOWN) {
            *why = DIVERT_BPF_MAYBE_UNSEEN;
            return MAYBE;
        }
        v[0] = known != 0;
        return KNOWN;
    }
    case DIVERT_FIELD_ICMP:
    case DIVERT_FIELD_ICMPV6:
        if (v6 != (ins->field == DIVERT_FIELD_ICMPV6)) {
            return KNOWN;  /* never that kind in this family: 0 */
        }
        return RUNTIME;
    case DIVERT_FIELD_IP_SRCADDR:
    case DIVERT_FIELD_IP_DSTADDR:
        return v6 ? IRRELEVANT : RUNTIME;
    case DIVERT_FIELD_IPV6_SRCADDR:
    case DIVERT_FIELD_IPV6_DSTADDR:
    case DIVERT_FIELD_IPV6_FLOWLABEL:
        return v6 ? RUNTIME : IRRELEVANT;
    case DIVERT_FIELD_TCP:
    case DIVERT_FIELD_UDP:
    case DIVERT_FIELD_LOCALADDR:
    case DIVERT_FIELD_REMOTEADDR:
    case DIVERT_FIELD_LOCALPORT:
    case DIVERT_FIELD_REMOTEPORT:
    case DIVERT_FIELD_PROTOCOL:
        return RUNTIME;
    case DIVERT_FIELD_FRAGMENT:
        if (v6) {
            /* past the prologue there is no extension header, so no fragment header */
            need_prologue(c);
            return KNOWN;
        }
        *why = DIVERT_BPF_MAYBE_SEGMENTS;
        return MAYBE;
    case DIVERT_FIELD_IP_LENGTH:
    case DIVERT_FIELD_IP_ID:
    case DIVERT_FIELD_IP_MF:
    case DIVERT_FIELD_IP_FRAGOFF:
    case DIVERT_FIELD_IP_CHECKSUM:
        if (v6) {
            return IRRELEVANT;
        }
        *why = DIVERT_BPF_MAYBE_SEGMENTS;
        return MAYBE;
    case DIVERT_FIELD_IPV6_LENGTH:
        if (!v6) {
            return IRRELEVANT;
        }
        *why = DIVERT_BPF_MAYBE_SEGMENTS;
        return MAYBE;
    case DIVERT_FIELD_TCP_SEQNUM:
    case DIVERT_FIELD_TCP_URG:
    case DIVERT_FIELD_TCP_PSH:
    case DIVERT_FIELD_TCP_FIN:
    case DIVERT_FIELD_TCP_CHECKSUM:
    case DIVERT_FIELD_TCP_URGPTR:
    case DIVERT_FIELD_TCP_PAYLOADLENGTH:
    case DIVERT_FIELD_UDP_LENGTH:
    case DIVERT_FIELD_UDP_CHECKSUM:
    case DIVERT_FIELD_UDP_PAYLOADLENGTH:
    case DIVERT_FIELD_LENGTH:
        *why = DIVERT_BPF_MAYBE_SEGMENTS;
        return MAYBE;
    default:
        if (divert_field_is_array(ins->field)) {
            *why = DIVERT_BPF_MAYBE_SEGMENTS;
            return MAYBE;
        }
        if (ins->field < DIVERT_FIELD_COUNT && HEADERS[ins->field].size != 0) {
            uint8_t family = HEADERS[ins->field].family;
            return family != 0 && family != (v6 ? 6 : 4) ? IRRELEVANT : RUNTIME;
        }
        /* interface indexes, timestamp, random*, and fields of other layers */
        *why = DIVERT_BPF_MAYBE_UNSEEN;
        return MAYBE;
    }
}

static int runtime_test(cx *c, const divert_insn *ins, int s, int f)
{
    bool v6 = c->hook->ipv6;
    switch (ins->field) {
    case DIVERT_FIELD_ICMP: return present_test(c, ins, PROTO_ICMP, s, f);
    case DIVERT_FIELD_ICMPV6: return present_test(c, ins, PROTO_ICMPV6, s, f);
    case DIVERT_FIELD_TCP: return present_test(c, ins, PROTO_TCP, s, f);
    case DIVERT_FIELD_UDP: return present_test(c, ins, PROTO_UDP, s, f);
    case DIVERT_FIELD_IP_SRCADDR: return address_test(c, ins, 12, s, f);
    case DIVERT_FIELD_IP_DSTADDR: return address_test(c, ins, 16, s, f);
    case DIVERT_FIELD_IPV6_SRCADDR: return address_test(c, ins, 8, s, f);
    case DIVERT_FIELD_IPV6_DSTADDR: return address_test(c, ins, 24, s, f);
    case DIVERT_FIELD_IPV6_FLOWLABEL: return flow_label_test(c, ins, s, f);
    case DIVERT_FIELD_LOCALADDR:
    case DIVERT_FIELD_REMOTEADDR: {
        bool src = c->hook->outbound == (ins->field == DIVERT_FIELD_LOCALADDR);
        return address_test(c, ins, v6 ? (src ? 8 : 24) : (src ? 12 : 16), s, f);
    }
    case DIVERT_FIELD_LOCALPORT:
    case DIVERT_FIELD_REMOTEPORT:
        return port_test(c, ins, s, f);
    case DIVERT_FIELD_PROTOCOL: {
        /* IPv6: the final protocol is the next header once the prologue excluded extensions */
        static const header v4 = IP4(9, 1, 0, 0), v6h = IP6(6, 1, 0, 0);
        if (v6) {
            need_prologue(c);
        }
        return header_test(c, ins, v6 ? &v6h : &v4, s, f);
    }
    default:
        return header_test(c, ins, &HEADERS[ins->field], s, f);
    }
}

static int gen(cx *c, uint32_t pc, int yes, int no, int depth);

/*
 * A membership run (divert_insn.run_end) of a one-part header field: one load, one jeq per
 * member, with the targets the VM's run takes (filter_eval.c).
 */
static int run_test(cx *c, uint32_t pc, int yes, int no, int depth)
{
    const divert_insn *first = &c->program->insn[pc];
    const divert_insn *last = &c->program->insn[first->run_end];
    const header *h = &HEADERS[first->field];
    bool eq = first->test == DIVERT_FILTER_TEST_EQ;
    int member = gen(c, eq ? first->success : first->failure, yes, no, depth + 1);
    int nonmember = gen(c, eq ? last->failure : last->success, yes, no, depth + 1);
    part p = {h->size, h->kind != 0 ? MODE_IND : MODE_ABS, h->shift, h->off, h->mask, 0};
    uint32_t content = part_content(&p, first->field, h->kind);
    int next = nonmember;
    for (uint32_t i = first->run_end + 1; i-- > pc;) {
        next = jump(c, JEQ, c->program->insn[i].arg[0], member, next, content);
    }
    int body = load(c, &p, next);
    if (h->kind == 0) {
        add_block(c, body, -1, content, next);
        return body;
    }
    /* irrelevant: every test of the run fails */
    return relevant(c, h->kind, body, eq ? nonmember : member, content, next);
}

static int gen_insn(cx *c, uint32_t pc, int yes, int no, int depth)
{
    const divert_insn *ins = &c->program->insn[pc];
    uint32_t v[4] = {0, 0, 0, 0};
    uint32_t why = 0;
    switch (classify(c, ins, v, &why)) {
    case KNOWN:
        return gen(c, passes(ins, v) ? ins->success : ins->failure, yes, no, depth + 1);
    case IRRELEVANT:
        return gen(c, ins->failure, yes, no, depth + 1);
    case MAYBE: {
        /* either branch: the success branch, and where it rejects, the failure branch */
        c->maybe |= why;
        int otherwise = gen(c, ins->failure, yes, no, depth + 1);
        return gen(c, ins->success, yes, otherwise, depth + 1);
    }
    default: {
        if (ins->run_end > pc && HEADERS[ins->field].size != 0 && HEADERS[ins->field].bit == 0) {
            return run_test(c, pc, yes, no, depth);
        }
        int s = gen(c, ins->success, yes, no, depth + 1);
        int f = gen(c, ins->failure, yes, no, depth + 1);
        return runtime_test(c, ins, s, f);
    }
    }
}

/* The code of instruction pc's sub-program with continuations yes and no (labels). */
static int gen(cx *c, uint32_t pc, int yes, int no, int depth)
{
    if (pc == DIVERT_FILTER_RESULT_ACCEPT) {
        return yes;
    }
    if (pc == DIVERT_FILTER_RESULT_REJECT) {
        return no;
    }
    if (c->full || pc >= c->program->count || depth > DIVERT_BPF_MAX_INSNS
        || ++c->steps > DIVERT_BPF_MAX_STEPS) {
        c->full = true;
        return yes;
    }
    for (int i = 0; i < c->nmemos; i++) {
        const memo *m = &c->w->memos[i];
        if (m->pc == pc && m->yes == yes && m->no == no) {
            return m->label;
        }
    }
    int label = gen_insn(c, pc, yes, no, depth);
    if (!c->full && c->nmemos < DIVERT_BPF_MEMOS) {
        c->w->memos[c->nmemos++] = (memo){(uint16_t)pc, (int16_t)yes, (int16_t)no, (int16_t)label};
    }
    return label;
}

/*
 * Sets X to the transport header's offset and M[0] to the transport kind, as
 * divert_parse_driver finds them (docs/spec/helpers.md 3.1 steps 4 and 7) for a packet it accepts.
 */
static int prologue(cx *c, int body)
{
    int none = op(c, ST, MEM_KIND, body);
    none = op(c, LD | MODE_IMM, 0, none);
    if (c->hook->ipv6) {
        /* extension headers are not walked: such packets may match */
        int tcp = jump(c, JGE, 0x50, body, none, CONTENT_NONE);  /* data offset >= 5 */
        tcp = op(c, LD | SIZE_B | MODE_ABS, 40 + 12, tcp);
        tcp = jump(c, JGE, 40 + 20, tcp, none, CONTENT_NONE);
        tcp = op(c, LD | MODE_LEN, 0, tcp);
        int eight = jump(c, JGE, 40 + 8, body, none, CONTENT_NONE);
        eight = op(c, LD | MODE_LEN, 0, eight);
        static const uint32_t extensions[] = {0, 43, 44, 51, 60, 135};
        int next = body;
        for (int i = 5; i >= 0; i--) {
            next = jump(c, JEQ, extensions[i], c->accept, next, CONTENT_NONE);
        }
        next = jump(c, JEQ, PROTO_ICMPV6, eight, next, CONTENT_NONE);
        next = jump(c, JEQ, PROTO_UDP, eight, next, CONTENT_NONE);
        next = jump(c, JEQ, PROTO_TCP, tcp, next, CONTENT_NONE);
        next = op(c, ST, MEM_KIND, next);
        next = op(c, LD | SIZE_B | MODE_ABS, 6, next);
        return op(c, LDX | MODE_IMM, 40, next);
    }
    int tcp = jump(c, JGE, 0x50, body, none, CONTENT_NONE);
    tcp = op(c, LD | SIZE_B | MODE_IND, 12, tcp);
    int full = jump(c, JEQ, PROTO_TCP, tcp, body, CONTENT_NONE);
    full = op(c, LD | MODE_MEM, MEM_KIND, full);
    int part = jump(c, JEQ, PROTO_TCP, none, body, CONTENT_NONE);
    part = op(c, LD | MODE_MEM, MEM_KIND, part);
    part = jump(c, JGE, 8, part, none, CONTENT_NONE);
    /* remaining = len - X: 20 bytes hold any transport header, 8 all but TCP's */
    int next = jump(c, JGE, 20, full, part, CONTENT_NONE);
    next = op(c, ALU | OP_SUB | SRC_X, 0, next);
    next = op(c, LD | MODE_LEN, 0, next);
    next = jump(c, JSET, 0x1FFFu, none, next, CONTENT_NONE);  /* a later fragment: none */
    next = op(c, LD | SIZE_H | MODE_ABS, 6, next);
    next = op(c, ST, MEM_KIND, next);
    next = op(c, LD | SIZE_B | MODE_ABS, 9, next);
    return op(c, LDX | SIZE_B | MODE_MSH, 0, next);
}

static void single(divert_bpf *out, uint32_t k, uint32_t maybe)
{
    out->count = 1;
    out->maybe = maybe;
    out->insn[0] = (divert_bpf_insn){RET, 0, 0, k};
}

void divert_bpf_compile(const divert_program *program, const divert_bpf_hook *hook,
                        divert_bpf_work *work, divert_bpf *out)
{
    cx c;
    c.w = work;
    c.program = program;
    c.hook = hook;
    c.n = 0;
    c.full = c.prologue = false;
    c.maybe = 0;
    c.steps = 0;
    c.nblocks = c.nmemos = 0;
    c.reject = put(&c, RET, 0, 0, 0);
    c.accept = put(&c, RET, DIVERT_BPF_ACCEPT, 0, 0);
    int root = program->count == 0 ? c.accept : gen(&c, 0, c.accept, c.reject, 0);
    /* without the prologue's extension-header escape, "reject all" would under-approximate */
    if (!c.full && (root == c.accept || (root == c.reject && !c.prologue))) {
        single(out, root == c.accept ? DIVERT_BPF_ACCEPT : 0, c.maybe);
        return;
    }
    if (c.prologue) {
        root = prologue(&c, root);
    }
    then(&c, root);
    if (c.full) {
        single(out, DIVERT_BPF_ACCEPT, DIVERT_BPF_TOO_LONG);
        return;
    }
    out->count = (uint32_t)c.n;
    out->maybe = c.maybe;
    for (int i = 0; i < c.n; i++) {
        out->insn[i] = work->rev[c.n - 1 - i];
    }
}

bool divert_bpf_accepts_all(const divert_bpf *bpf)
{
    return bpf->count == 1 && bpf->insn[0].code == RET && bpf->insn[0].k != 0;
}
