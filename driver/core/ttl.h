/* TTL / hop-limit decrement (docs/spec/helpers.md 5), applied by the driver to impostor packets. */
#ifndef DIVERT_CORE_TTL_H
#define DIVERT_CORE_TTL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Decrements the IPv4 TTL (patching the header checksum incrementally, as the reference does)
 * or the IPv6 hop limit in place. False, packet unchanged, when it is NULL, too short, not
 * IPv4/IPv6, or the value is already <= 1.
 */
bool divert_decrement_ttl(uint8_t *packet, uint32_t len);

#endif
