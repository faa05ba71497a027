/*
 * The per-handle RECV queue: captured packets/events go into the core's queue, and the
 * requests waiting for them wait in a cancel-safe queue (IoCsq) with its own spin lock.
 * Queueing a packet completes whatever RECV is waiting (the "fast path" falls out of this: a
 * waiting request and an empty queue give a batch of exactly that one packet). The classify
 * paths, REFLECT, the RECV request (recv.c) and teardown all come here; this file calls only
 * the status mapping, packet records and user-memory release.
 *
 * The RECV paths take the handle's lock first and then (inside IoCsq*) the CSQ's, so "is a
 * packet queued?" and "take the waiting request" are decided atomically; cancellation takes
 * only the CSQ's lock.
 */
#include "driver.h"

static UINT64 DivertNow(VOID)
{
    return (UINT64)KeQueryPerformanceCounter(NULL).QuadPart;
}

static IO_CSQ_INSERT_IRP DivertCsqInsert;
static IO_CSQ_REMOVE_IRP DivertCsqRemove;
static IO_CSQ_PEEK_NEXT_IRP DivertCsqPeekNext;
static IO_CSQ_ACQUIRE_LOCK DivertCsqAcquireLock;
static IO_CSQ_RELEASE_LOCK DivertCsqReleaseLock;
static IO_CSQ_COMPLETE_CANCELED_IRP DivertCsqCompleteCanceled;

#define DIVERT_CSQ_HANDLE(csq) CONTAINING_RECORD((csq), DIVERT_HANDLE, RecvCsq)

_Use_decl_annotations_
static VOID DivertCsqInsert(PIO_CSQ csq, PIRP irp)
{
    InsertTailList(&DIVERT_CSQ_HANDLE(csq)->PendingRecvs, &irp->Tail.Overlay.ListEntry);
}

_Use_decl_annotations_
static VOID DivertCsqRemove(PIO_CSQ csq, PIRP irp)
{
    UNREFERENCED_PARAMETER(csq);
    RemoveEntryList(&irp->Tail.Overlay.ListEntry);
}

/* FIFO: requests are served in arrival order; no peek context is used. */
_Use_decl_annotations_
static PIRP DivertCsqPeekNext(PIO_CSQ csq, PIRP irp, PVOID peekContext)
{
    DIVERT_HANDLE *handle = DIVERT_CSQ_HANDLE(csq);
    PLIST_ENTRY next;

    UNREFERENCED_PARAMETER(peekContext);
    next = (irp == NULL) ? handle->PendingRecvs.Flink : irp->Tail.Overlay.ListEntry.Flink;
    if (next == &handle->PendingRecvs)
    {
        return NULL;
    }
    return CONTAINING_RECORD(next, IRP, Tail.Overlay.ListEntry);
}

_Use_decl_annotations_
static VOID DivertCsqAcquireLock(PIO_CSQ csq, PKIRQL irql)
{
    KeAcquireSpinLock(&DIVERT_CSQ_HANDLE(csq)->CsqLock, irql);
}

_Use_decl_annotations_
static VOID DivertCsqReleaseLock(PIO_CSQ csq, KIRQL irql)
{
    KeReleaseSpinLock(&DIVERT_CSQ_HANDLE(csq)->CsqLock, irql);
}

_Use_decl_annotations_
static VOID DivertCsqCompleteCanceled(PIO_CSQ csq, PIRP irp)
{
    UNREFERENCED_PARAMETER(csq);
    DivertRecvFail(irp, STATUS_CANCELLED);
}

_Use_decl_annotations_
NTSTATUS DivertCsqInit(DIVERT_HANDLE *handle)
{
    KeInitializeSpinLock(&handle->CsqLock);
    InitializeListHead(&handle->PendingRecvs);
    return IoCsqInitialize(&handle->RecvCsq, DivertCsqInsert, DivertCsqRemove, DivertCsqPeekNext,
                           DivertCsqAcquireLock, DivertCsqReleaseLock, DivertCsqCompleteCanceled);
}

_Use_decl_annotations_
VOID DivertRecvContextFree(DIVERT_RECV_CONTEXT *context)
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

_Use_decl_annotations_
VOID DivertRecvFinish(PIRP irp, divert_recv_batch *batch)
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
VOID DivertRecvCancelAll(DIVERT_HANDLE *handle)
{
    PIRP irp;

    while ((irp = IoCsqRemoveNextIrp(&handle->RecvCsq, NULL)) != NULL)
    {
        DivertRecvFail(irp, STATUS_CANCELLED);
    }
}
