/*
 * Status codes of the portable core. The core never sees NTSTATUS or errno: the Windows glue
 * maps each value to the NTSTATUS named beside it, the Linux host to the Win32 error the
 * client would see (docs/spec/device-abi.md 11.2), which divert_status_win32_error() gives.
 */
#ifndef DIVERT_CORE_STATUS_H
#define DIVERT_CORE_STATUS_H

#include <stdint.h>

typedef enum divert_status
{
    DIVERT_STATUS_SUCCESS = 0,              /* STATUS_SUCCESS                    -> 0    */
    DIVERT_STATUS_INVALID_PARAMETER,        /* STATUS_INVALID_PARAMETER          -> 87   */
    DIVERT_STATUS_BUFFER_TOO_SMALL,         /* STATUS_BUFFER_TOO_SMALL           -> 122  */
    DIVERT_STATUS_PIPE_EMPTY,               /* STATUS_PIPE_EMPTY                 -> 232  */
    DIVERT_STATUS_HOPLIMIT_EXCEEDED,        /* STATUS_HOPLIMIT_EXCEEDED          -> 1232 */
    DIVERT_STATUS_INVALID_DEVICE_STATE,     /* STATUS_INVALID_DEVICE_STATE       -> 22   */
    DIVERT_STATUS_INVALID_DEVICE_REQUEST,   /* STATUS_INVALID_DEVICE_REQUEST     -> 1    */
    DIVERT_STATUS_INSUFFICIENT_RESOURCES,   /* STATUS_INSUFFICIENT_RESOURCES     -> 1450 */
    DIVERT_STATUS_CANCELLED                 /* STATUS_CANCELLED                  -> 995  */
} divert_status;

/* The Win32 error user mode sees for the status (0 for success). */
uint32_t divert_status_win32_error(divert_status status);

/* A stable upper-case name ("INVALID_PARAMETER"), for logs and test output. */
const char *divert_status_name(divert_status status);

#endif
