#include "core/ttl.h"

#include <stddef.h>

bool divert_decrement_ttl(uint8_t *packet, uint32_t len)
{
    if (packet == NULL || len < 20) {
        return false;
    }
    switch (packet[0] >> 4) {
    case 4: {
        if (packet[8] <= 1) {
            return false;
        }
        packet[8]--;
        /* the reference adds 1 to the little-endian view of the checksum field */
        uint32_t c = (uint32_t)packet[10] | (uint32_t)packet[11] << 8;
        c = c >= 0xFFFE ? c - 0xFFFE : c + 1;
        packet[10] = (uint8_t)c;
        packet[11] = (uint8_t)(c >> 8);
        return true;
    }
    case 6:
        if (len < 40 || packet[7] <= 1) {
            return false;
        }
        packet[7]--;
        return true;
    default:
        return false;
    }
}
