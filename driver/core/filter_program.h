/*
 * Filter programs (docs/spec/filter-object.md a.1-a.3, a.7): the field table, decoding the n x 24-byte
 * records and the driver's validation of an untrusted program.
 *
 * Copy-then-validate: the loaders read every byte of the caller's buffer exactly once into
 * the divert_program the caller owns, then validate only that copy, so a user buffer that
 * changes underneath (another thread, a shared mapping) cannot slip anything past the checks.
 */
#ifndef DIVERT_CORE_FILTER_PROGRAM_H
#define DIVERT_CORE_FILTER_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "divert_abi.h"
#include "core/packet_parse.h"
#include "core/status.h"

/* Field ids (docs/spec/filter-object.md a.2). */
enum divert_field
{
    DIVERT_FIELD_ZERO = 0, DIVERT_FIELD_INBOUND, DIVERT_FIELD_OUTBOUND, DIVERT_FIELD_IFIDX,
    DIVERT_FIELD_SUBIFIDX, DIVERT_FIELD_IP, DIVERT_FIELD_IPV6, DIVERT_FIELD_ICMP,
    DIVERT_FIELD_TCP, DIVERT_FIELD_UDP, DIVERT_FIELD_ICMPV6, DIVERT_FIELD_IP_HDRLENGTH,
    DIVERT_FIELD_IP_TOS, DIVERT_FIELD_IP_LENGTH, DIVERT_FIELD_IP_ID, DIVERT_FIELD_IP_DF,
    DIVERT_FIELD_IP_MF, DIVERT_FIELD_IP_FRAGOFF, DIVERT_FIELD_IP_TTL, DIVERT_FIELD_IP_PROTOCOL,
    DIVERT_FIELD_IP_CHECKSUM, DIVERT_FIELD_IP_SRCADDR, DIVERT_FIELD_IP_DSTADDR,
    DIVERT_FIELD_IPV6_TRAFFICCLASS, DIVERT_FIELD_IPV6_FLOWLABEL, DIVERT_FIELD_IPV6_LENGTH,
    DIVERT_FIELD_IPV6_NEXTHDR, DIVERT_FIELD_IPV6_HOPLIMIT, DIVERT_FIELD_IPV6_SRCADDR,
    DIVERT_FIELD_IPV6_DSTADDR, DIVERT_FIELD_ICMP_TYPE, DIVERT_FIELD_ICMP_CODE,
    DIVERT_FIELD_ICMP_CHECKSUM, DIVERT_FIELD_ICMP_BODY, DIVERT_FIELD_ICMPV6_TYPE,
    DIVERT_FIELD_ICMPV6_CODE, DIVERT_FIELD_ICMPV6_CHECKSUM, DIVERT_FIELD_ICMPV6_BODY,
    DIVERT_FIELD_TCP_SRCPORT, DIVERT_FIELD_TCP_DSTPORT, DIVERT_FIELD_TCP_SEQNUM,
    DIVERT_FIELD_TCP_ACKNUM, DIVERT_FIELD_TCP_HDRLENGTH, DIVERT_FIELD_TCP_URG,
    DIVERT_FIELD_TCP_ACK, DIVERT_FIELD_TCP_PSH, DIVERT_FIELD_TCP_RST, DIVERT_FIELD_TCP_SYN,
    DIVERT_FIELD_TCP_FIN, DIVERT_FIELD_TCP_WINDOW, DIVERT_FIELD_TCP_CHECKSUM,
    DIVERT_FIELD_TCP_URGPTR, DIVERT_FIELD_TCP_PAYLOADLENGTH, DIVERT_FIELD_UDP_SRCPORT,
    DIVERT_FIELD_UDP_DSTPORT, DIVERT_FIELD_UDP_LENGTH, DIVERT_FIELD_UDP_CHECKSUM,
    DIVERT_FIELD_UDP_PAYLOADLENGTH, DIVERT_FIELD_LOOPBACK, DIVERT_FIELD_IMPOSTOR,
    DIVERT_FIELD_PROCESSID, DIVERT_FIELD_LOCALADDR, DIVERT_FIELD_REMOTEADDR,
    DIVERT_FIELD_LOCALPORT, DIVERT_FIELD_REMOTEPORT, DIVERT_FIELD_PROTOCOL,
    DIVERT_FIELD_ENDPOINTID, DIVERT_FIELD_PARENTENDPOINTID, DIVERT_FIELD_LAYER,
    DIVERT_FIELD_PRIORITY, DIVERT_FIELD_EVENT, DIVERT_FIELD_PACKET, DIVERT_FIELD_PACKET16,
    DIVERT_FIELD_PACKET32, DIVERT_FIELD_TCP_PAYLOAD, DIVERT_FIELD_TCP_PAYLOAD16,
    DIVERT_FIELD_TCP_PAYLOAD32, DIVERT_FIELD_UDP_PAYLOAD, DIVERT_FIELD_UDP_PAYLOAD16,
    DIVERT_FIELD_UDP_PAYLOAD32, DIVERT_FIELD_LENGTH, DIVERT_FIELD_TIMESTAMP,
    DIVERT_FIELD_RANDOM8, DIVERT_FIELD_RANDOM16, DIVERT_FIELD_RANDOM32, DIVERT_FIELD_FRAGMENT,
    DIVERT_FIELD_COUNT
};

