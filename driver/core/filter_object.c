#include "core/filter_object.h"

static const char DIGITS[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+=";

typedef struct
{
    char *out;
    size_t cap;
    size_t len;
    int overflow;
} writer;

static void put(writer *w, char c)
{
    if (w->len < w->cap) {
        w->out[w->len] = c;
    } else {
        w->overflow = 1;
    }
    w->len++;
}

/* b.2: base-32 digits, most significant first, leading zeros dropped, the last one "final". */
static void number(writer *w, uint32_t v)
{
    uint32_t digit[7];
    int n = 0;
    do {
        digit[n++] = v & 31u;
        v >>= 5;
    } while (v != 0);
    while (n > 1) {
        put(w, DIGITS[digit[--n]]);
    }
    put(w, DIGITS[32 + digit[0]]);
}

static void label(writer *w, uint16_t l)
{
    if (l == DIVERT_FILTER_RESULT_ACCEPT) {
        put(w, 'A');
    } else if (l == DIVERT_FILTER_RESULT_REJECT) {
        put(w, 'X');
    } else {
        put(w, 'L');
        number(w, l);
    }
}

size_t divert_program_encode_object(const divert_program *program, char *out, size_t cap)
{
    writer w = {out, cap, 0, 0};
    static const char header[] = "@WinDiv_";
    for (const char *p = header; *p; p++) {
        put(&w, *p);
    }
    number(&w, 0);
    uint32_t count = program->count & 0xFFu;
    number(&w, count);
    for (uint32_t i = 0; i < count; i++) {
        const divert_insn *in = &program->insn[i];
        put(&w, '_');
        number(&w, in->field);
        number(&w, in->test);
        number(&w, in->neg);
        number(&w, in->arg[0]);
        switch (in->field) {
        case DIVERT_FIELD_IPV6_SRCADDR:
        case DIVERT_FIELD_IPV6_DSTADDR:
        case DIVERT_FIELD_LOCALADDR:
        case DIVERT_FIELD_REMOTEADDR:
            number(&w, in->arg[1]);
            number(&w, in->arg[2]);
            number(&w, in->arg[3]);
            break;
        case DIVERT_FIELD_ENDPOINTID:
        case DIVERT_FIELD_PARENTENDPOINTID:
        case DIVERT_FIELD_TIMESTAMP:
            number(&w, in->arg[1]);
            break;
        default:
            if (divert_field_is_array(in->field)) {
                number(&w, in->arg[1] + 65535u); /* the signed index, biased (b.4) */
            }
            break;
        }
        label(&w, in->success);
        label(&w, in->failure);
    }
    put(&w, '\0');
    return w.overflow ? 0 : w.len;
}
