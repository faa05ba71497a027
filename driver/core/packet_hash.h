/*
 * WinDivert's 64-bit packet hash (docs/spec/helpers.md 7), bit-exact, and the random8/16/32 filter
 * values derived from it (docs/spec/filter-language.md 8.4).
 */
#ifndef DIVERT_CORE_PACKET_HASH_H
#define DIVERT_CORE_PACKET_HASH_H

#include <stdint.h>

#include "core/packet_parse.h"

/* The core hash over a decomposition (the evaluator's variant: truncated packets hash too). */
uint64_t divert_packet_hash(const divert_packet *packet, uint64_t seed);

#endif
