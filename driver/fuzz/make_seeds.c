/*
 * Builds the seed corpora of the fuzz targets from the test vectors (nothing is committed):
 *   make_seeds VECTORS_DIR OUT_DIR  ->  OUT_DIR/{parse,eval,ioctl}/seed-N
 * parse: every distinct vector packet; eval: every WinDivert object of oracle-syntax.jsonl
 * with a vector packet and a matching address; ioctl: open/startup/queue/recv/send/shutdown
 * sequences with those programs and packets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "divert_abi.h"
#include "core/ioctl.h"
#include "support.h"

#define MAX_PACKETS 600

static uint8_t packets[MAX_PACKETS][1600];
static int packet_len[MAX_PACKETS];
static int npackets;

static void write_seed(const char *dir, const char *kind, int n, const uint8_t *data, size_t len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s/seed-%04d", dir, kind, n);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fclose(f);
}

static void read_packets(const char *vectors, const char *file)
{
    char path[1200], line[20000], hex[4000];
    snprintf(path, sizeof path, "%s/%s", vectors, file);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    while (npackets < MAX_PACKETS && fgets(line, sizeof line, f) != NULL) {
        if (!json_string(line, "packet", hex, sizeof hex)) continue;
        int n = hex_decode(hex, packets[npackets], sizeof packets[0]);
        if (n <= 0) continue;
        bool seen = false;
        for (int i = 0; i < npackets && !seen; i++) {
            seen = packet_len[i] == n && memcmp(packets[i], packets[npackets], (size_t)n) == 0;
        }
        if (!seen) packet_len[npackets++] = n;
    }
    fclose(f);
}

static uint32_t layer_number(const char *name)
{
    static const char *const names[] = {"NETWORK", "NETWORK_FORWARD", "FLOW", "SOCKET", "REFLECT"};
    for (uint32_t i = 0; i < 5; i++) if (strcmp(name, names[i]) == 0) return i;
    return 0;
}

static size_t put_address(uint8_t *out, uint32_t layer, bool outbound, bool ipv6)
{
    DIVERT_ADDRESS a = test_address(layer, outbound);
    a.IPv6 = ipv6;
    memcpy(out, &a, sizeof a);
    return sizeof a;
}

/* An ioctl-fuzzer request op: kind, mode, 20 header bytes, data length / 8, data. */
static size_t op(uint8_t *out, int kind, uint8_t mode, const uint8_t header[16], const uint8_t *data, size_t len)
{
    size_t n = 0;
    out[n++] = (uint8_t)kind;
    out[n++] = mode;
    memcpy(out + n, header, 16);
    memset(out + n + 16, 0, 4);
    n += 20;
    size_t units = (len + 7) / 8;
    out[n++] = (uint8_t)units;
    memcpy(out + n, data, len);
    memset(out + n + len, 0, units * 8 - len);
    return n + units * 8;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: make_seeds VECTORS_DIR OUT_DIR\n");
        return 2;
    }
    const char *vectors = argv[1], *out = argv[2];
    char dir[1200];
    mkdir(out, 0755);
    const char *kinds[] = {"parse", "eval", "ioctl"};
    for (int i = 0; i < 3; i++) {
        snprintf(dir, sizeof dir, "%s/%s", out, kinds[i]);
        mkdir(dir, 0755);
    }
    read_packets(vectors, "windivert-suite.jsonl");
    read_packets(vectors, "oracle-eval.jsonl");
    static uint8_t seed[70000];
    for (int i = 0; i < npackets; i++) {
        seed[0] = (uint8_t)i;
        memcpy(seed + 1, packets[i], (size_t)packet_len[i]);
        write_seed(out, "parse", i, seed, (size_t)packet_len[i] + 1);
    }

    char path[1200], line[20000], object[12000], layer_name[32];
    snprintf(path, sizeof path, "%s/oracle-syntax.jsonl", vectors);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    static uint8_t code[256 * 24];
    int nobjects = 0, nioctl = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (!json_string(line, "object", object, sizeof object)
            || !json_string(line, "layer", layer_name, sizeof layer_name)) continue;
        int n = object_decode(object, code, sizeof code);
        if (n <= 0) continue;
        uint32_t layer = layer_number(layer_name);
        const uint8_t *pkt = packets[nobjects % npackets];
        int plen = packet_len[nobjects % npackets];
        size_t k = 0;
        seed[k++] = (uint8_t)layer;
        seed[k++] = (uint8_t)(nobjects & 1);
        seed[k++] = (uint8_t)(n / 24);
        memcpy(seed + k, code, (size_t)n);
        k += (size_t)n;
        k += put_address(seed + k, layer, nobjects & 1, (pkt[0] >> 4) == 6);
        if (layer <= 1) {
            memcpy(seed + k, pkt, (size_t)plen);
            k += (size_t)plen;
        }
        write_seed(out, "eval", nobjects, seed, k);
        nobjects++;

        if (layer != 0 || n > 2000 || nioctl >= 60) continue;
        /* INITIALIZE (template version) -> STARTUP -> queue 3 -> RECV -> SEND 2 -> SHUTDOWN -> RECV */
        uint8_t h[16];
        k = 0;
        seed[k++] = 9;                                     /* ticks per ms - 1 */
        memset(h, 0, 16);
        h[4] = 0x30; h[5] = 0x75;                           /* priority 30000 = user 0 */
        h[8] = (uint8_t)(nioctl & 1);                        /* SNIFF on odd seeds */
        k += op(seed + k, DIVERT_REQUEST_INITIALIZE, 1, h, NULL, 0);
        memset(h, 0, 16);
        put64(h, 0xF0);
        k += op(seed + k, DIVERT_REQUEST_STARTUP, 0, h, code, (size_t)n);
        for (int q = 0; q < 3; q++) {
            seed[k++] = 7;
            uint32_t plen = (uint32_t)packet_len[(nioctl + q) % npackets];
            for (int i = 0; i < 4; i++) seed[k++] = (uint8_t)(plen >> (8 * i));
            seed[k++] = 0;                                 /* event */
            seed[k++] = 8;
            seed[k++] = 100; seed[k++] = 0; seed[k++] = 0; seed[k++] = 0;
        }
        memset(h, 0, 16);
        put64(h, 0x1000);
        put64(h + 8, 0x2000);
        k += op(seed + k, DIVERT_REQUEST_RECV, 0, h, NULL, 0);
        seed[k++] = 0xA0; seed[k++] = 0x0F; seed[k++] = 0; seed[k++] = 0;      /* buffer 4000 */
        seed[k++] = 0x40; seed[k++] = 0x01; seed[k++] = 0; seed[k++] = 0;      /* 320: 4 slots */
        memset(h, 0, 16);
        put64(h, 0x1000);
        put64(h + 8, 160);
        uint8_t two[2 * 1600];
        int a = nioctl % npackets, b = (nioctl + 1) % npackets;
        size_t l2 = 0;
        if (packet_len[a] + packet_len[b] <= 2040) {
            memcpy(two, packets[a], (size_t)packet_len[a]);
            memcpy(two + packet_len[a], packets[b], (size_t)packet_len[b]);
            l2 = (size_t)(packet_len[a] + packet_len[b]);
        }
        k += op(seed + k, DIVERT_REQUEST_SEND, 0, h, two, l2);
        seed[k++] = 1; seed[k++] = 0;
        memset(h, 0, 16);
        h[0] = (uint8_t)(1 + nioctl % 3);
        k += op(seed + k, DIVERT_REQUEST_SHUTDOWN, 0, h, NULL, 0);
        memset(h, 0, 16);
        put64(h, 100);
        h[8] = 1;                                          /* QUEUE_TIME 100 ms */
        k += op(seed + k, DIVERT_REQUEST_SET_PARAM, 0, h, NULL, 0);
        seed[k++] = 9;                                     /* close */
        write_seed(out, "ioctl", nioctl++, seed, k);
    }
    fclose(f);
    printf("seeds: %d parse, %d eval, %d ioctl\n", npackets, nobjects, nioctl);
    return 0;
}
