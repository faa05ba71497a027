/*
 * The prefilter's glue on the Linux host (prefilter.h): which address fields each capture
 * hook fixes, the core's cBPF translation per hook for a handle's rules, and the two texts
 * made of it: xt_bpf's --bytecode for iptables and the `tcpdump -d`-style listing that
 * `divert4j filter compile --bpf` prints. The translation itself lives in core/bpf.c.
 */
#include "prefilter.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "divert_abi.h"

divert_bpf_hook prefilter_hook(unsigned hook)
{
    /*
     * The address on_packet (host.c) gives a packet of that hook: outbound except at INPUT,
     * loopback only on OUTPUT (from the output interface), never an impostor (the host's own
     * injections carry RULES_MARK_INJECTED and skip every handle chain).
     */
    divert_bpf_hook h;
    h.ipv6 = (hook & (RULES_OUT_V6 | RULES_IN_V6 | RULES_FWD_V6)) != 0;
    h.outbound = (hook & (RULES_IN_V4 | RULES_IN_V6)) == 0;
    h.loopback = (hook & (RULES_OUT_V4 | RULES_OUT_V6)) != 0 ? DIVERT_BPF_UNKNOWN : 0;
    h.impostor = 0;
    return h;
}

int prefilter_bytecode(const divert_bpf *bpf, char *out, size_t len)
{
    size_t pos = 0;
    int n = snprintf(out, len, "%u", bpf->count);
    for (uint32_t i = 0; n >= 0 && (size_t)n < len - pos && i < bpf->count; i++) {
        pos += (size_t)n;
        const divert_bpf_insn *in = &bpf->insn[i];
        n = snprintf(out + pos, len - pos, ",%u %u %u %u", in->code, in->jt, in->jf, in->k);
    }
    if (n < 0 || (size_t)n >= len - pos) {
        return -1;
    }
    return (int)(pos + (size_t)n);
}

uint32_t prefilter_prepare(rules_handle *h, const divert_program *program)
{
    divert_bpf_work work;
    divert_bpf bpf;
    uint32_t maybe = 0;
    for (unsigned i = 0; i < RULES_HOOK_COUNT; i++) {
        h->bpf[i][0] = '\0';
        if (!(h->capture & 1u << i)) {
            continue;
        }
        divert_bpf_hook hook = prefilter_hook(1u << i);
        divert_bpf_compile(program, &hook, &work, &bpf);
        maybe |= bpf.maybe;
        if (!divert_bpf_accepts_all(&bpf) && prefilter_bytecode(&bpf, h->bpf[i], sizeof h->bpf[i]) < 0) {
            h->bpf[i][0] = '\0';
        }
    }
    return maybe;
}

/* Appends to out; on overflow *pos becomes len + 1 and stays there. */
static void put(char *out, size_t len, size_t *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = *pos < len ? vsnprintf(out + *pos, len - *pos, fmt, ap) : -1;
    va_end(ap);
    *pos = n < 0 || (size_t)n >= len - *pos ? len + 1 : *pos + (size_t)n;
}

