/*
 * SEND (docs/spec/device-abi.md 9): the core checks the request and drives the packet loop (framing,
 * hard and soft errors, the byte count); the glue copies the address array in once, hands
 * each packet to inject.c and reports each outcome back.
 */
#include "driver.h"

_Use_decl_annotations_
NTSTATUS DivertSend(DIVERT_HANDLE *handle, PIRP irp, const divert_request *request,
                    ULONG_PTR *information)
{
    KLOCK_QUEUE_HANDLE lock;
    DIVERT_ADDRESS *addresses;
    divert_send_batch batch;
    UINT32 layer, priority, length, index, bytes = 0;
    ULONG addressBytes, dataLength;
    size_t offset;
    PVOID data;
    NTSTATUS status;

    *information = 0;
    KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
    status = DivertNtStatus(divert_handle_send(&handle->Core, request));
    layer = handle->Core.layer;
    priority = handle->Core.internal_priority;
    KeReleaseInStackQueuedSpinLock(&lock);
    if (!NT_SUCCESS(status))
    {
        return status;
    }

    status = DivertMapDataBuffer(irp, &data, &dataLength);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    /* addr_len is at most 255 x 80 bytes (checked by the core): copy it once. */
    addressBytes = (ULONG)request->u.send.addr_len;
    addresses = (DIVERT_ADDRESS *)ExAllocatePool2(POOL_FLAG_NON_PAGED, addressBytes, DIVERT_POOL_TAG);
    if (addresses == NULL)
    {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    status = DivertCopyFromUser(irp, request->u.send.addr, addressBytes, addresses);
    if (!NT_SUCCESS(status))
    {
        ExFreePoolWithTag(addresses, DIVERT_POOL_TAG);
        return status;
    }

    divert_send_begin(&batch, request);
    while (divert_send_next(&batch, (const uint8_t *)data, data == NULL ? 0 : dataLength,
                            &offset, &length, &index))
    {
        /* The packet is copied before anything reads it twice: the caller's buffer may change. */
        divert_packet_view view = divert_view_flat((const uint8_t *)data + offset, length);
        status = DivertInjectCopy(priority, layer, UNSPECIFIED_COMPARTMENT_ID, &addresses[index], &view);
        divert_send_result(&batch, DivertCoreStatus(status));
    }
    status = DivertNtStatus(divert_send_complete(&batch, &bytes));
    ExFreePoolWithTag(addresses, DIVERT_POOL_TAG);
    *information = bytes;
    return status;
}
