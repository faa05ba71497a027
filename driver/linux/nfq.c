/*
 * NFQUEUE over raw NETLINK_NETFILTER messages (nfq.h): building requests and verdicts, and
 * parsing queued-packet messages. Written against the netlink wire format rather than
 * libnetfilter_queue so that libdivert4j.so needs nothing beyond libc at run time, and so that
 * the parser can be tested and fuzzed on crafted buffers.
 */
#define _GNU_SOURCE
#include "nfq.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>

_Static_assert(NFQ_FLAG_GSO == NFQA_CFG_F_GSO, "NFQ_FLAG_GSO is the kernel's flag");
_Static_assert(NFQ_SKB_CSUMNOTREADY == NFQA_SKB_CSUMNOTREADY && NFQ_SKB_GSO == NFQA_SKB_GSO,
               "NFQ_SKB_* are the kernel's bits");

#define NFQ_TYPE(msg) ((uint16_t)((NFNL_SUBSYS_QUEUE << 8) | (msg)))
#define ALIGN4(n) (((n) + 3u) & ~(size_t)3u)

/* Kernel netlink socket buffer: a burst of full-size packets must not overflow it. */
#define NFQ_SOCKET_BUFFER (16 * 1024 * 1024)

static uint16_t get16be(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t get32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t get64be(const uint8_t *p)
{
    return (uint64_t)get32be(p) << 32 | get32be(p + 4);
}

static void put16be(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int parse_packet_attrs(const uint8_t *a, size_t len, nfq_packet *pkt)
{
    int have_hdr = 0;
    while (len >= NLA_HDRLEN) {
        struct nlattr nla;
        memcpy(&nla, a, sizeof nla);
        if (nla.nla_len < NLA_HDRLEN || nla.nla_len > len) {
            return -EBADMSG;
        }
        const uint8_t *v = a + NLA_HDRLEN;
        size_t vlen = nla.nla_len - NLA_HDRLEN;
        switch (nla.nla_type & NLA_TYPE_MASK) {
        case NFQA_PACKET_HDR:
            if (vlen < 7) {
                return -EBADMSG;
            }
            pkt->id = get32be(v);
            pkt->hw_protocol = get16be(v + 4);
            pkt->hook = v[6];
            have_hdr = 1;
            break;
        case NFQA_MARK:
        case NFQA_IFINDEX_INDEV:
        case NFQA_IFINDEX_OUTDEV:
        case NFQA_IFINDEX_PHYSINDEV:
        case NFQA_IFINDEX_PHYSOUTDEV:
        case NFQA_SKB_INFO:
        case NFQA_CAP_LEN: {
            if (vlen < 4) {
                return -EBADMSG;
            }
            uint32_t x = get32be(v);
            switch (nla.nla_type & NLA_TYPE_MASK) {
            case NFQA_MARK: pkt->mark = x; break;
            case NFQA_IFINDEX_INDEV: pkt->indev = x; break;
            case NFQA_IFINDEX_OUTDEV: pkt->outdev = x; break;
            case NFQA_IFINDEX_PHYSINDEV: pkt->physindev = x; break;
            case NFQA_IFINDEX_PHYSOUTDEV: pkt->physoutdev = x; break;
            case NFQA_SKB_INFO: pkt->skbinfo = x; break;
            default: pkt->cap_len = x; break;
            }
            break;
        }
        case NFQA_HWADDR: {
            if (vlen < 12) {
                return -EBADMSG;
            }
            uint16_t n = get16be(v);
            pkt->hwaddr_len = n > 8 ? 8 : n;
            memcpy(pkt->hwaddr, v + 4, 8);
            break;
        }
        case NFQA_TIMESTAMP:
            if (vlen < 16) {
                return -EBADMSG;
            }
            pkt->has_timestamp = 1;
            pkt->ts_sec = get64be(v);
            pkt->ts_usec = get64be(v + 8);
            break;
        case NFQA_PAYLOAD:
            pkt->payload = v;
            pkt->payload_len = (uint32_t)vlen;
            break;
        default:
            break; /* conntrack, uid/gid, vlan, ...: not needed */
        }
        size_t step = ALIGN4(nla.nla_len);
        if (step >= len) {
            break;
        }
        a += step;
        len -= step;
    }
    return have_hdr ? 0 : -EBADMSG;
}

int nfq_parse(const uint8_t *buf, size_t len, size_t *off, nfq_packet *pkt)
{
    while (*off < len) {
        size_t left = len - *off;
        const uint8_t *m = buf + *off;
        struct nlmsghdr h;
        if (left < sizeof h) {
            return -EBADMSG;
        }
        memcpy(&h, m, sizeof h);
        if (h.nlmsg_len < sizeof h || h.nlmsg_len > left) {
            return -EBADMSG;
        }
        size_t step = ALIGN4(h.nlmsg_len);
        *off += step > left ? left : step;
        if (h.nlmsg_type == NLMSG_ERROR) {
            int err;
            if (h.nlmsg_len < sizeof h + sizeof err) {
                return -EBADMSG;
            }
            memcpy(&err, m + sizeof h, sizeof err);
            if (err > 0 || err < -4095) {
                return -EBADMSG;
            }
            if (err != 0) {
                return err;
            }
            continue;
        }
        if (h.nlmsg_type != NFQ_TYPE(NFQNL_MSG_PACKET)) {
            continue;
        }
        if (h.nlmsg_len < sizeof h + sizeof(struct nfgenmsg)) {
            return -EBADMSG;
        }
        memset(pkt, 0, sizeof *pkt);
        struct nfgenmsg g;
        memcpy(&g, m + sizeof h, sizeof g);
        pkt->family = g.nfgen_family;
        size_t hdr = NLMSG_HDRLEN + ALIGN4(sizeof g);
        if (h.nlmsg_len < hdr) {
            return -EBADMSG;
        }
        int rc = parse_packet_attrs(m + hdr, h.nlmsg_len - hdr, pkt);
        if (rc != 0) {
            return rc;
        }
        return 1;
    }
    return 0;
}

/* A request under construction: netlink header, nfgenmsg, then attributes. */
typedef struct
{
    _Alignas(4) uint8_t b[128];
    size_t len;
} nfq_msg;

/*
 * Only acknowledged requests (configuration, single-threaded) take a sequence number: verdicts
 * are sent from several threads at once and must not touch the connection.
 */
static void msg_start(nfq_msg *m, nfq_conn *c, uint8_t type, uint16_t flags, uint8_t family)
{
    memset(m, 0, sizeof *m);
    struct nlmsghdr h = {
        .nlmsg_type = NFQ_TYPE(type),
        .nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags),
        .nlmsg_seq = (flags & NLM_F_ACK) ? ++c->seq : 0,
    };
    memcpy(m->b, &h, sizeof h);
    struct nfgenmsg g = {.nfgen_family = family, .version = NFNETLINK_V0, .res_id = 0};
    memcpy(m->b + NLMSG_HDRLEN, &g, sizeof g);
    put16be(m->b + NLMSG_HDRLEN + 2, c->queue);
    m->len = NLMSG_HDRLEN + ALIGN4(sizeof g);
}

/* Appends an attribute; returns a pointer to its value (zeroed, padding included). */
static uint8_t *msg_attr(nfq_msg *m, uint16_t type, size_t vlen)
{
    struct nlattr nla = {.nla_len = (uint16_t)(NLA_HDRLEN + vlen), .nla_type = type};
    memcpy(m->b + m->len, &nla, sizeof nla);
    uint8_t *v = m->b + m->len + NLA_HDRLEN;
    m->len += ALIGN4(NLA_HDRLEN + vlen);
    return v;
}

static void msg_finish(nfq_msg *m, size_t extra)
{
    uint32_t total = (uint32_t)(m->len + extra);
    memcpy(m->b + offsetof(struct nlmsghdr, nlmsg_len), &total, sizeof total);
}

static int send_iov(nfq_conn *c, struct iovec *iov, size_t n)
{
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    struct msghdr mh = {.msg_name = &kernel, .msg_namelen = sizeof kernel,
                        .msg_iov = iov, .msg_iovlen = n};
    for (;;) {
        ssize_t r = sendmsg(c->fd, &mh, 0);
        if (r >= 0) {
            return 0;
        }
        if (errno != EINTR) {
            return -errno;
        }
    }
}

/* Sends a configuration request and waits for its acknowledgement. */
static int request(nfq_conn *c, nfq_msg *m)
{
    msg_finish(m, 0);
    struct iovec iov = {.iov_base = m->b, .iov_len = m->len};
    int rc = send_iov(c, &iov, 1);
    if (rc != 0) {
        return rc;
    }
    uint32_t seq = c->seq;
    _Alignas(4) uint8_t buf[4096];
    for (;;) {
        long n = nfq_recv(c, buf, sizeof buf);
        if (n == -EINTR) {
            continue;
        }
        if (n < 0) {
            return (int)n;
        }
        for (size_t off = 0; off + sizeof(struct nlmsghdr) <= (size_t)n;) {
            struct nlmsghdr h;
            memcpy(&h, buf + off, sizeof h);
            if (h.nlmsg_len < sizeof h || h.nlmsg_len > (size_t)n - off) {
                return -EBADMSG;
            }
            if (h.nlmsg_type == NLMSG_ERROR && h.nlmsg_seq == seq) {
                int err;
                if (h.nlmsg_len < sizeof h + sizeof err) {
                    return -EBADMSG;
                }
                memcpy(&err, buf + off + sizeof h, sizeof err);
                return err;
            }
            off += ALIGN4(h.nlmsg_len);
        }
    }
}

int nfq_open(nfq_conn *c)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    if (c->fd < 0) {
        return -errno;
    }
    struct sockaddr_nl local = {.nl_family = AF_NETLINK};
    socklen_t alen = sizeof local;
    if (bind(c->fd, (struct sockaddr *)&local, sizeof local) != 0
        || getsockname(c->fd, (struct sockaddr *)&local, &alen) != 0) {
        int e = -errno;
        close(c->fd);
        c->fd = -1;
        return e;
    }
    c->portid = local.nl_pid;
    int size = NFQ_SOCKET_BUFFER;
    if (setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
        (void)setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    /* An overflow drops packets in the kernel; a recv() failing with ENOBUFS adds nothing. */
    int one = 1;
    (void)setsockopt(c->fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
    return 0;
}

static int config_cmd(nfq_conn *c, uint8_t cmd)
{
    nfq_msg m;
    msg_start(&m, c, NFQNL_MSG_CONFIG, NLM_F_ACK, AF_UNSPEC);
    uint8_t *v = msg_attr(&m, NFQA_CFG_CMD, sizeof(struct nfqnl_msg_config_cmd));
    v[0] = cmd;
    return request(c, &m);
}

int nfq_bind(nfq_conn *c, uint16_t num)
{
    c->queue = num;
    int rc = config_cmd(c, NFQNL_CFG_CMD_BIND);
    c->bound = rc == 0;
    return rc;
}

int nfq_bind_free(nfq_conn *c, uint16_t first, uint32_t count)
{
    for (uint32_t i = 0; i < count && first + i <= UINT16_MAX; i++) {
        int rc = nfq_bind(c, (uint16_t)(first + i));
        /* The kernel answers EPERM for a queue bound by another socket. */
        if (rc != -EBUSY && rc != -EPERM) {
            return rc;
        }
    }
    return -EBUSY;
}

int nfq_set_copy_packet(nfq_conn *c, uint32_t range)
{
    nfq_msg m;
    msg_start(&m, c, NFQNL_MSG_CONFIG, NLM_F_ACK, AF_UNSPEC);
    uint8_t *v = msg_attr(&m, NFQA_CFG_PARAMS, sizeof(struct nfqnl_msg_config_params));
    put32be(v, range);
    v[4] = NFQNL_COPY_PACKET;
    return request(c, &m);
}

int nfq_set_flags(nfq_conn *c, uint32_t flags, uint32_t mask)
{
    nfq_msg m;
    msg_start(&m, c, NFQNL_MSG_CONFIG, NLM_F_ACK, AF_UNSPEC);
    put32be(msg_attr(&m, NFQA_CFG_FLAGS, 4), flags);
    put32be(msg_attr(&m, NFQA_CFG_MASK, 4), mask);
    return request(c, &m);
}

int nfq_set_maxlen(nfq_conn *c, uint32_t maxlen)
{
    nfq_msg m;
    msg_start(&m, c, NFQNL_MSG_CONFIG, NLM_F_ACK, AF_UNSPEC);
    put32be(msg_attr(&m, NFQA_CFG_QUEUE_MAXLEN, 4), maxlen);
    return request(c, &m);
}

long nfq_recv(nfq_conn *c, uint8_t *buf, size_t len)
{
    struct sockaddr_nl from;
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(c->fd, buf, len, MSG_TRUNC, (struct sockaddr *)&from, &flen);
    if (n < 0) {
        return -errno;
    }
    if ((size_t)n > len) {
        return -EMSGSIZE;
    }
    if (from.nl_pid != 0) {
        return 0; /* not from the kernel: an empty datagram for the caller */
    }
    return (long)n;
}


int nfq_recv_many(nfq_conn *c, uint8_t *buf, size_t each, unsigned n, uint32_t *lens, int wait)
{
    struct mmsghdr mm[NFQ_RECV_MANY_MAX];
    struct iovec iov[NFQ_RECV_MANY_MAX];
    struct sockaddr_nl from[NFQ_RECV_MANY_MAX];
    if (n > NFQ_RECV_MANY_MAX) {
        n = NFQ_RECV_MANY_MAX;
    }
    memset(mm, 0, n * sizeof mm[0]);
    for (unsigned i = 0; i < n; i++) {
        iov[i].iov_base = buf + (size_t)i * each;
        iov[i].iov_len = each;
        mm[i].msg_hdr.msg_iov = &iov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_hdr.msg_name = &from[i];
        mm[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    int got = recvmmsg(c->fd, mm, n, wait ? MSG_WAITFORONE : MSG_DONTWAIT, NULL);
    if (got < 0) {
        return -errno;
    }
    for (int i = 0; i < got; i++) {
        int whole = !(mm[i].msg_hdr.msg_flags & MSG_TRUNC);
        lens[i] = whole && from[i].nl_pid == 0 ? mm[i].msg_len : 0;
    }
    return got;
}

int nfq_set_recv_timeout(nfq_conn *c, unsigned ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (long)(ms % 1000) * 1000};
    return setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 ? 0 : -errno;
}

int nfq_wake(const nfq_conn *c)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    if (fd < 0) {
        return -errno;
    }
    struct nlmsghdr h = {.nlmsg_len = sizeof h, .nlmsg_type = NLMSG_NOOP};
    struct sockaddr_nl to = {.nl_family = AF_NETLINK, .nl_pid = c->portid};
    int rc = sendto(fd, &h, sizeof h, 0, (struct sockaddr *)&to, sizeof to) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

/* A verdict message without payload, not yet finished. */
static void verdict_msg(nfq_msg *m, nfq_conn *c, uint32_t id, uint32_t verdict, const uint32_t *mark)
{
    msg_start(m, c, NFQNL_MSG_VERDICT, 0, AF_UNSPEC);
    uint8_t *v = msg_attr(m, NFQA_VERDICT_HDR, sizeof(struct nfqnl_msg_verdict_hdr));
    put32be(v, verdict);
    put32be(v + 4, id);
    if (mark != NULL) {
        put32be(msg_attr(m, NFQA_MARK, 4), *mark);
    }
}

int nfq_verdict(nfq_conn *c, uint32_t id, uint32_t verdict, const uint8_t *payload,
                size_t payload_len, const uint32_t *mark)
{
    if (payload != NULL && payload_len > UINT16_MAX - NLA_HDRLEN) {
        return -EMSGSIZE;
    }
    nfq_msg m;
    verdict_msg(&m, c, id, verdict, mark);
    if (payload == NULL) {
        msg_finish(&m, 0);
        struct iovec iov = {.iov_base = m.b, .iov_len = m.len};
        return send_iov(c, &iov, 1);
    }
    /* The payload attribute header is built here, its value is sent from the caller's buffer. */
    struct nlattr nla = {.nla_len = (uint16_t)(NLA_HDRLEN + payload_len), .nla_type = NFQA_PAYLOAD};
    memcpy(m.b + m.len, &nla, sizeof nla);
    m.len += NLA_HDRLEN;
    static const uint8_t pad[4];
    size_t padlen = ALIGN4(payload_len) - payload_len;
    msg_finish(&m, payload_len + padlen);
    struct iovec iov[3] = {
        {.iov_base = m.b, .iov_len = m.len},
        {.iov_base = (void *)payload, .iov_len = payload_len},
        {.iov_base = (void *)pad, .iov_len = padlen},
    };
    return send_iov(c, iov, padlen ? 3 : 2);
}

void nfq_verdicts_init(nfq_verdicts *v)
{
    v->len = 0;
}

int nfq_verdicts_add(nfq_conn *c, nfq_verdicts *v, uint32_t id, uint32_t verdict, const uint32_t *mark)
{
    nfq_msg m;
    verdict_msg(&m, c, id, verdict, mark);
    msg_finish(&m, 0);
    int rc = 0;
    if (v->len + m.len > sizeof v->b) {
        rc = nfq_verdicts_flush(c, v);
    }
    memcpy(v->b + v->len, m.b, m.len);
    v->len += m.len;
    return rc;
}

int nfq_verdicts_flush(nfq_conn *c, nfq_verdicts *v)
{
    if (v->len == 0) {
        return 0;
    }
    struct iovec iov = {.iov_base = v->b, .iov_len = v->len};
    int rc = send_iov(c, &iov, 1);
    nfq_verdicts_init(v);
    return rc;
}

void nfq_close(nfq_conn *c)
{
    if (c->fd < 0) {
        return;
    }
    if (c->bound) {
        (void)config_cmd(c, NFQNL_CFG_CMD_UNBIND);
        c->bound = 0;
    }
    close(c->fd);
    c->fd = -1;
}
