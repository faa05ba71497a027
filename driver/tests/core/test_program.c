/*
 * Program loading: the driver's validation rules of docs/spec/filter-object.md a.7 one by one, the
 * user-mode load, copy-then-validate, and every accepted object of oracle-syntax.jsonl.
 */
#include <stdlib.h>
#include <string.h>

#include "core/filter_eval.h"
#include "core/filter_program.h"
#include "core/helper_eval.h"
#include "programs.h"
#include "support.h"

#define F(name) DIVERT_FIELD_##name
#define OK DIVERT_STATUS_SUCCESS
#define BAD DIVERT_STATUS_INVALID_PARAMETER

static uint8_t code[257 * 24];
static divert_program prog;

static divert_status one(uint32_t layer, test_t t)
{
    put_insn(code, 0, t, ACC, REJ);
    return divert_program_load_driver(code, 24, layer, &prog);
}

static void test_count_and_length(void)
{
    test_t z = {F(ZERO), EQ, 0, 0};
    for (uint32_t i = 0; i < 257; i++) {
        put_insn(code, i, z, ACC, i + 1 < 257 ? i + 1 : REJ);
    }
    CHECK_EQ(divert_program_load_driver(code, 0, 0, &prog), BAD);
    CHECK_EQ(divert_program_load_driver(NULL, 24, 0, &prog), BAD);
    CHECK_EQ(divert_program_load_driver(code, 25, 0, &prog), BAD);
    CHECK_EQ(divert_program_load_driver(code, 23, 0, &prog), BAD);
    put_insn(code, 254, z, ACC, REJ);
    CHECK_EQ(divert_program_load_driver(code, 255 * 24, 0, &prog), OK);
    CHECK_EQ(prog.count, 255);
    put_insn(code, 254, z, ACC, 255);
    put_insn(code, 255, z, ACC, REJ);
    CHECK_EQ(divert_program_load_driver(code, 256 * 24, 0, &prog), BAD);
    CHECK_EQ(prog.count, 0);
    CHECK_EQ(divert_program_load_user(code, 256 * 24, &prog), OK);
    CHECK_EQ(prog.count, 256);
    put_insn(code, 255, z, ACC, 256);
    put_insn(code, 256, z, ACC, REJ);
    CHECK_EQ(divert_program_load_user(code, 257 * 24, &prog), BAD);
}

static void test_structure(void)
{
    CHECK_EQ(one(0, (test_t){85, EQ, 0, 0}), OK);
    CHECK_EQ(one(0, (test_t){86, EQ, 0, 0}), BAD);
    CHECK_EQ(one(0, (test_t){2047, EQ, 0, 0}), BAD);
    CHECK_EQ(one(0, (test_t){F(ZERO), 6, 0, 0}), BAD);
    CHECK_EQ(one(0, (test_t){F(ZERO), 31, 0, 0}), BAD);
    test_t z = {F(ZERO), EQ, 0, 0};
    static const struct { uint32_t s0, f0; divert_status expect; } labels[] = {
        {1, REJ, OK}, {ACC, 1, OK}, {ACC, ACC, OK}, {REJ, REJ, OK},
        {0, REJ, BAD}, {ACC, 0, BAD}, {2, REJ, BAD}, {ACC, 2, BAD},
        {0x7FFD, REJ, BAD}, {ACC, 0x8000, BAD}, {0xFFFF, REJ, BAD},
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        put_insn(code, 0, z, labels[i].s0, labels[i].f0);
        put_insn(code, 1, z, ACC, REJ);
        CHECK_EQ(divert_program_load_driver(code, 48, 0, &prog), labels[i].expect);
        CHECK_EQ(divert_program_load_user(code, 48, &prog), labels[i].expect);
    }
    /* a backward jump from the last instruction */
    put_insn(code, 0, z, 1, REJ);
    put_insn(code, 1, z, ACC, 0);
    CHECK_EQ(divert_program_load_driver(code, 48, 0, &prog), BAD);
    CHECK_EQ(divert_program_load_user(code, 48, &prog), BAD);
    /* field 85 loads in user mode at any layer; legality is checked when it runs */
    put_insn(code, 0, (test_t){F(FRAGMENT), EQ, 0, 7}, ACC, REJ);
    CHECK_EQ(divert_program_load_user(code, 24, &prog), OK);
    CHECK_EQ(divert_program_load_driver(code, 24, 2, &prog), BAD);
}

