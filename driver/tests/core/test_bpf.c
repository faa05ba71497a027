/*
 * The BPF prefilter (core/bpf.h) against the VM: for the WinDivert objects of
 * oracle-syntax.jsonl and random programs, every chain and every vector packet, "BPF says no"
 * implies "VM says no" (the cBPF run by libpcap's bpf_filter); where the translation claims
 * to be exact, both always agree. Prints how often the BPF's answer is the VM's.
 */
/* pcap/bpf.h spells its types u_int, u_char: BSD names outside strict C11 */
#define _DEFAULT_SOURCE
#include <sys/types.h>

#include <pcap/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "core/bpf.h"
#include "core/filter_eval.h"
#include "core/filter_program.h"
#include "core/packet_parse.h"
#include "programs.h"
#include "support.h"

#define MAX_PACKETS 1200
#define RANDOM_PROGRAMS 1500

static uint8_t packets[MAX_PACKETS][1600];
static uint32_t packet_len[MAX_PACKETS];
static int npackets;

static void add_packet(const uint8_t *p, uint32_t n)
{
    for (int i = 0; i < npackets; i++) {
        if (packet_len[i] == n && memcmp(packets[i], p, n) == 0) {
            return;
        }
    }
    if (npackets < MAX_PACKETS) {
        memcpy(packets[npackets], p, n);
        packet_len[npackets++] = n;
    }
}

/*
 * Every distinct vector packet, and a copy whose IP length is the buffer's: the host only
 * evaluates packets whose length agrees (divert_parse_driver), and most vectors do not care.
 */
static void read_packets(const char *file)
{
    char path[1200], line[20000], hex[4000];
    uint8_t p[1600];
    snprintf(path, sizeof path, "%s/%s", vectors_dir(), file);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        int n = json_string(line, "packet", hex, sizeof hex) ? hex_decode(hex, p, sizeof p) : -1;
        if (n < 40) {
            continue;
        }
        add_packet(p, (uint32_t)n);
        uint32_t ip_len = (p[0] >> 4) == 6 ? (uint32_t)n - 40 : (uint32_t)n;
        p[(p[0] >> 4) == 6 ? 4 : 2] = (uint8_t)(ip_len >> 8);
        p[(p[0] >> 4) == 6 ? 5 : 3] = (uint8_t)ip_len;
        add_packet(p, (uint32_t)n);
    }
    if (f != NULL) {
        fclose(f);
    }
}

