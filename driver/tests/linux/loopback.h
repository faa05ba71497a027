/*
 * What the Linux tests that run against the real kernel share: a private network namespace
 * with loopback up, and UDP datagrams over it (IPv4 or IPv6) as the traffic they divert.
 */
#ifndef DIVERT_TEST_LOOPBACK_H
#define DIVERT_TEST_LOOPBACK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A failed precondition of the test itself (not a checked behaviour): stop at once. */
#define REQUIRE(cond)                                                            \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: required: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

/* Upper bound for anything expected to arrive; never reached when passing. */
#define WAIT_MS 5000

/* Moves the process into a new network namespace with lo up; exits 77 (skipped) if not root. */
void loopback_enter_private_netns(void);

/* A UDP socket bound to the loopback address of family (AF_INET, AF_INET6) and port. */
int udp_receiver(int family, uint16_t port);

/* Sends text as one datagram to the loopback address of family and port. */
void udp_send(int family, uint16_t port, const char *text);

/* The next datagram's text on s, or "" after WAIT_MS (a static buffer). */
const char *udp_text(int s);

#endif