static void test_layers(void)
{
    static const struct { uint32_t field; const char *legal; } table[] = {
        {F(ZERO), "NFLSR"}, {F(EVENT), "NFLSR"}, {F(TIMESTAMP), "NFLSR"},
        {F(INBOUND), "N LS "}, {F(OUTBOUND), "N LS "}, {F(LOOPBACK), "N LS "},
        {F(LOCALADDR), "N LS "}, {F(REMOTEPORT), "N LS "}, {F(PROTOCOL), "N LS "},
        {F(IP), "NFLS "}, {F(ICMPV6), "NFLS "}, {F(PROCESSID), "  LSR"},
        {F(ENDPOINTID), "  LS "}, {F(PARENTENDPOINTID), "  LS "}, {F(LAYER), "    R"},
        {F(PRIORITY), "    R"}, {F(IFIDX), "NF   "}, {F(IMPOSTOR), "NF   "},
        {F(FRAGMENT), "NF   "}, {F(LENGTH), "NF   "}, {F(RANDOM32), "NF   "},
        {F(PACKET32), "NF   "}, {F(UDP_PAYLOAD), "NF   "}, {F(IPV6_FLOWLABEL), "NF   "},
        {F(TCP_FIN), "NF   "},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        for (uint32_t layer = 0; layer < 5; layer++) {
            bool legal = table[i].legal[layer] != ' ';
            CHECK_EQ(divert_field_legal(table[i].field, layer), legal);
        }
        CHECK(!divert_field_legal(table[i].field, 5));
    }
    int legal_cells = 0;
    for (uint32_t f = 0; f < DIVERT_FIELD_COUNT; f++) {
        for (uint32_t layer = 0; layer < 5; layer++) {
            legal_cells += divert_field_legal(f, layer);
        }
    }
    /* per layer (5.3): N 81, F 73, FL 20, S 20, R 6 */
    CHECK_EQ(legal_cells, 200);
    CHECK(!divert_field_legal(86, 0));
}

