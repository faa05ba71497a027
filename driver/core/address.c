#include "core/address.h"

void divert_addr_from_ipv4(uint32_t host_order, uint32_t out[4])
{
    out[0] = host_order;
    out[1] = 0xFFFFu;
    out[2] = 0;
    out[3] = 0;
}

void divert_addr_from_ipv6(const uint8_t bytes[16], uint32_t out[4])
{
    for (int i = 0; i < 4; i++) {
        const uint8_t *b = bytes + 4 * i;
        out[3 - i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    }
}