static uint32_t rnd(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

/*
 * The vectors hold few distinct packets: variants of each with a few header bytes changed
 * (protocols, IHL, fragment fields, ports, flags, next headers), half of them with the IP
 * length set to the buffer's.
 */
static void mutate_packets(int per_packet)
{
    static const uint8_t values[] = {0, 1, 2, 5, 6, 17, 20, 43, 44, 46, 50, 51, 58, 59, 60, 0x80};
    uint32_t state = 7u;
    int original = npackets;
    for (int i = 0; i < original; i++) {
        for (int k = 0; k < per_packet; k++) {
            uint8_t p[1600];
            uint32_t n = packet_len[i];
            memcpy(p, packets[i], n);
            for (uint32_t m = 0, changes = 1 + rnd(&state) % 3; m < changes; m++) {
                uint32_t off = rnd(&state) % (n < 64 ? n : 64);
                uint8_t v = rnd(&state) % 2 ? values[rnd(&state) % sizeof values] : (uint8_t)rnd(&state);
                p[off] = off == 0 ? (uint8_t)((p[0] & 0xF0u) | (v & 0x0Fu)) : v;
            }
            if (k % 2 == 0) {
                bool v6 = (p[0] >> 4) == 6;
                uint32_t ip_len = v6 ? n - 40 : n;
                p[v6 ? 4 : 2] = (uint8_t)(ip_len >> 8);
                p[v6 ? 5 : 3] = (uint8_t)ip_len;
            }
            add_packet(p, n);
        }
    }
}

/* The chains of the Linux host: OUTPUT, INPUT (NETWORK), FORWARD (NETWORK_FORWARD). */
typedef struct { uint32_t layer; divert_bpf_hook hook; } chain;

static const chain CHAINS[] = {
    {DIVERT_LAYER_NETWORK, {false, true, DIVERT_BPF_UNKNOWN, 0}},
    {DIVERT_LAYER_NETWORK, {false, false, 0, 0}},
    {DIVERT_LAYER_NETWORK_FORWARD, {false, true, 0, 0}},
    {DIVERT_LAYER_NETWORK, {true, true, DIVERT_BPF_UNKNOWN, 0}},
    {DIVERT_LAYER_NETWORK, {true, false, 0, 0}},
    {DIVERT_LAYER_NETWORK_FORWARD, {true, true, 0, 0}},
};
#define NCHAINS (sizeof CHAINS / sizeof CHAINS[0])

static divert_bpf_work work;

/* Totals over all runs. */
static long pairs, exact_answers, bpf_no, unsound, programs_exact, programs_total, too_long;

/*
 * What the kernel checks besides jump ranges (bpf_check_classic): the last instruction
 * returns and no scratch cell is read on a path where it was not written.
 */
static bool kernel_valid(const divert_bpf *b)
{
    uint16_t stored[DIVERT_BPF_MAX_INSNS];
    bool reached[DIVERT_BPF_MAX_INSNS] = {false};
    if (b->count == 0 || b->count > DIVERT_BPF_MAX_INSNS || (b->insn[b->count - 1].code & 7) != BPF_RET) {
        return false;
    }
    reached[0] = true;
    stored[0] = 0;
    for (uint32_t i = 0; i < b->count; i++) {
        const divert_bpf_insn *in = &b->insn[i];
        if (!reached[i]) {
            continue;
        }
        uint16_t s = stored[i];
        if ((in->code == (BPF_LD | BPF_MEM) || in->code == (BPF_LDX | BPF_MEM)) && !(s >> in->k & 1u)) {
            return false;
        }
        if (in->code == BPF_ST || in->code == BPF_STX) {
            s = (uint16_t)(s | 1u << in->k);
        }
        uint32_t next[2] = {i + 1, i + 1};
        int nn = 1;
        if ((in->code & 7) == BPF_RET) {
            nn = 0;
        } else if (in->code == (BPF_JMP | BPF_JA)) {
            next[0] = i + 1 + in->k;
        } else if ((in->code & 7) == BPF_JMP) {
            next[0] = i + 1 + in->jt;
            next[1] = i + 1 + in->jf;
            nn = 2;
        }
        for (int j = 0; j < nn; j++) {
            if (next[j] >= b->count) {
                return false;
            }
            stored[next[j]] = reached[next[j]] ? (uint16_t)(stored[next[j]] & s) : s;
            reached[next[j]] = true;
        }
    }
    return true;
}

/* The addresses a packet may come with on a chain: the unseen fields vary. */
static int addresses(const chain *ch, const divert_program *p, DIVERT_ADDRESS out[3])
{
    uint32_t ifidx = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        if (p->insn[i].field == DIVERT_FIELD_IFIDX || p->insn[i].field == DIVERT_FIELD_SUBIFIDX) {
            ifidx = p->insn[i].arg[0];
        }
    }
    for (int k = 0; k < 3; k++) {
        DIVERT_ADDRESS a = test_address(ch->layer, ch->hook.outbound);
        a.IPv6 = ch->hook.ipv6;
        a.Loopback = ch->hook.loopback == DIVERT_BPF_UNKNOWN ? k == 1 : ch->hook.loopback;
        a.Impostor = ch->hook.impostor != 0;
        a.Network.IfIdx = k == 1 ? ifidx : (uint32_t)k;
        a.Network.SubIfIdx = k == 2 ? ifidx : 0;
        a.Timestamp = k * 7919;
        out[k] = a;
    }
    return 3;
}

