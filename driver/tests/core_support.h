/*
 * Test support on top of the core's API: what only the unit tests and the fuzz targets need
 * (comparing two decompositions, the user-mode hash entry point, the IOCTL code of a request
 * kind), kept out of the core so that the core holds only what a host calls.
 */
#ifndef DIVERT_TEST_CORE_SUPPORT_H
#define DIVERT_TEST_CORE_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ioctl.h"
#include "core/packet_parse.h"
#include "core/packet_view.h"

/*
 * Same decomposition: equal fields and equal header bytes (the pointers may differ, e.g. a
 * flat and a callback view of one packet). For checking one parse against another.
 */
bool test_packet_same(const divert_packet *a, const divert_packet *b);

/*
 * WinDivertHelperHashPacket: 0 unless the view holds a complete IP packet (3.3 semantics:
 * a truncated packet hashes to 0, trailing bytes are ignored).
 */
uint64_t test_hash_packet(const divert_packet_view *view, uint64_t seed);

/* The IOCTL code of a request kind. */
uint32_t test_request_code(divert_request_kind kind);

#endif