static void test_ranges(void)
{
    struct { uint32_t layer; test_t t; divert_status expect; } cases[] = {
        {0, {F(IP_TOS), EQ, 0, 255}, OK}, {0, {F(IP_TOS), EQ, 0, 300}, BAD},
        {0, {F(TCP_SEQNUM), EQ, 1, 5}, BAD}, {0, {F(TCP_SEQNUM), EQ, 0, 5, 1}, BAD},
        {0, {F(TCP_SEQNUM), EQ, 0, 0xFFFFFFFFu}, OK}, {0, {F(TCP_SEQNUM), EQ, 1, 0}, BAD},
        {0, {F(LENGTH), EQ, 0, 19}, BAD}, {0, {F(LENGTH), EQ, 0, 20}, OK},
        {0, {F(LENGTH), EQ, 0, 65575}, OK}, {0, {F(LENGTH), EQ, 0, 65576}, BAD},
        {0, {F(IP_SRCADDR), EQ, 0, 1, 0xFFFF}, OK}, {0, {F(IP_SRCADDR), EQ, 0, 1}, BAD},
        {0, {F(IP_SRCADDR), EQ, 0, 0xFFFFFFFFu, 0xFFFF}, OK},
        {0, {F(IP_SRCADDR), EQ, 0, 0, 0x10000}, BAD}, {0, {F(IP_DSTADDR), EQ, 0, 0, 0xFFFF, 1}, BAD},
        {0, {F(TIMESTAMP), EQ, 1, 0, 0x80000000u}, OK}, {0, {F(TIMESTAMP), EQ, 1, 1, 0x80000000u}, BAD},
        {0, {F(TIMESTAMP), EQ, 0, 0, 0x80000000u}, BAD}, {0, {F(TIMESTAMP), EQ, 0, 0xFFFFFFFFu, 0x7FFFFFFFu}, OK},
        {0, {F(TIMESTAMP), EQ, 1, 0}, BAD},
        {4, {F(PRIORITY), EQ, 1, 30000}, OK}, {4, {F(PRIORITY), EQ, 1, 30001}, BAD},
        {4, {F(PRIORITY), EQ, 0, 30001}, BAD}, {4, {F(PRIORITY), EQ, 1, 0}, BAD},
        {4, {F(LAYER), EQ, 0, 4}, OK}, {4, {F(LAYER), EQ, 0, 5}, BAD},
        {2, {F(ENDPOINTID), EQ, 0, 1, 0xFFFFFFFFu}, OK}, {2, {F(ENDPOINTID), EQ, 0, 1, 0, 1}, BAD},
        {0, {F(IPV6_SRCADDR), EQ, 0, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, OK},
        {0, {F(IPV6_FLOWLABEL), EQ, 0, 0xFFFFF}, OK}, {0, {F(IPV6_FLOWLABEL), EQ, 0, 0x100000}, BAD},
        {0, {F(IP_FRAGOFF), EQ, 0, 0x1FFF}, OK}, {0, {F(IP_FRAGOFF), EQ, 0, 0x2000}, BAD},
        {0, {F(IP_HDRLENGTH), EQ, 0, 16}, BAD}, {0, {F(TCP_SYN), EQ, 0, 2}, BAD},
        {0, {F(LOOPBACK), EQ, 0, 2}, OK}, {0, {F(TCP_DSTPORT), LT, 0, 65536}, BAD},
        {0, {F(PACKET), EQ, 0, 255, 65575}, OK}, {0, {F(PACKET), EQ, 0, 255, 65576}, BAD},
        {0, {F(PACKET), EQ, 0, 255, (uint32_t)-65575}, OK}, {0, {F(PACKET), EQ, 0, 255, (uint32_t)-65576}, BAD},
        {0, {F(PACKET), EQ, 0, 256, 0}, BAD}, {0, {F(PACKET32), EQ, 1, 5, 0}, BAD},
        {0, {F(PACKET16), EQ, 0, 1, 4, 1}, BAD}, {0, {F(TCP_PAYLOAD32), EQ, 0, 0xFFFFFFFFu, (uint32_t)-4}, OK},
        {0, {F(UDP_PAYLOAD16), EQ, 0, 1, 2, 0, 1}, BAD},
        /* rule 7: the event must exist at the layer, whatever the test */
        {0, {F(EVENT), EQ, 0, 0}, OK}, {0, {F(EVENT), EQ, 0, 5}, BAD}, {1, {F(EVENT), NEQ, 0, 5}, BAD},
        {2, {F(EVENT), EQ, 0, 1}, OK}, {2, {F(EVENT), LT, 0, 2}, OK}, {2, {F(EVENT), EQ, 0, 0}, BAD},
        {2, {F(EVENT), EQ, 0, 3}, BAD}, {3, {F(EVENT), EQ, 0, 3}, OK}, {3, {F(EVENT), EQ, 0, 7}, OK},
        {3, {F(EVENT), EQ, 0, 8}, BAD}, {3, {F(EVENT), EQ, 0, 2}, BAD}, {4, {F(EVENT), EQ, 0, 8}, OK},
        {4, {F(EVENT), GEQ, 0, 9}, OK}, {4, {F(EVENT), EQ, 0, 7}, BAD}, {4, {F(EVENT), EQ, 0, 10}, BAD},
        {4, {F(EVENT), EQ, 0, 8, 1}, BAD},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        divert_status st = one(cases[i].layer, cases[i].t);
        if (st != cases[i].expect) {
            fprintf(stderr, "range case %zu (field %u)\n", i, cases[i].t.field);
        }
        CHECK_EQ(st, cases[i].expect);
    }
}

static void test_copy_then_validate(void)
{
    put_insn(code, 0, (test_t){F(TCP_DSTPORT), EQ, 0, 80}, ACC, REJ);
    code[4 + 2] |= 0xFE;          /* reserved bits of W1 are ignored */
    code[4 + 3] = 0xFF;
    CHECK_EQ(divert_program_load_driver(code, 24, 0, &prog), OK);
    CHECK_EQ(prog.insn[0].neg, 1 & code[6]);
    code[6] = 0;
    code[7] = 0;
    CHECK_EQ(divert_program_load_driver(code, 24, 0, &prog), OK);
    CHECK_EQ(prog.insn[0].neg, 0);
    code[8] = 0x50;               /* the caller's buffer changes after the load */
    CHECK_EQ(prog.insn[0].arg[0], 80);
    CHECK_EQ(prog.insn[0].field, F(TCP_DSTPORT));
    CHECK_EQ(prog.insn[0].success, ACC);
    CHECK_EQ(prog.insn[0].failure, REJ);
}

static uint32_t layer_number(const char *name)
{
    static const char *const names[] = {"NETWORK", "NETWORK_FORWARD", "FLOW", "SOCKET", "REFLECT"};
    for (uint32_t i = 0; i < 5; i++) {
        if (strcmp(name, names[i]) == 0) {
            return i;
        }
    }
    return 0;
}

/*
 * Every object WinDivert produced in oracle-syntax.jsonl decodes and loads in user mode. For
 * those the driver also accepts, driver and user evaluation agree on every complete sample
 * packet (the two parsers coincide on them).
 */
static void test_oracle_objects(void)
{
    char path[1024], line[16384], object[12000], layer_name[32];
    snprintf(path, sizeof path, "%s/oracle-syntax.jsonl", vectors_dir());
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (f == NULL) {
        return;
    }
    uint8_t packets[12][256];
    int lens[12];
    for (int id = 1; id <= 11; id++) {
        lens[id] = hex_decode(SAMPLE_PACKETS[id], packets[id], sizeof packets[id]);
    }
    int objects = 0, driver_ok = 0, evaluations = 0;
    static divert_program user;
    while (fgets(line, sizeof line, f) != NULL) {
        if (!json_string(line, "object", object, sizeof object)) {
            continue;
        }
        CHECK(json_string(line, "layer", layer_name, sizeof layer_name));
        uint32_t layer = layer_number(layer_name);
        objects++;
        int n = object_decode(object, code, sizeof code);
        if (strcmp(object, "@WinDiv_WW") == 0) {
            CHECK_EQ(n, -1);         /* the 256-instruction encoder quirk (b.6) */
            continue;
        }
        CHECK(n > 0);
        if (n <= 0) {
            fprintf(stderr, "cannot decode %s\n", object);
            continue;
        }
        CHECK_EQ(divert_program_load_user(code, (size_t)n, &user), OK);
        if (divert_program_load_driver(code, (size_t)n, layer, &prog) != OK) {
            continue;
        }
        driver_ok++;
        CHECK(memcmp(&prog.insn, &user.insn, sizeof(divert_insn) * user.count) == 0);
        for (int id = 1; id <= 11; id++) {
            for (int out = 0; out < 2; out++) {
                DIVERT_ADDRESS a = test_address(layer, out);
                a.IPv6 = (packets[id][0] >> 4) == 6;
                const uint8_t *pkt = layer <= 1 ? packets[id] : NULL;
                int u = divert_helper_eval_filter(&user, layer, pkt, pkt ? (uint32_t)lens[id] : 0, &a, NULL);
                int d = DIVERT_EVAL_NOMATCH;
                if (layer <= 1) {
                    divert_packet_view v = divert_view_flat(packets[id], (uint32_t)lens[id]);
                    divert_packet parsed;
                    CHECK(divert_parse_driver(&v, a.IPv6, &parsed));
                    d = divert_filter_eval(&prog, layer, &a, &v, &parsed);
                } else {
                    d = divert_filter_eval(&prog, layer, &a, NULL, NULL);
                }
                CHECK(d != DIVERT_EVAL_ERROR && u == d);
                evaluations++;
            }
        }
    }
    fclose(f);
    printf("oracle-syntax: %d objects, %d accepted by the driver, %d evaluations compared\n",
           objects, driver_ok, evaluations);
    CHECK(objects > 300);
    CHECK(driver_ok > objects / 2);
}

int main(void)
{
    test_count_and_length();
    test_structure();
    test_layers();
    test_ranges();
    test_copy_then_validate();
    test_oracle_objects();
    return test_finish("program");
}
