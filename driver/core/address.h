/*
 * 128-bit address words of the address record (docs/spec/device-abi.md 7): four u32, word 0 least
 * significant; IPv4 stored IPv4-mapped.
 */
#ifndef DIVERT_CORE_ADDRESS_H
#define DIVERT_CORE_ADDRESS_H

#include <stdint.h>

/* ::ffff:a.b.c.d from a host-order IPv4 address (a << 24 | b << 16 | c << 8 | d). */
void divert_addr_from_ipv4(uint32_t host_order, uint32_t out[4]);

/* From the 16 network-order bytes of an IPv6 address. */
void divert_addr_from_ipv6(const uint8_t bytes[16], uint32_t out[4]);

#endif
