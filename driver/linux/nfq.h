/*
 * NFQUEUE spoken directly over NETLINK_NETFILTER (nfnetlink_queue), so that libdivert4j.so
 * needs nothing at run time beyond libc: no libnetfilter_queue, no libmnl.
 *
 * One nfq_conn is one netlink socket bound to one queue number. Message parsing is kept
 * separate from the socket (nfq_parse) so it can be tested and fuzzed on crafted buffers.
 */
#ifndef DIVERT4J_NFQ_H
#define DIVERT4J_NFQ_H

#include <stddef.h>
#include <stdint.h>

/* Verdicts (the kernel's NF_DROP / NF_ACCEPT / NF_REPEAT: run the same hook function again). */
#define NFQ_DROP   0u
#define NFQ_ACCEPT 1u
#define NFQ_REPEAT 4u

/*
 * Queue flag (nfq_set_flags): queued GSO/GRO super-packets come whole instead of cut into
 * segments, and checksums the stack leaves to offload are not filled in first.
 */
#define NFQ_FLAG_GSO 4u

/* nfq_packet.skbinfo bits: the transport checksum is not filled in yet (offload); a GSO packet. */
#define NFQ_SKB_CSUMNOTREADY 1u
#define NFQ_SKB_GSO          2u

/* Receive buffer large enough for one queued packet of maximal copy range plus metadata. */
#define NFQ_RECV_BUFFER (65536u + 4096u)

typedef struct
{
    int      fd;
    uint32_t portid;   /* our netlink address, assigned by the kernel */
    uint32_t seq;
    uint16_t queue;    /* bound queue number */
    int      bound;
} nfq_conn;

/* One queued packet as reported by the kernel; pointers point into the received buffer. */
typedef struct
{
    uint32_t       id;          /* packet id for the verdict */
    uint16_t       hw_protocol; /* ethertype, host order (0x0800 / 0x86DD) */
    uint8_t        hook;        /* NF_INET_* hook the packet was queued from */
    uint8_t        family;      /* nfgenmsg family: NFPROTO_IPV4 / NFPROTO_IPV6 */
    uint32_t       mark;
    uint32_t       indev;       /* 0 when absent */
    uint32_t       outdev;
    uint32_t       physindev;
    uint32_t       physoutdev;
    uint32_t       skbinfo;     /* NFQA_SKB_* bits, 0 when absent */
    uint32_t       cap_len;     /* original length when the payload was truncated, else 0 */
    uint16_t       hwaddr_len;  /* 0 when absent */
    uint8_t        hwaddr[8];
    int            has_timestamp;
    uint64_t       ts_sec;
    uint64_t       ts_usec;
    const uint8_t *payload;
    uint32_t       payload_len;
} nfq_packet;

/*
 * Walks the netlink messages of one received datagram. *off starts at 0 and is advanced.
 * Returns 1 with *pkt filled for a queued packet, 0 at the end of the datagram, or a negative
 * errno for a kernel error report (NLMSG_ERROR with a non-zero code) or a malformed message.
 * Messages that are not queued packets (acks, other types) are skipped.
 */
int nfq_parse(const uint8_t *buf, size_t len, size_t *off, nfq_packet *pkt);

/* Opens the netlink socket (close-on-exec). Returns 0 or -errno. */
int nfq_open(nfq_conn *c);

/* Binds queue `num`; -EPERM (or -EBUSY) when another socket owns it. Returns 0 or -errno. */
int nfq_bind(nfq_conn *c, uint16_t num);

/* Binds the first free queue in [first, first + count). Returns 0 or -errno. */
int nfq_bind_free(nfq_conn *c, uint16_t first, uint32_t count);

/* Packet-copy mode with the given copy range (clamped by the kernel to 65531). */
int nfq_set_copy_packet(nfq_conn *c, uint32_t range);

/*
 * Sets the queue flags in mask to flags (NFQ_FLAG_*); -EOPNOTSUPP from a kernel that does not
 * know one of them.
 */
int nfq_set_flags(nfq_conn *c, uint32_t flags, uint32_t mask);

/* Kernel-side queue length (packets waiting for a verdict). */
int nfq_set_maxlen(nfq_conn *c, uint32_t maxlen);

/* Receives one datagram; returns its length or -errno (-EAGAIN/-EINTR passed through). */
long nfq_recv(nfq_conn *c, uint8_t *buf, size_t len);

/*
 * Receives up to n datagrams (at most NFQ_RECV_MANY_MAX) with one system call into buf, `each`
 * bytes apart; lens[i] is the i-th one's length, 0 for one to skip (truncated, or not from
 * the kernel). With `wait` it waits for the first (up to the receive timeout: -EAGAIN) and
 * takes what else is waiting; without, it returns -EAGAIN at once when nothing is. Returns the
 * number received or -errno.
 */
#define NFQ_RECV_MANY_MAX 64u
int nfq_recv_many(nfq_conn *c, uint8_t *buf, size_t each, unsigned n, uint32_t *lens, int wait);

/* Bounds how long a waiting receive blocks (0: no bound). */
int nfq_set_recv_timeout(nfq_conn *c, unsigned ms);

/* Ends a waiting receive on c at once: sends c an empty datagram from another socket. */
int nfq_wake(const nfq_conn *c);

/*
 * Verdict for one packet. With payload != NULL the packet is replaced by payload (its length
 * may differ; checksums are the caller's). With mark != NULL the skb mark is set.
 */
int nfq_verdict(nfq_conn *c, uint32_t id, uint32_t verdict, const uint8_t *payload,
                size_t payload_len, const uint32_t *mark);

/*
 * Verdicts (without payload) collected and sent as one datagram: the kernel acts on every
 * message in it, in order, for the price of one system call. Safe to use from several threads
 * on one connection, each with its own collection.
 */
typedef struct
{
    _Alignas(4) uint8_t b[4096];
    size_t len;
} nfq_verdicts;

void nfq_verdicts_init(nfq_verdicts *v);

/* Adds a verdict as nfq_verdict would send it; sends the collection first when it is full. */
int nfq_verdicts_add(nfq_conn *c, nfq_verdicts *v, uint32_t id, uint32_t verdict, const uint32_t *mark);

/* Sends what is collected (nothing when empty) and empties the collection. */
int nfq_verdicts_flush(nfq_conn *c, nfq_verdicts *v);

/* Unbinds (when bound) and closes. Packets still queued are then handled by the kernel. */
void nfq_close(nfq_conn *c);

#endif