static void to_pcap(const divert_bpf *b, struct bpf_insn code[DIVERT_BPF_MAX_INSNS])
{
    for (uint32_t i = 0; i < b->count; i++) {
        code[i] = (struct bpf_insn){b->insn[i].code, b->insn[i].jt, b->insn[i].jf, b->insn[i].k};
    }
}

static uint32_t bpf_run(const divert_bpf *b, const uint8_t *pkt, uint32_t len)
{
    struct bpf_insn code[DIVERT_BPF_MAX_INSNS];
    to_pcap(b, code);
    return bpf_filter(code, pkt, len, len);
}

/* One program on one chain against every packet of the chain's family. */
static void check_program(const divert_program *p, const chain *ch, const char *what)
{
    divert_bpf b;
    divert_bpf_compile(p, &ch->hook, &work, &b);
    struct bpf_insn code[DIVERT_BPF_MAX_INSNS];
    to_pcap(&b, code);
    CHECK(bpf_validate(code, (int)b.count));
    CHECK(kernel_valid(&b));
    CHECK(b.count <= DIVERT_BPF_MAX_INSNS);
    programs_total++;
    programs_exact += b.maybe == 0;
    too_long += (b.maybe & DIVERT_BPF_TOO_LONG) != 0;
    CHECK(!(b.maybe & DIVERT_BPF_TOO_LONG) || divert_bpf_accepts_all(&b));
    DIVERT_ADDRESS addr[3];
    int na = addresses(ch, p, addr);
    int reported = 0;
    for (int i = 0; i < npackets; i++) {
        if ((packets[i][0] >> 4) != (ch->hook.ipv6 ? 6 : 4)) {
            continue;
        }
        divert_packet_view view = divert_view_flat(packets[i], packet_len[i]);
        divert_packet pkt;
        bool parsed = divert_parse_driver(&view, ch->hook.ipv6, &pkt);
        bool bpf = bpf_run(&b, packets[i], packet_len[i]) != 0;
        for (int k = 0; k < na; k++) {
            bool vm = parsed && divert_filter_eval(p, ch->layer, &addr[k], &view, &pkt) == DIVERT_EVAL_MATCH;
            pairs++;
            exact_answers += bpf == vm;
            bpf_no += !bpf;
            bool sound = bpf || !vm;
            unsound += !sound;
            /* exact: for every packet the host evaluates at all */
            bool agrees = b.maybe != 0 || !parsed || bpf == vm;
            CHECK(sound);
            CHECK(agrees);
            if ((!sound || !agrees) && reported++ < 3) {
                fprintf(stderr, "  %s, chain ipv6=%d outbound=%d, packet %d (address %d): bpf %d vm %d maybe 0x%x\n",
                        what, ch->hook.ipv6, ch->hook.outbound, i, k, bpf, vm, b.maybe);
            }
        }
    }
}

static uint32_t layer_number(const char *name)
{
    return strcmp(name, "NETWORK") == 0 ? DIVERT_LAYER_NETWORK
        : strcmp(name, "NETWORK_FORWARD") == 0 ? DIVERT_LAYER_NETWORK_FORWARD : DIVERT_LAYER_FLOW;
}

