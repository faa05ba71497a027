/*
 * The host's own netfilter rules that send packets to its NFQUEUE queues.
 *
 * Why iptables/ip6tables (mangle table) and not nft: the nft `queue` expression (nft_queue)
 * is an optional kernel module that many kernels (this project's CI kernel among them) lack,
 * while the xtables NFQUEUE target works with both the iptables-nft and the legacy backend.
 *
 * Ownership: every object the host creates carries the handle tag
 * D4J-<pid:6 hex>-<process start time:10 hex>-<queue:4 hex> (fixed width, so no tag is a
 * prefix of another): per-hook chains are named <tag><o|i|f>, rules in the built-in chains carry
 * the tag in a comment. The start time tells a live owner from a recycled pid. Removal only
 * ever deletes objects whose text contains the tag, so rules of others are never touched.
 * Every queue rule has --queue-bypass: traffic flows while no process is bound to the queue
 * (e.g. after kill -9, until the watchdog or the next start removes the rules).
 *
 * Priorities: a handle occupies one position in each built-in chain it uses (OUTPUT, INPUT,
 * FORWARD of the mangle table), ordered by user priority (highest first; equal priorities in
 * order of creation). At its position it has a jump to its chain and a "release" rule. A packet
 * whose mark has RULES_MARK_INJECTED set skips every handle chain; the release rule of handle
 * `id` clears that state for packets marked by `id`. The host marks (a) packets it hands back
 * with NF_REPEAT after looking at them (no match, or sniffed) and (b) packets it injects, with
 * the mark of the handle concerned: such a packet is then seen by lower-priority handles only.
 * Only the mark bits RULES_MARK_MASK are used; the low 16 bits stay the user's.
 */
#ifndef DIVERT4J_RULES_H
#define DIVERT4J_RULES_H

#include <stddef.h>
#include <stdint.h>

#define RULES_MARK_MASK     UINT32_C(0xFFFF0000)
#define RULES_MARK_INJECTED UINT32_C(0x80000000)
#define RULES_MARK_INBOUND  UINT32_C(0x40000000) /* inbound (or forward) injection: no OUTPUT handle */
#define RULES_ID_MAX        0x3FFFu               /* 14 bits of handle id in mark bits 16..29 */

/* The queue numbers the host binds: the handle id is queue - RULES_QUEUE_FIRST. */
#define RULES_QUEUE_FIRST   0x4000u
#define RULES_QUEUE_COUNT   (RULES_ID_MAX + 1u)

/* Hooks (bit per family and hook). */
#define RULES_OUT_V4 0x01u
#define RULES_OUT_V6 0x02u
#define RULES_IN_V4  0x04u
#define RULES_IN_V6  0x08u
#define RULES_FWD_V4 0x10u
#define RULES_FWD_V6 0x20u

#define RULES_HOOK_COUNT 6   /* hook bits; bit b has index log2(b) */

/* xt_bpf's --bytecode text: "N," and up to 64 "code jt jf k," of at most 25 characters. */
#define RULES_BPF_TEXT_MAX 1664

#define RULES_OWNER_TAG_LEN  22 /* "D4J-" 6 "-" 10 "-" */
#define RULES_HANDLE_TAG_LEN 26 /* owner tag + 4 */

/* The mark that releases a packet to the handles after `id` in the given hook. */
uint32_t rules_mark(uint16_t id, int inbound);

typedef struct
{
    char     tag[RULES_HANDLE_TAG_LEN + 1];
    uint16_t queue;
    int16_t  priority;  /* user priority: higher = earlier */
    unsigned capture;   /* hooks whose packets go to the queue */
    unsigned release;   /* hooks needing a release rule (capture hooks, plus injection hooks) */
    /*
     * Per capture hook (by index): the in-kernel prefilter of its queue rule as xt_bpf
     * bytecode, "" for none (prefilter.h). Without xt_bpf the rules go in without it.
     */
    char bpf[RULES_HOOK_COUNT][RULES_BPF_TEXT_MAX];
} rules_handle;

/* Fills the owner tag of process `pid` (0 = this process). Returns 0 or -1. */
int rules_owner_tag(char out[RULES_OWNER_TAG_LEN + 1], long pid);

/*
 * Pure: the iptables-restore input (table mangle, --noflush) installing handle `h` for one
 * family (4 or 6), positioned according to `save`, the family's current `iptables-save -t
 * mangle` output. Returns the length written, 0 when the family needs nothing, -1 if `out` is
 * too small.
 */
int rules_install_script(char *out, size_t len, const char *save, const rules_handle *h, int family);

/* Installs handle `h` (both families as needed). Returns 0 or -1 with a message in err. */
int rules_install(const rules_handle *h, char *err, size_t errlen);

/* Removes every rule and chain whose text contains `tag` (a handle or owner tag). */
int rules_remove(const char *tag, char *err, size_t errlen);

/*
 * Removes the objects of owners that are gone (dead pid, or recycled pid with another start
 * time), this process's pid included. Returns the number of owners cleaned or -1.
 */
int rules_remove_stale(char *err, size_t errlen);

/*
 * Starts a detached watchdog that removes everything tagged `owner_tag` once this process is
 * gone, however it ends: it waits for EOF on a pipe whose write end only this process holds.
 * Returns 0 or -1.
 */
int rules_start_watchdog(const char *owner_tag, char *err, size_t errlen);

/* Pure: the owner tags (one per line, each once) of the divert4j objects in `save`. */
int rules_owners_in(const char *save, char *out, size_t len);

/* Start time of process `pid` in clock ticks since boot, 0 when it does not exist. */
unsigned long long rules_process_start(long pid);

#endif
