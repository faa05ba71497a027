/*
 * The Linux host: WinDivert handles in user space, reached through an IOCTL-shaped entry
 * point that takes exactly the Windows device's requests (16-byte header, data buffer,
 * addresses by pointer), so the Java client above the transport SPI is the same code on both
 * platforms.
 *
 * Per handle (NETWORK / NETWORK_FORWARD): one NFQUEUE queue number (its id, see rules.h), one
 * netlink socket read by one thread, one chain per netfilter hook the filter flags need, at
 * the handle's priority position. The thread evaluates the filter with the core's VM and
 * gives the verdict: not matching or sniffed -> NF_REPEAT with the handle's release mark
 * (lower priorities see it next); matching -> copied into the handle's queue and absorbed, or
 * just dropped with DROP. Absorbed packets stay in the kernel for a while (hold.h): SEND of
 * one unchanged lets the original go on with one verdict, anything else (modified, new, late)
 * is injected through raw sockets (rawsock.h) and the original dropped.
 *
 * Entry points (all return a Win32 error code, 0 = success):
 *   divert4j_open(&handle)                      a new handle in the OPENING state
 *   divert4j_ioctl(handle, slot, code, header, data, data_len, &bytes)
 *                                               one request, synchronous; `slot` identifies
 *                                               it for divert4j_cancel
 *   divert4j_cancel(handle, slot)               completes a pending request of that slot
 *                                               (slot 0: all) with 995
 *   divert4j_close(handle)                      cancels what is pending and closes
 *   divert4j_last_message(buf, len)             detail of this thread's last failure
 */
#ifndef DIVERT4J_HOST_H
#define DIVERT4J_HOST_H

#include <stdint.h>

#define DIVERT4J_EXPORT __attribute__((visibility("default")))

DIVERT4J_EXPORT uint32_t divert4j_open(int32_t *handle);
DIVERT4J_EXPORT uint32_t divert4j_ioctl(int32_t handle, uint64_t slot, uint32_t code,
                                        const uint8_t *header, uint8_t *data, uint32_t data_len,
                                        uint32_t *bytes);
DIVERT4J_EXPORT uint32_t divert4j_cancel(int32_t handle, uint64_t slot);
DIVERT4J_EXPORT uint32_t divert4j_close(int32_t handle);
DIVERT4J_EXPORT uint32_t divert4j_last_message(char *buf, uint32_t len);

#endif