/* The network-layer WinDivert objects of the syntax vectors, on each chain of their layer. */
static int check_objects(void)
{
    char path[1200], line[20000], object[12000], layer_name[32];
    static uint8_t bytes[256 * 24];
    snprintf(path, sizeof path, "%s/oracle-syntax.jsonl", vectors_dir());
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    int checked = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (!json_string(line, "object", object, sizeof object)
            || !json_string(line, "layer", layer_name, sizeof layer_name)) {
            continue;
        }
        uint32_t layer = layer_number(layer_name);
        int n = object_decode(object, bytes, sizeof bytes);
        divert_program p;
        /* what the host runs: the driver's validation (256-instruction objects do not load) */
        if (layer > DIVERT_LAYER_NETWORK_FORWARD || n <= 0
            || divert_program_load_driver(bytes, (size_t)n, layer, &p) != DIVERT_STATUS_SUCCESS) {
            continue;
        }
        checked++;
        for (size_t c = 0; c < NCHAINS; c++) {
            if (CHAINS[c].layer == layer) {
                check_program(&p, &CHAINS[c], object);
            }
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return checked;
}

/* A constant: a small number, or bytes of a vector packet where headers keep their fields. */
static void constant(uint32_t *s, uint32_t field, uint32_t arg[4])
{
    static const uint32_t small[] = {0, 1, 2, 4, 5, 6, 8, 17, 20, 22, 40, 53, 58, 64, 80, 128,
                                     255, 443, 1500, 65535};
    static const uint32_t offsets[] = {0, 1, 2, 4, 6, 8, 9, 12, 16, 20, 22, 24, 26, 32, 33, 34,
                                       40, 42, 44, 52, 53, 54};
    const uint8_t *p = packets[rnd(s) % (uint32_t)npackets];
    memset(arg, 0, 4 * sizeof arg[0]);
    bool v6 = (p[0] >> 4) == 6;
    if (field == DIVERT_FIELD_IP_SRCADDR || field == DIVERT_FIELD_IP_DSTADDR
        || ((field == DIVERT_FIELD_LOCALADDR || field == DIVERT_FIELD_REMOTEADDR) && !v6)) {
        arg[0] = divert_be32(p + (rnd(s) % 2 ? 12 : 16));
        arg[1] = 0xFFFF;
    } else if (field == DIVERT_FIELD_IPV6_SRCADDR || field == DIVERT_FIELD_IPV6_DSTADDR
               || field == DIVERT_FIELD_LOCALADDR || field == DIVERT_FIELD_REMOTEADDR) {
        uint32_t off = rnd(s) % 2 ? 8 : 24;
        for (int i = 0; i < 4; i++) {
            arg[3 - i] = divert_be32(p + off + 4 * i);
        }
        if (rnd(s) % 4 == 0) {
            arg[0] += rnd(s) % 3 - 1;
        }
    } else if (rnd(s) % 2) {
        arg[0] = small[rnd(s) % (sizeof small / sizeof small[0])];
    } else {
        uint32_t off = offsets[rnd(s) % (sizeof offsets / sizeof offsets[0])];
        uint32_t size = 1u << (rnd(s) % 3);
        arg[0] = size == 1 ? p[off] : size == 2 ? divert_be16(p + off) : divert_be32(p + off);
    }
}

/* One random instruction i of n, legal and in range for the layer. */
static void random_insn(uint32_t *s, uint32_t layer, uint32_t i, uint32_t n, uint8_t *out)
{
    static const uint32_t masks[] = {0xFFFFFFFFu, 0xFFFFFu, 0xFFFFu, 0x1FFFu, 0xFFu, 0xFu, 1u};
    divert_program check;
    for (;;) {
        uint32_t field = rnd(s) % DIVERT_FIELD_COUNT;
        if (!divert_field_legal(field, layer)) {
            continue;
        }
        uint32_t arg[4];
        constant(s, field, arg);
        if (divert_field_is_array(field)) {
            arg[1] = (uint32_t)((int32_t)(rnd(s) % 129) - 64);
        }
        test_t t = {field, rnd(s) % 6, rnd(s) % 32 == 0, arg[0], arg[1], arg[2], arg[3]};
        uint32_t pick[2];
        for (int k = 0; k < 2; k++) {
            uint32_t r = rnd(s) % 8;
            pick[k] = r == 0 ? ACC : r == 1 ? REJ : i + 1 < n ? i + 1 + rnd(s) % (n - i - 1) : (r % 2 ? ACC : REJ);
        }
        uint8_t rec[24];
        for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
            test_t u = t;
            if (!divert_field_wide(field)) {
                u.a0 &= masks[m];
            }
            if (u.neg && u.a0 == 0 && u.a1 == 0 && u.a2 == 0 && u.a3 == 0) {
                u.neg = 0;
            }
            put_insn(rec, 0, u, ACC, REJ);
            if (divert_program_load_driver(rec, 24, layer, &check) == DIVERT_STATUS_SUCCESS) {
                put_insn(out, i, u, pick[0], pick[1]);
                return;
            }
        }
    }
}