/*
 * Where the network layers find a field's value (divert_insn.access):
 *   IP / TRANSPORT        `size` bytes (big-endian) at `offset` of the IP header (when
 *                         ip_version is `want`) or of the transport header (when transport
 *                         is `want`), shifted right by `shift` and masked with `mask`;
 *   ADDRESS               the IPv4 (mapped) or IPv6 address at `offset` of the IP header
 *                         when ip_version is `want`;
 *   IS_IP / IS_TRANSPORT  whether that header is there (ip, ipv6, tcp, ...);
 *   ARRAY                 an element of `size` bytes of packet[] (want NONE) or of the
 *                         TCP/UDP payload (want that transport);
 *   OTHER                 anything else (addresses, the flow label, payload lengths, ...).
 */
enum divert_access
{
    DIVERT_ACCESS_OTHER = 0, DIVERT_ACCESS_IP, DIVERT_ACCESS_TRANSPORT, DIVERT_ACCESS_ADDRESS,
    DIVERT_ACCESS_IS_IP, DIVERT_ACCESS_IS_TRANSPORT, DIVERT_ACCESS_ARRAY
};

/* One decoded instruction (reserved bits of W1 are dropped). */
typedef struct divert_insn
{
    uint32_t arg[4];     /* magnitude, arg[0] least significant; arrays: arg[1] = signed index */
    uint32_t mask;       /* derived, with access and what follows it (see below) */
    uint16_t success;    /* index, DIVERT_FILTER_RESULT_ACCEPT or _REJECT */
    uint16_t failure;
    uint16_t field;      /* 11 bits on the wire */
    uint8_t test;        /* 5 bits on the wire */
    uint8_t neg;         /* the constant is negative */
    /* Derived by the loaders from the fields above, so the evaluator does not recompute them: */
    uint8_t layers;      /* bit l set: the field is legal at layer l */
    uint8_t outcomes;    /* test as outcome bits: 1 less, 2 equal, 4 greater (0 if test > 5) */
    uint8_t flags;       /* DIVERT_INSN_WIDE, _NARROW, _WALK, _REUSE, _EQ, _HEADER */
    /*
     * Last index of the run of tests of one value for membership that starts here (this
     * index when there is none): "f == a or f == b or ..." (EQ, common success, each failure
     * the next) or "f != a and f != b and ..." (NEQ, common failure, each success the next),
     * all narrow, same field and index. The evaluator scans such a run in one step.
     */
    uint8_t run_end;
    uint8_t access;      /* enum divert_access, then want, offset, size, shift and mask */
    uint8_t want;
    uint8_t offset;
    uint8_t size;
    uint8_t shift;
} divert_insn;

#define DIVERT_INSN_WIDE 1u     /* compared on all 128 bits (a.3) */
#define DIVERT_INSN_NARROW 2u   /* arg[0] alone decides, unsigned: never negative on either side */
/* At the network layers the value needs the packet walked (divert_packet_walk) */
#define DIVERT_INSN_WALK 4u
/*
 * Every instruction that can jump here tests the same field and index: the value the one just
 * run loaded is this one's too (values do not change during one run), so it is not loaded again.
 */
#define DIVERT_INSN_REUSE 8u
/* Narrow EQ outside a membership run: success exactly when the value is arg[0] */
#define DIVERT_INSN_EQ 16u
/* At the network layers a header field or header presence: access IP, TRANSPORT or IS_* */
#define DIVERT_INSN_HEADER 32u

/*
 * A program as the core keeps it: about 10 KiB (sizeof 10244 on x64). The host owns the storage
 * (per handle, in non-paged memory in the Windows driver; never on a kernel stack).
 */
typedef struct divert_program
{
    uint32_t count;
    divert_insn insn[DIVERT_FILTER_COMPILE_MAXLEN];
} divert_program;

/* Is the field defined at all for the layer (a.2)? False for field or layer out of range. */
bool divert_field_legal(uint32_t field, uint32_t layer);

/* Fields compared with all 128 bits of the constant (a.3). */
bool divert_field_wide(uint32_t field);

/* Array fields 71..79 (arg[1] is the byte index). */
bool divert_field_is_array(uint32_t field);

/*
 * The driver's STARTUP load (a.7): copies len bytes into *out, then validates the copy for
 * the layer. SUCCESS or INVALID_PARAMETER (then out->count is 0).
 */
divert_status divert_program_load_driver(const uint8_t *bytes, size_t len, uint32_t layer,
                                         divert_program *out);

/*
 * The user library's load of an already compiled program (what decoding an object string
 * guarantees, b.4/b.5): 1..256 records, field <= 85, test <= 5, labels forward and in range
 * or ACCEPT/REJECT. No layer legality and no ranges: those surface at evaluation time.
 */
divert_status divert_program_load_user(const uint8_t *bytes, size_t len, divert_program *out);

#endif
