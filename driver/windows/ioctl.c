/*
 * The seven requests of device-abi.md 2. Validation and state decisions belong to the core's
 * request decoder, which is being written; until it lands every code is refused.
 */
#include "driver.h"

_Use_decl_annotations_
NTSTATUS DivertIoctl(DIVERT_HANDLE *handle, PIRP irp, ULONG code, const DIVERT_IOCTL *header,
                     ULONG_PTR *information)
{
    UNREFERENCED_PARAMETER(handle);
    UNREFERENCED_PARAMETER(irp);
    UNREFERENCED_PARAMETER(code);
    UNREFERENCED_PARAMETER(header);
    *information = 0;
    return STATUS_INVALID_DEVICE_REQUEST;
}
