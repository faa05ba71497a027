/*
 * RECV (docs/spec/device-abi.md 8): validating a request, pending it, and completing it with a batch
 * the core takes from the handle's queue; and queueing captured packets/events, which then
 * completes whatever RECV is waiting (the "fast path" falls out of this: a waiting request
 * and an empty queue give a batch of exactly that one packet).
 *
 * A request's user buffers are locked and mapped at arrival, in the caller's context, so it
 * can be completed later from any context at DISPATCH_LEVEL.
 */
#include "driver.h"

typedef struct DIVERT_RECV_CONTEXT
{
    UINT8 *Data;                   /* the request's data buffer (system mapping), or NULL */
    ULONG DataLength;
    PMDL AddressMdl;               /* the caller's address array, locked for writing */
    DIVERT_ADDRESS *Addresses;
    PMDL LengthMdl;                /* the caller's u32 at addr_len_ptr, locked for writing */
    UINT32 *Length;
    UINT32 MaxPackets;
} DIVERT_RECV_CONTEXT;

/* IoCsq keeps its pointer in DriverContext[3]; slot 0 is ours. */
#define DIVERT_RECV_CONTEXT_OF(irp) ((DIVERT_RECV_CONTEXT *)(irp)->Tail.Overlay.DriverContext[0])

static UINT64 DivertNow(VOID)
{
    return (UINT64)KeQueryPerformanceCounter(NULL).QuadPart;
}

_IRQL_requires_max_(DISPATCH_LEVEL)
static VOID DivertRecvContextFree(_In_opt_ DIVERT_RECV_CONTEXT *context)
{
    if (context == NULL)
    {
        return;
    }
    DivertUnlockUserBuffer(context->AddressMdl);
    DivertUnlockUserBuffer(context->LengthMdl);
    ExFreePoolWithTag(context, DIVERT_POOL_TAG);
}

_Use_decl_annotations_
VOID DivertRecvFail(PIRP irp, NTSTATUS status)
{
    DivertRecvContextFree(DIVERT_RECV_CONTEXT_OF(irp));
    irp->Tail.Overlay.DriverContext[0] = NULL;
    irp->IoStatus.Status = status;
    irp->IoStatus.Information = 0;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
}

/* Copies a batch into the request's buffers, frees the batch and completes the request. */
_IRQL_requires_max_(DISPATCH_LEVEL)
static VOID DivertRecvFinish(_Inout_ PIRP irp, _Inout_ divert_recv_batch *batch)
{
    DIVERT_RECV_CONTEXT *context = DIVERT_RECV_CONTEXT_OF(irp);
    divert_queue_entry *entry;
    UINT32 index = 0, offset = 0;

    for (entry = batch->entries; entry != NULL; entry = entry->next, index++)
    {
        DIVERT_PACKET *packet = DIVERT_PACKET_FROM_ENTRY(entry);
        UINT32 length = (index == 0) ? batch->first_length : entry->length;

        if (length > 0)
        {
            RtlCopyMemory(context->Data + offset, DIVERT_PACKET_DATA(packet), length);
            offset += length;
        }
        if (context->Addresses != NULL)
        {
            RtlCopyMemory(&context->Addresses[index], &packet->Address, sizeof(DIVERT_ADDRESS));
        }
    }
    if (context->Length != NULL)
    {
        *context->Length = batch->count * DIVERT_ADDRESS_SIZE;
    }
    DivertPacketFreeList(batch->entries);
    DivertPacketFreeList(batch->expired);
    DivertRecvContextFree(context);
    irp->Tail.Overlay.DriverContext[0] = NULL;
    irp->IoStatus.Status = DivertNtStatus(batch->status);
    irp->IoStatus.Information = batch->bytes;
    IoCompleteRequest(irp, IO_NETWORK_INCREMENT);
}

_Use_decl_annotations_
VOID DivertRecvService(DIVERT_HANDLE *handle)
{
    for (;;)
    {
        KLOCK_QUEUE_HANDLE lock;
        divert_queue_entry *expired;
        divert_recv_action action;
        divert_recv_batch batch = { 0 }; /* filled only for DELIVER: see DivertRecvStart */
        UINT64 now = DivertNow();
        PIRP irp;

        KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
        /* Dropping timed-out entries first makes DELIVER mean "a batch of at least one". */
        expired = divert_queue_expire(&handle->Core.queue, now);
        action = divert_handle_recv_action(&handle->Core);
        irp = (action == DIVERT_RECV_PEND) ? NULL : IoCsqRemoveNextIrp(&handle->RecvCsq, NULL);
        if (irp != NULL && action == DIVERT_RECV_DELIVER)
        {
            DIVERT_RECV_CONTEXT *context = DIVERT_RECV_CONTEXT_OF(irp);
            divert_queue_take_batch(&handle->Core.queue, now, context->DataLength,
                                    context->MaxPackets, &batch);
        }
        KeReleaseInStackQueuedSpinLock(&lock);
        DivertPacketFreeList(expired);

        if (irp == NULL)
        {
            return;
        }
        if (action == DIVERT_RECV_DELIVER)
        {
            DivertRecvFinish(irp, &batch);
        }
        else
        {
            DivertRecvFail(irp, STATUS_PIPE_EMPTY);
        }
    }
}

_Use_decl_annotations_
divert_capture_action DivertCaptureAction(DIVERT_HANDLE *handle, UINT32 event)
{
    KLOCK_QUEUE_HANDLE lock;
    divert_capture_action action;

    /* Reads the handle's state (OPEN, RECV shut down): under its lock. */
    KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
    action = divert_handle_capture_action(&handle->Core, event);
    KeReleaseInStackQueuedSpinLock(&lock);
    return action;
}

_Use_decl_annotations_
BOOLEAN DivertQueuePacket(DIVERT_HANDLE *handle, DIVERT_PACKET *packet)
{
    KLOCK_QUEUE_HANDLE lock;
    divert_queue_entry *evicted = NULL;
    BOOLEAN queued = FALSE;

    KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
    if (divert_handle_may_queue(&handle->Core))
    {
        evicted = divert_queue_push(&handle->Core.queue, &packet->Entry, DivertNow());
        queued = (evicted != &packet->Entry);
    }
    else
    {
        evicted = &packet->Entry;
        packet->Entry.next = NULL;
    }
    KeReleaseInStackQueuedSpinLock(&lock);
    DivertPacketFreeList(evicted);
    if (queued)
    {
        DivertRecvService(handle);
    }
    return queued;
}

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
    now = DivertNow();
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

_Use_decl_annotations_
VOID DivertRecvCancelAll(DIVERT_HANDLE *handle)
{
    PIRP irp;

    while ((irp = IoCsqRemoveNextIrp(&handle->RecvCsq, NULL)) != NULL)
    {
        DivertRecvFail(irp, STATUS_CANCELLED);
    }
}
