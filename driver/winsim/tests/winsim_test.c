/* The user-process side shared by the winsim tests (winsim_test.h). */
#include <sched.h>
#include <string.h>

#include "programs.h"
#include "winsim_test.h"

void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

uint16_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

/* IPv4 10.0.0.1 -> 10.0.0.2, UDP 1234 -> dport, n payload bytes, both checksums valid. */
uint32_t build_udp_n(uint8_t *out, uint16_t dport, const void *payload, size_t n)
{
    uint32_t total = (uint32_t)(28 + n), pseudo = 0;
    memset(out, 0, total);
    out[0] = 0x45; out[2] = (uint8_t)(total >> 8); out[3] = (uint8_t)total;
    out[4] = 0x12; out[5] = 0x34; out[8] = 64; out[9] = 17;
    out[12] = 10; out[15] = 1; out[16] = 10; out[19] = 2;
    uint16_t ip = sum16(out, 20, 0);
    out[10] = (uint8_t)(ip >> 8); out[11] = (uint8_t)ip;
    out[20] = 0x04; out[21] = 0xD2; out[22] = (uint8_t)(dport >> 8); out[23] = (uint8_t)dport;
    out[24] = (uint8_t)((8 + n) >> 8); out[25] = (uint8_t)(8 + n);
    memcpy(out + 28, payload, n);
    for (int i = 12; i < 20; i += 2) pseudo += (uint32_t)(out[i] << 8 | out[i + 1]);
    pseudo += 17 + (uint32_t)(8 + n);
    uint16_t udp = sum16(out + 20, 8 + n, pseudo);
    out[26] = (uint8_t)(udp >> 8); out[27] = (uint8_t)udp;
    return total;
}

uint32_t build_udp(uint8_t *out, uint16_t dport, const char *payload)
{
    return build_udp_n(out, dport, payload, strlen(payload));
}


handle handle_on(winsim_file *file)
{
    handle h;
    h.file = file;
    h.header = winsim_user_alloc(DIVERT_IOCTL_SIZE);
    h.data = winsim_user_alloc(2048);
    h.addr = winsim_user_alloc(sizeof(DIVERT_ADDRESS));
    h.addr_len = winsim_user_alloc(sizeof(uint32_t));
    return h;
}

void handle_buffers_free(handle *h)
{
    winsim_user_free(h->header);
    winsim_user_free(h->data);
    winsim_user_free(h->addr);
    winsim_user_free(h->addr_len);
}

handle open_handle(void)
{
    int32_t status = -1;
    winsim_file *file = winsim_open("\\\\.\\Divert4j", &status);
    CHECK_EQ(status, STATUS_SUCCESS);
    CHECK(file != NULL);
    return handle_on(file);
}

void close_handle(handle *h)
{
    winsim_close(h->file);
    handle_buffers_free(h);
}

int32_t ioctl_done(handle *h, uint32_t code, uint32_t length, uint64_t *information)
{
    winsim_request *r = winsim_ioctl(h->file, code, h->header, DIVERT_IOCTL_SIZE, length ? h->data : NULL, length);
    CHECK(winsim_request_done(r));
    int32_t status = winsim_request_status(r);
    if (information != NULL) *information = winsim_request_information(r);
    winsim_request_free(r);
    return status;
}

/* INITIALIZE (a layer, the priority as on the wire, open flags). */
void initialize_at(handle *h, uint32_t layer, uint32_t wire_priority, uint64_t flags)
{
    uint64_t info = 0;
    memset(h->header, 0, DIVERT_IOCTL_SIZE);
    put32(h->header, layer);
    put32(h->header + 4, wire_priority);
    put64(h->header + 8, flags);
    memset(h->data, 0, DIVERT_VERSION_SIZE);
    put64(h->data, DIVERT_MAGIC_DLL);
    put32(h->data + 8, DIVERT_VERSION_MAJOR);
    put32(h->data + 12, DIVERT_VERSION_MINOR);
    put32(h->data + 16, 64);
    CHECK_EQ(ioctl_done(h, IOCTL_DIVERT_INITIALIZE, DIVERT_VERSION_SIZE, &info), STATUS_SUCCESS);
    CHECK_EQ(info, DIVERT_VERSION_SIZE);
    uint64_t magic;
    memcpy(&magic, h->data, 8);
    CHECK(magic == DIVERT_MAGIC_SYS);
}

