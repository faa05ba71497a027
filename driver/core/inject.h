/*
 * The SEND request's packet loop (docs/spec/device-abi.md 9) and the per-packet preparation before
 * injection (9.1 steps 1-2).
 *
 * The host drives the loop: divert_send_begin, then while divert_send_next gives a packet:
 * copy it (the core never allocates), divert_inject_prepare the copy with address i,
 * inject it, report the outcome with divert_send_result; finally divert_send_complete gives
 * the status and byte count to complete the request with.
 */
#ifndef DIVERT_CORE_INJECT_H
#define DIVERT_CORE_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "divert_abi.h"
#include "core/ioctl.h"
#include "core/status.h"

typedef struct divert_send_batch
{
    uint32_t index;         /* packets handed out so far */
    uint32_t count;         /* packets the address array allows */
    size_t offset;          /* next packet's offset in the data buffer */
    uint32_t bytes;         /* total length of processed packets */
    divert_status hard;     /* first hard error (stops the loop) */
    divert_status soft;     /* last soft error */
} divert_send_batch;

void divert_send_begin(divert_send_batch *b, const divert_request *req);

/*
 * The next packet of data (data_len bytes): true with its offset, length and address index
 * (= *index). False when the loop is over: then divert_send_complete tells the outcome.
 */
bool divert_send_next(divert_send_batch *b, const uint8_t *data, size_t data_len,
                      size_t *offset, uint32_t *length, uint32_t *index);

/*
 * Outcome of preparing and injecting the packet last handed out: SUCCESS,
 * INSUFFICIENT_RESOURCES (hard: stops the loop) or any other status (soft: remembered, the
 * loop goes on). The packet counts as processed either way.
 */
void divert_send_result(divert_send_batch *b, divert_status injection);

/* The request's completion: hard error, else last soft error or SUCCESS; *bytes processed. */
divert_status divert_send_complete(const divert_send_batch *b, uint32_t *bytes);

/*
 * 9.1 steps 1-2 on the host's private copy of a packet: recompute the checksums whose
 * address flag is 0 (never ICMP/ICMPv6), then for an Impostor decrement the TTL / hop limit.
 * HOPLIMIT_EXCEEDED (soft) when that is already <= 1: drop the packet.
 */
divert_status divert_inject_prepare(uint8_t *packet, uint32_t len, const DIVERT_ADDRESS *addr);

/*
 * 9.1 step 4: the ICMP "fragmentation needed" (IPv4) or ICMPv6 "packet too big" (IPv6)
 * reply to an outbound packet that exceeded the path MTU, written to out (cap bytes).
 * False when none is due (packet not larger than 568 / 1280 bytes, not IPv4/IPv6) or cap
 * is too small; else *out_len is its length. Checksums are filled in.
 */
bool divert_build_too_big(const uint8_t *packet, uint32_t len, uint8_t *out, uint32_t cap,
                          uint32_t *out_len);

#endif