/* One instruction as libpcap's bpf_image writes it (`tcpdump -d`). */
static void image(char *out, size_t len, size_t *pos, uint32_t pc, const divert_bpf_insn *in)
{
    static const char *const sizes[] = {"", "h", "b"};
    static const char *const alu[] = {"add", "sub", "mul", "div", "or", "and", "lsh", "rsh"};
    static const char *const jumps[] = {"ja", "jeq", "jgt", "jge", "jset"};
    unsigned cls = in->code & 7u, size = in->code >> 3 & 3u, mode = in->code & 0xE0u;
    char op[8], arg[32];
    snprintf(op, sizeof op, "?");
    snprintf(arg, sizeof arg, "0x%04x", in->code);
    if (cls == 0 && size < 3) {
        snprintf(op, sizeof op, "ld%s", mode == 0x00 || mode == 0x60 || mode == 0x80 ? "" : sizes[size]);
        if (mode == 0x00) snprintf(arg, sizeof arg, "#0x%x", in->k);
        else if (mode == 0x20) snprintf(arg, sizeof arg, "[%u]", in->k);
        else if (mode == 0x40) snprintf(arg, sizeof arg, "[x + %u]", in->k);
        else if (mode == 0x60) snprintf(arg, sizeof arg, "M[%u]", in->k);
        else if (mode == 0x80) snprintf(arg, sizeof arg, "#pktlen");
    } else if (cls == 1) {
        snprintf(op, sizeof op, mode == 0xA0 ? "ldxb" : "ldx");
        if (mode == 0x00) snprintf(arg, sizeof arg, "#0x%x", in->k);
        else if (mode == 0xA0) snprintf(arg, sizeof arg, "4*([%u]&0xf)", in->k);
        else if (mode == 0x60) snprintf(arg, sizeof arg, "M[%u]", in->k);
    } else if (cls == 2 || cls == 3) {
        snprintf(op, sizeof op, cls == 2 ? "st" : "stx");
        snprintf(arg, sizeof arg, "M[%u]", in->k);
    } else if (cls == 4 && (in->code >> 4) < 8) {
        snprintf(op, sizeof op, "%s", alu[in->code >> 4]);
        if (in->code & 8u) snprintf(arg, sizeof arg, "x");
        else snprintf(arg, sizeof arg, (in->code >> 4) >= 6 ? "#%u" : "#0x%x", in->k);
    } else if (cls == 5 && (in->code >> 4) < 5) {
        snprintf(op, sizeof op, "%s", jumps[in->code >> 4]);
        if ((in->code >> 4) == 0) {
            put(out, len, pos, "(%03u) %-8s %u\n", pc, op, pc + 1 + in->k);
            return;
        }
        snprintf(arg, sizeof arg, in->code & 8u ? "x" : "#0x%x", in->k);
        put(out, len, pos, "(%03u) %-8s %-16s jt %u\tjf %u\n", pc, op, arg, pc + 1 + in->jt, pc + 1 + in->jf);
        return;
    } else if (cls == 6) {
        snprintf(op, sizeof op, "ret");
        snprintf(arg, sizeof arg, in->code & 0x10u ? "a" : "#%u", in->k);
    }
    put(out, len, pos, "(%03u) %-8s %s\n", pc, op, arg);
}

int prefilter_describe(const divert_program *program, unsigned layer, char *out, size_t len)
{
    static const struct { unsigned hook; const char *name; } chains[] = {
        {RULES_OUT_V4, "ipv4 OUTPUT"}, {RULES_IN_V4, "ipv4 INPUT"},
        {RULES_OUT_V6, "ipv6 OUTPUT"}, {RULES_IN_V6, "ipv6 INPUT"},
        {RULES_FWD_V4, "ipv4 FORWARD"}, {RULES_FWD_V6, "ipv6 FORWARD"},
    };
    divert_bpf_work work;
    divert_bpf bpf;
    char code[RULES_BPF_TEXT_MAX];
    size_t pos = 0;
    for (size_t c = 0; c < sizeof chains / sizeof chains[0]; c++) {
        bool forward = (chains[c].hook & (RULES_FWD_V4 | RULES_FWD_V6)) != 0;
        if (forward != (layer == DIVERT_LAYER_NETWORK_FORWARD)) {
            continue;
        }
        divert_bpf_hook hook = prefilter_hook(chains[c].hook);
        divert_bpf_compile(program, &hook, &work, &bpf);
        put(out, len, &pos, "%s: %u instruction%s, ", chains[c].name, bpf.count, bpf.count == 1 ? "" : "s");
        if (bpf.maybe & DIVERT_BPF_TOO_LONG) {
            put(out, len, &pos, "inexact: too long for xt_bpf (%d instructions), accepts all", DIVERT_BPF_MAX_INSNS);
        } else if (bpf.maybe == 0) {
            put(out, len, &pos, "exact");
        } else {
            put(out, len, &pos, "inexact: maybe for%s%s%s",
                bpf.maybe & DIVERT_BPF_MAYBE_UNSEEN ? " [fields the packet does not show]" : "",
                bpf.maybe & DIVERT_BPF_MAYBE_SEGMENTS ? " [fields GSO segmentation changes]" : "",
                bpf.maybe & DIVERT_BPF_MAYBE_IPV6_EXT ? " [IPv6 extension headers]" : "");
        }
        put(out, len, &pos, divert_bpf_accepts_all(&bpf) ? " (no bpf match installed)\n" : "\n");
        for (uint32_t i = 0; i < bpf.count; i++) {
            image(out, len, &pos, i, &bpf.insn[i]);
        }
        if (prefilter_bytecode(&bpf, code, sizeof code) < 0) {
            return -1;
        }
        put(out, len, &pos, "bytecode: %s\n", code);
    }
    return pos > len ? -1 : (int)pos;
}