/* INITIALIZE at priority 0 (30000 on the wire). */
void initialize_layer(handle *h, uint32_t layer, uint64_t flags)
{
    initialize_at(h, layer, 30000, flags);
}

void initialize(handle *h, uint64_t flags)
{
    initialize_layer(h, DIVERT_LAYER_NETWORK, flags);
}

/* STARTUP with a one-test program; returns its status. */
int32_t startup(handle *h, uint64_t filter_flags, uint32_t field)
{
    memset(h->header, 0, DIVERT_IOCTL_SIZE);
    put64(h->header, filter_flags);
    uint32_t n = build_chain(h->data, 0, 1, &(test_t){field, EQ, 0, field == DIVERT_FIELD_ZERO ? 0 : 1});
    return ioctl_done(h, IOCTL_DIVERT_STARTUP, n, NULL);
}

/* INITIALIZE (NETWORK layer, the priority as on the wire) then STARTUP with a one-test program. */
void start_at(handle *h, uint32_t wire_priority, uint64_t flags, uint64_t filter_flags, uint32_t field)
{
    initialize_at(h, DIVERT_LAYER_NETWORK, wire_priority, flags);
    CHECK_EQ(startup(h, filter_flags, field), STATUS_SUCCESS);
}

void start(handle *h, uint64_t flags, uint64_t filter_flags, uint32_t field)
{
    start_at(h, 30000, flags, filter_flags, field);
}

winsim_request *recv_start(handle *h)
{
    memset(h->header, 0, DIVERT_IOCTL_SIZE);
    put64(h->header, (uint64_t)(uintptr_t)h->addr);
    put64(h->header + 8, (uint64_t)(uintptr_t)h->addr_len);
    *h->addr_len = sizeof(DIVERT_ADDRESS);
    return winsim_ioctl(h->file, IOCTL_DIVERT_RECV, h->header, DIVERT_IOCTL_SIZE, h->data, 2048);
}


const winsim_packet_meta META = { 7, 3, 1, false };


int32_t send_packet(handle *h, const DIVERT_ADDRESS *addr, const uint8_t *packet, uint32_t length)
{
    DIVERT_ADDRESS *send_addr = winsim_user_alloc(sizeof(DIVERT_ADDRESS));
    uint64_t info = 0;
    memcpy(send_addr, addr, sizeof(DIVERT_ADDRESS));
    memcpy(h->data, packet, length);
    memset(h->header, 0, DIVERT_IOCTL_SIZE);
    put64(h->header, (uint64_t)(uintptr_t)send_addr);
    put64(h->header + 8, sizeof(DIVERT_ADDRESS));
    int32_t status = ioctl_done(h, IOCTL_DIVERT_SEND, length, &info);
    if (status == STATUS_SUCCESS) CHECK_EQ(info, length);
    winsim_user_free(send_addr);
    return status;
}

static void *racer_thread(void *argument)
{
    racer *race = argument;
    race->run(race->file);
    __atomic_store_n(&race->finished, 1, __ATOMIC_RELEASE);
    return NULL;
}

void racer_start(void *argument)
{
    racer *race = argument;
    CHECK_EQ(pthread_create(&race->thread, NULL, racer_thread, race), 0);
    while (!__atomic_load_n(&race->finished, __ATOMIC_ACQUIRE) && winsim_waiters() == 0)
    {
        sched_yield();
    }
    race->waited = !__atomic_load_n(&race->finished, __ATOMIC_ACQUIRE);
}

