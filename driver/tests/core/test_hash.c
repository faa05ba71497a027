/* The packet hash against the reference values of docs/spec/helpers.md 7.5. */
#include <string.h>

#include "core/packet_hash.h"
#include "core_support.h"
#include "support.h"

static uint64_t hash_of(const char *hex, const char *suffix, int truncate_to, uint64_t seed)
{
    uint8_t buf[256];
    int n = hex_decode(hex, buf, sizeof buf);
    if (suffix != NULL) {
        n += hex_decode(suffix, buf + n, sizeof buf - (size_t)n);
    }
    if (truncate_to > 0) {
        n = truncate_to;
    }
    divert_packet_view v = divert_view_flat(buf, (uint32_t)n);
    return test_hash_packet(&v, seed);
}

int main(void)
{
    static const char P4C[] = "600123450028064020010db80000000000000000aabbccdd00000000000000000000000000000001c37e0017e1d7c8aa00000000a002aaaafe5200000204ffc40402080affff91860000000001030307";
    const char *const *P = SAMPLE_PACKETS;
    CHECK(hash_of(P[1], NULL, 0, 0) == UINT64_C(11311574671475048290));
    CHECK(hash_of(P[1], NULL, 0, 12345) == UINT64_C(15269478677403076381));
    CHECK(hash_of(P[1], NULL, 0, UINT64_MAX) == UINT64_C(11627938132033948568));
    CHECK(hash_of(P[1], NULL, 50, 0) == 0);
    CHECK(hash_of(P[2], NULL, 0, 0) == UINT64_C(3389144042529207800));
    CHECK(hash_of(P[2], NULL, 0, 42) == UINT64_C(6610366157920816880));
    CHECK(hash_of(P[3], NULL, 0, 1) == UINT64_C(13705299528406628794));
    CHECK(hash_of(P[3], "010203", 0, 1) == UINT64_C(13705299528406628794));
    CHECK(hash_of(P[4], NULL, 0, 0) == UINT64_C(2197405496142271995));
    CHECK(hash_of(P[4], NULL, 0, UINT64_MAX) == UINT64_C(8519394298776239674));
    CHECK(hash_of(P4C, NULL, 0, 0) == UINT64_C(3853744964723235540));
    CHECK(hash_of(P[5], NULL, 0, 7) == UINT64_C(15175667428127401768));
    CHECK(hash_of(P[6], NULL, 0, 0) == UINT64_C(7871523640525822906));
    CHECK(hash_of(P[7], NULL, 0, 0) == UINT64_C(8153829450845932993));
    CHECK(hash_of(P[8], NULL, 0, 0) == UINT64_C(17432627451325733074));
    CHECK(hash_of(P[9], NULL, 0, 0) == UINT64_C(11718863756864982119));
    CHECK(hash_of(P[10], NULL, 0, 0) == UINT64_C(4742340998373775334));
    /* the evaluator's variant hashes a truncated packet from the bytes it has */
    uint8_t buf[128];
    int n = hex_decode(P[1], buf, sizeof buf);
    divert_packet p;
    divert_packet_view v = divert_view_flat(buf, 50);
    CHECK(divert_parse_user(&v, &p));
    CHECK(divert_packet_hash(&p, 0) == UINT64_C(11311574671475048290));
    CHECK(n == 60);
    CHECK(hash_of("00", NULL, 0, 0) == 0);
    return test_finish("hash");
}
