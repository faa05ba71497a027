/*
 * IOCTL request decoding (docs/spec/device-abi.md 2, 3) and the request checks that need no handle
 * state: the RECV/SEND address-array lengths (8, 9), the handshake record (5), the
 * parameter ranges (6.3) and the SEND packet framing (9). The state-dependent checks, in the
 * spec's order, are in handle.h, which uses these.
 */
#ifndef DIVERT_CORE_IOCTL_H
#define DIVERT_CORE_IOCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "divert_abi.h"
#include "core/status.h"

typedef enum divert_request_kind
{
    DIVERT_REQUEST_INITIALIZE,
    DIVERT_REQUEST_STARTUP,
    DIVERT_REQUEST_RECV,
    DIVERT_REQUEST_SEND,
    DIVERT_REQUEST_SET_PARAM,
    DIVERT_REQUEST_GET_PARAM,
    DIVERT_REQUEST_SHUTDOWN
} divert_request_kind;

/* The decoded 16-byte header: only the member of the request's kind is meaningful. */
typedef struct divert_request
{
    divert_request_kind kind;
    union
    {
        struct { uint32_t layer; uint32_t priority; uint64_t flags; } initialize;
        struct { uint64_t flags; } startup;
        struct { uint64_t addr; uint64_t addr_len_ptr; } recv;
        struct { uint64_t addr; uint64_t addr_len; } send;
        struct { uint64_t value; uint32_t param; } set_param;
        struct { uint32_t param; } get_param;
        struct { uint32_t how; } shutdown;
    } u;
} divert_request;

/*
 * Decodes the request header (the DeviceIoControl input buffer). INVALID_PARAMETER when it
 * is shorter than 16 bytes (checked first: every request needs it), INVALID_DEVICE_REQUEST
 * for an unknown code. Unused header bytes are ignored.
 */
divert_status divert_request_decode(uint32_t code, const uint8_t *header, size_t header_len,
                                    divert_request *out);

/*
 * RECV address arguments (8): addr_len_ptr != 0 means the host read *addr_len_ptr into
 * addr_len. Valid: no length pointer, or addr_len in [80, 20400] with addr != 0. On success
 * *max_packets is how many packets the batch may hold: addr_len / 80 (1 without a length
 * pointer, also when addr is 0).
 */
divert_status divert_recv_check_addresses(const divert_request *req, uint32_t addr_len,
                                          uint32_t *max_packets);

/* SEND address arguments (9): addr_len in [80, 20400] and addr != 0. */
divert_status divert_send_check_addresses(const divert_request *req);

/* Packets a SEND processes: one per whole address record, at most 255. */
uint32_t divert_send_packet_count(const divert_request *req);

/*
 * Handshake (5, step 1-2): checks the 64-byte record from the library and, if it passes,
 * overwrites magic/major/minor/bits with the driver's reply (driver_bits = the driver's
 * pointer width). The reserved fields are left untouched.
 */
divert_status divert_version_exchange(uint8_t *record, size_t len, uint32_t driver_bits);

/* SET_PARAM range (6.3): param in {0,1,2} and value within its [min, max]. */
divert_status divert_param_check(uint32_t param, uint64_t value);

/*
 * SEND framing (9, steps 1-3): the length of the packet at the start of data (remaining
 * bytes left). BUFFER_TOO_SMALL / INVALID_PARAMETER as the spec says; both are hard errors.
 */
divert_status divert_send_packet_length(const uint8_t *data, size_t remaining, uint32_t *length);

#endif
