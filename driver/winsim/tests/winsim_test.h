/*
 * The user-process side shared by the winsim tests: a handle's request buffers in simulated
 * user memory, the INITIALIZE/STARTUP handshake, RECV and SEND requests, and UDP packets.
 * CHECK works from any thread (support.h), so worker threads use these too.
 */
#ifndef WINSIM_TEST_H
#define WINSIM_TEST_H

#include <pthread.h>

#include "core/filter_program.h"
#include "divert_abi.h"
#include "support.h"
#include "winsim.h"

#define STATUS_SUCCESS   0
#define STATUS_CANCELLED ((int32_t)0xC0000120)
#define STATUS_PIPE_EMPTY ((int32_t)0xC00000D9)

typedef struct handle
{
    winsim_file *file;
    uint8_t *header;        /* 16-byte request header, user memory */
    uint8_t *data;          /* data buffer, user memory */
    DIVERT_ADDRESS *addr;
    uint32_t *addr_len;
} handle;

void put64(uint8_t *p, uint64_t v);
void put32(uint8_t *p, uint32_t v);
uint16_t sum16(const uint8_t *p, size_t n, uint32_t sum);
/* IPv4 10.0.0.1 -> 10.0.0.2, UDP 1234 -> dport, n payload bytes, both checksums valid. */
uint32_t build_udp_n(uint8_t *out, uint16_t dport, const void *payload, size_t n);
uint32_t build_udp(uint8_t *out, uint16_t dport, const char *payload);

/* Request buffers (user memory) for a file; several threads sharing one file each use their own. */
handle handle_on(winsim_file *file);
void handle_buffers_free(handle *h);
/* CreateFile of \\.\Divert4j with fresh buffers; close_handle closes it and frees them. */
handle open_handle(void);
void close_handle(handle *h);

/* DeviceIoControl that must complete at once; returns its status (information if asked). */
int32_t ioctl_done(handle *h, uint32_t code, uint32_t length, uint64_t *information);
/* INITIALIZE (a layer, the priority as on the wire, open flags); layer/initialize: priority 0. */
void initialize_at(handle *h, uint32_t layer, uint32_t wire_priority, uint64_t flags);
void initialize_layer(handle *h, uint32_t layer, uint64_t flags);
void initialize(handle *h, uint64_t flags);
/* STARTUP with a one-test program; returns its status. */
int32_t startup(handle *h, uint64_t filter_flags, uint32_t field);
/* INITIALIZE at the NETWORK layer, then STARTUP with a one-test program (must succeed). */
void start_at(handle *h, uint32_t wire_priority, uint64_t flags, uint64_t filter_flags, uint32_t field);
void start(handle *h, uint64_t flags, uint64_t filter_flags, uint32_t field);
/* A RECV of one packet into h's buffers (it may pend). */
winsim_request *recv_start(handle *h);
/* SEND of packet with a copy of addr (user memory); returns its status. */
int32_t send_packet(handle *h, const DIVERT_ADDRESS *addr, const uint8_t *packet, uint32_t length);

/* A user thread closing a handle (winsim_cleanup or winsim_close) while this one goes on:
 * racer_start returns once that thread has finished or is waiting in the driver (a real CPU
 * would run both). */
typedef struct racer
{
    void (*run)(winsim_file *file);
    winsim_file *file;
    pthread_t thread;
    int finished;
    bool waited;            /* the driver was seen waiting */
} racer;
void racer_start(void *argument);

/* Interface 7.3, compartment 1. */
extern const winsim_packet_meta META;

#endif /* WINSIM_TEST_H */