static void check_random(void)
{
    static uint8_t bytes[16 * 24];
    uint32_t state = 20261203u;
    for (int k = 0; k < RANDOM_PROGRAMS; k++) {
        uint32_t layer = k % 3 == 2 ? DIVERT_LAYER_NETWORK_FORWARD : DIVERT_LAYER_NETWORK;
        uint32_t n = 1 + rnd(&state) % 12;
        for (uint32_t i = 0; i < n; i++) {
            random_insn(&state, layer, i, n, bytes);
        }
        if (k % 5 == 0) {
            /* a membership run: "f == a or f == b ..." / "f != a and f != b ...", then the rest */
            static const uint32_t fields[] = {DIVERT_FIELD_TCP_DSTPORT, DIVERT_FIELD_UDP_SRCPORT,
                                              DIVERT_FIELD_IP_TTL, DIVERT_FIELD_IPV6_NEXTHDR,
                                              DIVERT_FIELD_TCP_HDRLENGTH, DIVERT_FIELD_ICMP_TYPE};
            uint32_t field = fields[rnd(&state) % (sizeof fields / sizeof fields[0])];
            bool eq = rnd(&state) % 2;
            uint32_t members = 2 + rnd(&state) % 4;
            for (uint32_t i = 0; i < members && i + 1 < n; i++) {
                uint32_t arg[4];
                constant(&state, field, arg);
                test_t t = {field, eq ? EQ : NEQ, 0, arg[0] & (field == DIVERT_FIELD_TCP_HDRLENGTH ? 0xFu : 0xFFu)};
                uint32_t next = i + 1;
                put_insn(bytes, i, t, eq ? ACC : next, eq ? next : REJ);
            }
        }
        divert_program p;
        CHECK(divert_program_load_driver(bytes, n * 24, layer, &p) == DIVERT_STATUS_SUCCESS);
        char what[64];
        snprintf(what, sizeof what, "random program %d", k);
        for (size_t c = 0; c < NCHAINS; c++) {
            if (CHAINS[c].layer == layer) {
                check_program(&p, &CHAINS[c], what);
            }
        }
    }
}

/* A program of tests joined by or/and, loaded for NETWORK. */
static void chain_program(divert_program *p, int join_or, uint32_t n, const test_t *tests)
{
    static uint8_t bytes[256 * 24];
    uint32_t len = build_chain(bytes, join_or, n, tests);
    CHECK(divert_program_load_driver(bytes, len, DIVERT_LAYER_NETWORK, p) == DIVERT_STATUS_SUCCESS);
}

static const divert_bpf_hook OUTPUT4 = {false, true, DIVERT_BPF_UNKNOWN, 0};

