/*
 * Checksum recomputation (docs/spec/helpers.md 4, WinDivertHelperCalcChecksums) and the driver's choice
 * of which checksums to recompute before injecting (docs/spec/device-abi.md 9.1 step 1).
 */
#ifndef DIVERT_CORE_CHECKSUM_H
#define DIVERT_CORE_CHECKSUM_H

#include <stdbool.h>
#include <stdint.h>

#include "divert_abi.h"

#define DIVERT_CHECKSUM_NO_IP      UINT64_C(1)
#define DIVERT_CHECKSUM_NO_ICMP    UINT64_C(2)
#define DIVERT_CHECKSUM_NO_ICMPV6  UINT64_C(4)
#define DIVERT_CHECKSUM_NO_TCP     UINT64_C(8)
#define DIVERT_CHECKSUM_NO_UDP     UINT64_C(16)

/*
 * Recomputes the checksums of the packet in place (len bytes, possibly followed by more).
 * addr may be NULL; otherwise its IPChecksum/TCPChecksum/UDPChecksum bits are set (never
 * cleared) for what was computed. False when the packet does not parse, or the transport
 * checksum cannot be computed (truncated or fragmented packet, or a TCP data offset reaching
 * past the buffer: the reference would read beyond it, we refuse).
 */
bool divert_calc_checksums(uint8_t *packet, uint32_t len, DIVERT_ADDRESS *addr, uint64_t flags);

/* The flags the driver passes for a packet it injects: only what the address says is stale. */
uint64_t divert_inject_checksum_flags(const DIVERT_ADDRESS *addr);

/* The Internet checksum (complemented one's-complement sum) of data, seeded with sum. */
uint16_t divert_internet_checksum(const uint8_t *data, uint32_t len, uint32_t sum);

#endif
