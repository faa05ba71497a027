/*
 * Cancel-safe queue of pending RECV requests, one per handle, with its own spin lock. The
 * RECV paths take the handle's lock first and then (inside IoCsq*) this one, so "is a packet
 * queued?" and "take the waiting request" are decided atomically; cancellation takes only
 * this lock.
 */
#include "driver.h"

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