/* Filters the host sees in practice: exact and short, or flagged for what they cannot see. */
static void test_typical_filters(void)
{
    divert_program p;
    divert_bpf b;
    chain_program(&p, 0, 1, &(test_t){DIVERT_FIELD_UDP_DSTPORT, EQ, 0, 9});
    divert_bpf_compile(&p, &OUTPUT4, &work, &b);
    CHECK_EQ(b.maybe, 0);
    CHECK(b.count <= 24);
    /* udp.DstPort 9 and 53 on an IPv4 UDP packet without options */
    static uint8_t udp[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                              0x30, 0x39, 0, 9, 0, 8, 0, 0};
    CHECK(bpf_run(&b, udp, sizeof udp) != 0);
    udp[23] = 53;
    CHECK_EQ(bpf_run(&b, udp, sizeof udp), 0);
    /* a fragment with an offset has no UDP header for the VM */
    udp[6] = 0x00;
    udp[7] = 0x10;
    udp[23] = 9;
    CHECK_EQ(bpf_run(&b, udp, sizeof udp), 0);

    /* membership: one load, one compare per port */
    test_t ports[8];
    for (int i = 0; i < 8; i++) {
        ports[i] = (test_t){DIVERT_FIELD_TCP_DSTPORT, EQ, 0, 8000u + (uint32_t)i};
    }
    chain_program(&p, 1, 8, ports);
    divert_bpf_compile(&p, &OUTPUT4, &work, &b);
    CHECK_EQ(b.maybe, 0);
    CHECK(b.count <= 17 + 2 + 2 + 8 + 1);

    /* loopback is the interface's on OUTPUT: "maybe", and "not loopback and ..." still filters */
    test_t nl[2] = {{DIVERT_FIELD_LOOPBACK, EQ, 0, 0}, {DIVERT_FIELD_TCP_DSTPORT, EQ, 0, 80}};
    chain_program(&p, 0, 2, nl);
    divert_bpf_compile(&p, &OUTPUT4, &work, &b);
    CHECK_EQ(b.maybe, DIVERT_BPF_MAYBE_UNSEEN);
    CHECK(!divert_bpf_accepts_all(&b));
    divert_bpf_hook input = {false, false, 0, 0};
    divert_bpf_compile(&p, &input, &work, &b);
    CHECK_EQ(b.maybe, 0);

    /* what segmentation changes is not judged in the chain */
    chain_program(&p, 0, 1, &(test_t){DIVERT_FIELD_IP_LENGTH, EQ, 0, 1500});
    divert_bpf_compile(&p, &OUTPUT4, &work, &b);
    CHECK_EQ(b.maybe, DIVERT_BPF_MAYBE_SEGMENTS);
    CHECK(divert_bpf_accepts_all(&b));

    /* IPv6 transport fields: extension headers are not walked */
    divert_bpf_hook output6 = {true, true, DIVERT_BPF_UNKNOWN, 0};
    chain_program(&p, 0, 1, &(test_t){DIVERT_FIELD_TCP_DSTPORT, EQ, 0, 443});
    divert_bpf_compile(&p, &output6, &work, &b);
    CHECK_EQ(b.maybe, DIVERT_BPF_MAYBE_IPV6_EXT);
    /* an IPv4-only filter rejects every IPv6 packet, exactly */
    chain_program(&p, 0, 1, &(test_t){DIVERT_FIELD_IP_TTL, EQ, 0, 64});
    divert_bpf_compile(&p, &output6, &work, &b);
    CHECK_EQ(b.maybe, 0);
    CHECK(b.count == 1 && b.insn[0].k == 0);

    /* too long for xt_bpf: accept all, flagged */
    test_t many[70];
    for (int i = 0; i < 70; i++) {
        many[i] = (test_t){DIVERT_FIELD_TCP_DSTPORT, EQ, 0, 1000u + 7u * (uint32_t)i};
    }
    chain_program(&p, 1, 70, many);
    divert_bpf_compile(&p, &OUTPUT4, &work, &b);
    CHECK_EQ(b.maybe, DIVERT_BPF_TOO_LONG);
    CHECK(divert_bpf_accepts_all(&b));
}

int main(void)
{
    read_packets("windivert-suite.jsonl");
    read_packets("oracle-eval.jsonl");
    CHECK(npackets > 20);
    mutate_packets(12);
    test_typical_filters();
    int objects = check_objects();
    CHECK(objects > 50);
    check_random();
    CHECK(bpf_no > 0);
    printf("bpf prefilter: %d packets (vectors and variants), %d vector objects and %d random programs, %ld programs on chains, "
           "%ld exact (%.1f%%), %ld too long\n",
           npackets, objects, RANDOM_PROGRAMS, programs_total, programs_exact,
           100.0 * (double)programs_exact / (double)programs_total, too_long);
    printf("bpf prefilter: %ld (program, packet, address) answers, %ld the VM's (%.1f%%), "
           "%ld BPF rejections, %ld unsound\n",
           pairs, exact_answers, 100.0 * (double)exact_answers / (double)pairs, bpf_no, unsound);
    return test_finish("bpf");
}
