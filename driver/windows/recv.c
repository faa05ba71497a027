/*
 * RECV (docs/spec/device-abi.md 8): validating a request and either completing it at once with a batch
 * the core takes from the handle's queue, or pending it in the queue's CSQ (queue.c completes
 * it when a packet arrives).
 *
 * A request's user buffers are locked and mapped at arrival, in the caller's context, so it
 * can be completed later from any context at DISPATCH_LEVEL.
 */
#include "driver.h"

_Use_decl_annotations_
NTSTATUS DivertRecvStart(DIVERT_HANDLE *handle, PIRP irp, const divert_request *request)
{
    DIVERT_RECV_CONTEXT *context;
    KLOCK_QUEUE_HANDLE lock;
    UINT32 addressLength = 0, maxPackets = 0;
    divert_queue_entry *expired;
    divert_recv_action action;
    /* Filled only when the action is DELIVER; MSVC (C4701, /W4 /WX) does not correlate the
     * two tests of the action and would reject the build if it were left uninitialised. */
    divert_recv_batch batch = { 0 };
    UINT64 now;
    PVOID data;
    ULONG dataLength;
    NTSTATUS status;

    /* Probe-then-copy the caller's address-array length once; the core checks the copy. */
    if (request->u.recv.addr_len_ptr != 0)
    {
        status = DivertReadUserU32(irp, request->u.recv.addr_len_ptr, &addressLength);
        if (!NT_SUCCESS(status))
        {
            return status;
        }
    }
    KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
    status = DivertNtStatus(divert_handle_recv(&handle->Core, request, addressLength, &maxPackets));
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
    context = (DIVERT_RECV_CONTEXT *)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*context),
                                                     DIVERT_POOL_TAG);
    if (context == NULL)
    {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    context->Data = (UINT8 *)data;
    context->DataLength = dataLength;
    context->MaxPackets = maxPackets;
    if (request->u.recv.addr != 0)
    {
        status = DivertLockUserBuffer(irp, request->u.recv.addr, maxPackets * DIVERT_ADDRESS_SIZE,
                                      IoWriteAccess, &context->AddressMdl,
                                      (PVOID *)&context->Addresses);
    }
    if (NT_SUCCESS(status) && request->u.recv.addr_len_ptr != 0)
    {
        status = DivertLockUserBuffer(irp, request->u.recv.addr_len_ptr, sizeof(UINT32),
                                      IoWriteAccess, &context->LengthMdl, (PVOID *)&context->Length);
    }
    if (!NT_SUCCESS(status))
    {
        DivertRecvContextFree(context);
        return status;
    }
    irp->Tail.Overlay.DriverContext[0] = context;

    /* From here on this function owns the IRP: it completes or queues it, never returns it. */
    IoMarkIrpPending(irp);
    now = (UINT64)KeQueryPerformanceCounter(NULL).QuadPart;
    KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
    /* Checked again atomically with queueing: cleanup may have closed the handle meanwhile,
     * and a request queued after its cancel sweep would never complete. */
    status = DivertNtStatus(divert_handle_recv(&handle->Core, request, addressLength, &maxPackets));
    if (!NT_SUCCESS(status))
    {
        KeReleaseInStackQueuedSpinLock(&lock);
        DivertRecvFail(irp, status);
        return STATUS_PENDING;
    }
    expired = divert_queue_expire(&handle->Core.queue, now);
    action = divert_handle_recv_action(&handle->Core);
    if (action == DIVERT_RECV_DELIVER)
    {
        divert_queue_take_batch(&handle->Core.queue, now, dataLength, maxPackets, &batch);
    }
    else if (action == DIVERT_RECV_PEND)
    {
        IoCsqInsertIrp(&handle->RecvCsq, irp, NULL);
    }
    KeReleaseInStackQueuedSpinLock(&lock);
    DivertPacketFreeList(expired);

    if (action == DIVERT_RECV_DELIVER)
    {
        DivertRecvFinish(irp, &batch);
    }
    else if (action == DIVERT_RECV_PIPE_EMPTY)
    {
        DivertRecvFail(irp, STATUS_PIPE_EMPTY);
    }
    return STATUS_PENDING;
}
