/*
 * The in-kernel prefilter of a handle (core/bpf.h) on the Linux host: one classic BPF program
 * per capture hook, installed with iptables' bpf match on the hook's NFQUEUE rule, so that
 * packets the filter cannot match never leave the kernel. The VM still judges every packet
 * that is queued.
 */
#ifndef DIVERT4J_PREFILTER_H
#define DIVERT4J_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/bpf.h"
#include "core/filter_program.h"
#include "rules.h"

/* What the chain of hook bit `hook` (RULES_OUT_V4 ...) fixes of a packet's address. */
divert_bpf_hook prefilter_hook(unsigned hook);

/*
 * Fills h->bpf for h->capture (an empty text where the program would accept everything).
 * Returns what the programs answer "maybe" for, over all of h->capture's chains
 * (DIVERT_BPF_MAYBE_* and DIVERT_BPF_TOO_LONG bits, core/bpf.h).
 */
uint32_t prefilter_prepare(rules_handle *h, const divert_program *program);

/* xt_bpf's --bytecode text "N,code jt jf k,...". Returns its length, or -1 if len is too small. */
int prefilter_bytecode(const divert_bpf *bpf, char *out, size_t len);

/*
 * For `divert4j filter compile --bpf`: per chain of the layer, a heading with the exactness,
 * the program as `tcpdump -d` lists it and the bytecode. Returns the length, or -1 if len is
 * too small.
 */
int prefilter_describe(const divert_program *program, unsigned layer, char *out, size_t len);

#endif
