/*
 * The in-kernel prefilter: a filter program translated into classic BPF for one netfilter
 * chain (one family and hook), as iptables' bpf match (xt_bpf) runs it. The packet starts at
 * the IP header; `len` is the packet's length.
 *
 * The translation over-approximates and never under-approximates: where the BPF says no, the
 * VM (divert_filter_eval on divert_parse_driver's decomposition, with the address the chain
 * fixes) says no as well, so the VM stays the exact judge of what the BPF lets through.
 * A test whose value the BPF cannot know is a "maybe": the BPF then accepts wherever either
 * branch might (the success branch, falling back to the failure branch where it rejects).
 * What it cannot know:
 *   - address fields the chain does not fix (interface indexes, loopback on OUTPUT,
 *     timestamp, random*): DIVERT_BPF_MAYBE_UNSEEN;
 *   - fields that differ between a GSO/GRO super-packet, which is what the chain sees, and
 *     the segments NFQUEUE cuts it into before the VM sees them: lengths, ids, checksums,
 *     sequence numbers, FIN/PSH/URG, fragment fields, packet and payload bytes:
 *     DIVERT_BPF_MAYBE_SEGMENTS;
 *   - packets with IPv6 extension headers, when the transport header or the final protocol
 *     is needed (the BPF does not walk them and accepts such packets): DIVERT_BPF_MAYBE_IPV6_EXT.
 * Not modelled: UDP fragmentation offload super-packets (UFO, only from virtio guests), whose
 * segments are IP fragments.
 *
 * Program length is bounded by xt_bpf's 64 instructions (XT_BPF_MAX_NUM_INSTR); a filter
 * whose translation does not fit becomes the one-instruction "accept all"
 * (DIVERT_BPF_TOO_LONG).
 *
 * Freestanding like the rest of the core: the caller owns the output; bounded time (at most
 * DIVERT_BPF_MAX_STEPS translation steps) and recursion depth (DIVERT_BPF_MAX_INSNS).
 */
#ifndef DIVERT_CORE_BPF_H
#define DIVERT_CORE_BPF_H

#include <stdbool.h>
#include <stdint.h>

#include "core/filter_program.h"

/* xt_bpf's limit (linux/netfilter/xt_bpf.h). */
#define DIVERT_BPF_MAX_INSNS 64
/* Translation work after which a filter counts as too long. */
#define DIVERT_BPF_MAX_STEPS 4096

/* What the BPF answers "maybe" for (divert_bpf.maybe); 0 means exact. */
#define DIVERT_BPF_MAYBE_UNSEEN   1u
#define DIVERT_BPF_MAYBE_SEGMENTS 2u
#define DIVERT_BPF_MAYBE_IPV6_EXT 4u
#define DIVERT_BPF_TOO_LONG       8u

/* What a BPF program returns for "may match" (any non-zero value is a match). */
#define DIVERT_BPF_ACCEPT 0xFFFFu

/* One classic BPF instruction, laid out as struct sock_filter / struct bpf_insn. */
typedef struct divert_bpf_insn
{
    uint16_t code;
    uint8_t jt;
    uint8_t jf;
    uint32_t k;
} divert_bpf_insn;

/* A boolean address field the chain fixes, or DIVERT_BPF_UNKNOWN. */
#define DIVERT_BPF_UNKNOWN (-1)

/* The chain a program is for: its family and the address fields its hook fixes. */
typedef struct divert_bpf_hook
{
    bool ipv6;
    bool outbound;
    int8_t loopback;  /* 0, 1 or DIVERT_BPF_UNKNOWN */
    int8_t impostor;  /* 0, 1 or DIVERT_BPF_UNKNOWN */
} divert_bpf_hook;

typedef struct divert_bpf
{
    uint32_t count;
    uint32_t maybe;   /* DIVERT_BPF_MAYBE_* and DIVERT_BPF_TOO_LONG bits */
    divert_bpf_insn insn[DIVERT_BPF_MAX_INSNS];
} divert_bpf;

/* Scratch space of one translation (about 3.5 KiB; the caller owns it, never on a kernel stack). */
typedef struct { int16_t entry, kind_after, value_after; uint32_t content; } divert_bpf_block;
typedef struct { uint16_t pc; int16_t yes, no, label; } divert_bpf_memo;
#define DIVERT_BPF_MEMOS 256
typedef struct divert_bpf_work
{
    divert_bpf_insn rev[DIVERT_BPF_MAX_INSNS];
    divert_bpf_block blocks[DIVERT_BPF_MAX_INSNS];
    divert_bpf_memo memos[DIVERT_BPF_MEMOS];
} divert_bpf_work;

/*
 * Translates a loaded program of a NETWORK or NETWORK_FORWARD handle for the chain `hook`.
 * Always produces a valid program (jumps forward and in range, every scratch cell stored
 * before it is loaded, last instruction a return).
 */
void divert_bpf_compile(const divert_program *program, const divert_bpf_hook *hook,
                        divert_bpf_work *work, divert_bpf *out);

/* True when the program accepts every packet without looking at it. */
bool divert_bpf_accepts_all(const divert_bpf *bpf);

#endif
