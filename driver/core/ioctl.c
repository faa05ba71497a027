#include "core/ioctl.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

divert_status divert_request_decode(uint32_t code, const uint8_t *h, size_t header_len,
                                    divert_request *out)
{
    if (h == NULL || header_len < DIVERT_IOCTL_SIZE) {
        return DIVERT_STATUS_INVALID_PARAMETER;
    }
    switch (code) {
    case IOCTL_DIVERT_INITIALIZE:
        out->kind = DIVERT_REQUEST_INITIALIZE;
        out->u.initialize.layer = le32(h);
        out->u.initialize.priority = le32(h + 4);
        out->u.initialize.flags = le64(h + 8);
        break;
    case IOCTL_DIVERT_STARTUP:
        out->kind = DIVERT_REQUEST_STARTUP;
        out->u.startup.flags = le64(h);
        break;
    case IOCTL_DIVERT_RECV:
        out->kind = DIVERT_REQUEST_RECV;
        out->u.recv.addr = le64(h);
        out->u.recv.addr_len_ptr = le64(h + 8);
        break;
    case IOCTL_DIVERT_SEND:
        out->kind = DIVERT_REQUEST_SEND;
        out->u.send.addr = le64(h);
        out->u.send.addr_len = le64(h + 8);
        break;
    case IOCTL_DIVERT_SET_PARAM:
        out->kind = DIVERT_REQUEST_SET_PARAM;
        out->u.set_param.value = le64(h);
        out->u.set_param.param = le32(h + 8);
        break;
    case IOCTL_DIVERT_GET_PARAM:
        out->kind = DIVERT_REQUEST_GET_PARAM;
        out->u.get_param.param = le32(h);
        break;
    case IOCTL_DIVERT_SHUTDOWN:
        out->kind = DIVERT_REQUEST_SHUTDOWN;
        out->u.shutdown.how = le32(h);
        break;
    default:
        return DIVERT_STATUS_INVALID_DEVICE_REQUEST;
    }
    return DIVERT_STATUS_SUCCESS;
}

#define ADDR_LEN_MIN DIVERT_ADDRESS_SIZE
#define ADDR_LEN_MAX (DIVERT_BATCH_MAX * DIVERT_ADDRESS_SIZE)

divert_status divert_recv_check_addresses(const divert_request *req, uint32_t addr_len,
                                          uint32_t *max_packets)
{
    if (req->u.recv.addr_len_ptr == 0) {
        *max_packets = 1;
        return DIVERT_STATUS_SUCCESS;
    }
    if (addr_len < ADDR_LEN_MIN || addr_len > ADDR_LEN_MAX || req->u.recv.addr == 0) {
        return DIVERT_STATUS_INVALID_PARAMETER;
    }
    *max_packets = addr_len / DIVERT_ADDRESS_SIZE;
    return DIVERT_STATUS_SUCCESS;
}

divert_status divert_send_check_addresses(const divert_request *req)
{
    if (req->u.send.addr_len < ADDR_LEN_MIN || req->u.send.addr_len > ADDR_LEN_MAX
        || req->u.send.addr == 0) {
        return DIVERT_STATUS_INVALID_PARAMETER;
    }
    return DIVERT_STATUS_SUCCESS;
}

uint32_t divert_send_packet_count(const divert_request *req)
{
    uint64_t n = req->u.send.addr_len / DIVERT_ADDRESS_SIZE;
    return n > DIVERT_BATCH_MAX ? DIVERT_BATCH_MAX : (uint32_t)n;
}

divert_status divert_version_exchange(uint8_t *record, size_t len, uint32_t driver_bits)
{
    if (record == NULL || len != DIVERT_VERSION_SIZE || le64(record) != DIVERT_MAGIC_DLL
        || le32(record + 8) < DIVERT_VERSION_MAJOR
        || (le32(record + 16) != 32 && le32(record + 16) != 64)) {
        return DIVERT_STATUS_INVALID_PARAMETER;
    }
    put32(record, (uint32_t)DIVERT_MAGIC_SYS);
    put32(record + 4, (uint32_t)(DIVERT_MAGIC_SYS >> 32));
    put32(record + 8, DIVERT_VERSION_MAJOR);
    put32(record + 12, DIVERT_VERSION_MINOR);
    put32(record + 16, driver_bits);
    return DIVERT_STATUS_SUCCESS;
}

divert_status divert_param_check(uint32_t param, uint64_t value)
{
    static const uint64_t RANGE[3][2] = {
        [DIVERT_PARAM_QUEUE_LENGTH] = {DIVERT_PARAM_QUEUE_LENGTH_MIN, DIVERT_PARAM_QUEUE_LENGTH_MAX},
        [DIVERT_PARAM_QUEUE_TIME] = {DIVERT_PARAM_QUEUE_TIME_MIN, DIVERT_PARAM_QUEUE_TIME_MAX},
        [DIVERT_PARAM_QUEUE_SIZE] = {DIVERT_PARAM_QUEUE_SIZE_MIN, DIVERT_PARAM_QUEUE_SIZE_MAX},
    };
    if (param > DIVERT_PARAM_QUEUE_SIZE || value < RANGE[param][0] || value > RANGE[param][1]) {
        return DIVERT_STATUS_INVALID_PARAMETER;
    }
    return DIVERT_STATUS_SUCCESS;
}

divert_status divert_send_packet_length(const uint8_t *data, size_t remaining, uint32_t *length)
{
    if (remaining < 20) {
        return DIVERT_STATUS_BUFFER_TOO_SMALL;
    }
    uint32_t len;
    switch (data[0] >> 4) {
    case 4:
        len = (uint32_t)data[2] << 8 | data[3];
        if (len < 20) {
            return DIVERT_STATUS_INVALID_PARAMETER;
        }
        break;
    case 6:
        if (remaining < 40) {
            return DIVERT_STATUS_BUFFER_TOO_SMALL;
        }
        len = ((uint32_t)data[4] << 8 | data[5]) + 40;
        break;
    default:
        return DIVERT_STATUS_INVALID_PARAMETER;
    }
    if (remaining < len) {
        return DIVERT_STATUS_BUFFER_TOO_SMALL;
    }
    *length = len;
    return DIVERT_STATUS_SUCCESS;
}
