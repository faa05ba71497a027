/*
 * The requests of the Linux host (requests.c): what divert4j_ioctl runs on a handle once the
 * core has decoded the header.
 */
#ifndef DIVERT4J_LINUX_REQUESTS_H
#define DIVERT4J_LINUX_REQUESTS_H

#include "handles.h"
#include "core/ioctl.h"

/* Runs one decoded request on a referenced handle; a Win32 error code, 0 = success. */
uint32_t host_request(handle *h, uint64_t slot, const divert_request *req, uint8_t *data, uint32_t len,
                      uint32_t *bytes);

#endif
