/*
 * The Linux host's parsers of untrusted text and bytes: nfnetlink_queue datagrams
 * (nfq_parse, as a malicious or buggy kernel peer could send them) and iptables-save output
 * (rules_owners_in). Every reported payload must lie inside the datagram.
 */
#include <stdlib.h>

#include "fuzz_input.h"
#include "nfq.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    nfq_packet p;
    int rc;
    int packets = 0;
    while ((rc = nfq_parse(data, size, &off, &p)) == 1) {
        FUZZ_ASSERT(off <= size);
        if (p.payload != NULL) {
            FUZZ_ASSERT(p.payload >= data && p.payload + p.payload_len <= data + size);
        } else {
            FUZZ_ASSERT(p.payload_len == 0);
        }
        FUZZ_ASSERT(p.hwaddr_len <= 8);
        FUZZ_ASSERT(++packets <= (int)(size / 16) + 1);
    }
    FUZZ_ASSERT(rc <= 0 && rc >= -4095);

    char *text = malloc(size + 1);
    if (text != NULL) {
        memcpy(text, data, size);
        text[size] = '\0';
        char owners[1024];
        int n = rules_owners_in(text, owners, sizeof owners);
        FUZZ_ASSERT(n == -1 || (n >= 0 && (size_t)n < sizeof owners && n % (RULES_OWNER_TAG_LEN + 1) == 0));
        free(text);
    }
    return 0;
}
