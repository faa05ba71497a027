/*
 * The object string encoder (docs/spec/filter-object.md b): the b.2 number table, the b.7 examples and
 * every object in oracle-syntax.jsonl re-encode byte for byte after decoding and loading, the
 * 256-instruction quirk (b.6), and a too-small buffer.
 */
#include <stdio.h>
#include <string.h>

#include "core/filter_object.h"
#include "core/filter_program.h"
#include "programs.h"
#include "support.h"

static uint8_t code[256 * 24];
static divert_program prog;
static char out[DIVERT_OBJECT_MAXLEN];

/* Decodes, loads (user checks) and re-encodes; true when the result is the same string. */
static int round_trip(const char *object)
{
    int n = object_decode(object, code, sizeof code);
    if (n <= 0 || divert_program_load_user(code, (size_t)n, &prog) != DIVERT_STATUS_SUCCESS) {
        fprintf(stderr, "cannot load %s\n", object);
        return 0;
    }
    size_t len = divert_program_encode_object(&prog, out, sizeof out);
    if (len != strlen(object) + 1 || strcmp(out, object) != 0) {
        fprintf(stderr, "%s re-encoded as %s\n", object, out);
        return 0;
    }
    return 1;
}

static void test_numbers(void)
{
    static const struct { uint32_t v; const char *text; } table[] = {
        {0, "W"}, {1, "X"}, {31, "="}, {32, "1W"}, {53, "1r"}, {80, "2m"}, {255, "7="},
        {256, "8W"}, {65535, "1VV="}, {65536, "200W"}, {0x7FFE, "VV+"}, {0x3FFFFFFF, "VVVVV="},
        {0x40000000, "100000W"}, {0xFFFF0000, "3VVU00W"}, {0xFFFFFFFF, "3VVVVV="},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        /* `zero == v` (field 0 carries only arg0): @WinDiv_ W X _ W W W <v> A X */
        test_t t = {DIVERT_FIELD_ZERO, EQ, 0, table[i].v, 0, 0, 0};
        uint32_t n = build_chain(code, 0, 1, &t);
        CHECK_EQ(divert_program_load_user(code, n, &prog), DIVERT_STATUS_SUCCESS);
        char expected[64];
        snprintf(expected, sizeof expected, "@WinDiv_WX_WWW%sAX", table[i].text);
        CHECK_EQ(divert_program_encode_object(&prog, out, sizeof out), strlen(expected) + 1);
        CHECK(strcmp(out, expected) == 0);
    }
}

static void test_examples(void)
{
    static const char *const objects[] = {
        "@WinDiv_WX_WWWWAA", "@WinDiv_WX_WWWWXX", "@WinDiv_WX_eXWWAX", "@WinDiv_WY_1dWW2mLXX_YXWWAX",
        "@WinDiv_WX_rWW50000XAX", "@WinDiv_WX_zWWXWWWAX", "@WinDiv_WX_2fWWPJ8D9s1VVwAX",
        "@WinDiv_WX_2gWW2d200XAX", "@WinDiv_WX_2nbXXWAX", "@WinDiv_WY_1dWW2mALX_1sWW1rAX",
        "@WinDiv_WZ_eXWWLXLY_1dWW2mAX_1sWW1rAX", "@WinDiv_WY_dWWWLXX_1wXWWAX", "@WinDiv_WX_2YWWHKAPSfXAX",
        "@WinDiv_WX_2cWWaAX", "@WinDiv_WX_1zWWG40Oa1VV=WWAX", "@WinDiv_WY_eXWWAX_fXWWAX",
        "@WinDiv_WX_2bYXbAX", "@WinDiv_WX_bWWWAX", "@WinDiv_WY_1cZWV=LXX_1daWV=AX",
        "@WinDiv_WY_1yWW16oALX_1yWW5HkAX", "@WinDiv_WX_2kXWX1VVzAX", "@WinDiv_WZ_1lXWWLXX_1iWWWLYX_1dWWDxAX",
        "@WinDiv_WX_2dWWb200WAX", "@WinDiv_WX_sWWG000XAX",
    };
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++) {
        CHECK(round_trip(objects[i]));
    }
}

static void test_oracle_objects(void)
{
    char path[1024], line[16384], object[12000];
    snprintf(path, sizeof path, "%s/oracle-syntax.jsonl", vectors_dir());
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (f == NULL) {
        return;
    }
    int objects = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (!json_string(line, "object", object, sizeof object) || strcmp(object, "@WinDiv_WW") == 0) {
            continue; /* the 256-instruction quirk cannot be decoded; covered below */
        }
        objects++;
        CHECK(round_trip(object));
    }
    fclose(f);
    CHECK(objects > 300);
    printf("oracle-syntax objects re-encoded: %d\n", objects);
}

static void test_quirk_and_buffer(void)
{
    test_t tests[256];
    for (int i = 0; i < 256; i++) {
        tests[i] = (test_t){DIVERT_FIELD_TCP_DSTPORT, EQ, 0, (uint32_t)i, 0, 0, 0};
    }
    uint32_t n = build_chain(code, 1, 256, tests);
    CHECK_EQ(divert_program_load_user(code, n, &prog), DIVERT_STATUS_SUCCESS);
    CHECK_EQ(divert_program_encode_object(&prog, out, sizeof out), 11);
    CHECK(strcmp(out, "@WinDiv_WW") == 0);

    CHECK(round_trip("@WinDiv_WY_1dWW2mLXX_YXWWAX"));
    size_t need = strlen("@WinDiv_WY_1dWW2mLXX_YXWWAX") + 1;
    CHECK_EQ(divert_program_encode_object(&prog, out, need), need);
    CHECK_EQ(divert_program_encode_object(&prog, out, need - 1), 0);
    CHECK_EQ(divert_program_encode_object(&prog, out, 0), 0);
}

int main(void)
{
    test_numbers();
    test_examples();
    test_oracle_objects();
    test_quirk_and_buffer();
    return test_finish("object");
}
