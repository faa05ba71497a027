/*
 * Queue expiry: a periodic timer per handle drops packets older than QUEUE_TIME (the core's
 * divert_queue_expire decides which) so they do not hold memory until the next RECV.
 */
#include "driver.h"

static KDEFERRED_ROUTINE DivertExpiryDpc;

_Use_decl_annotations_
static VOID DivertExpiryDpc(PKDPC dpc, PVOID context, PVOID argument1, PVOID argument2)
{
    DIVERT_HANDLE *handle = (DIVERT_HANDLE *)context;
    KLOCK_QUEUE_HANDLE lock;
    divert_queue_entry *expired;

    UNREFERENCED_PARAMETER(dpc);
    UNREFERENCED_PARAMETER(argument1);
    UNREFERENCED_PARAMETER(argument2);
    KeAcquireInStackQueuedSpinLockAtDpcLevel(&handle->Lock, &lock);
    expired = divert_queue_expire(&handle->Core.queue, (UINT64)KeQueryPerformanceCounter(NULL).QuadPart);
    KeReleaseInStackQueuedSpinLockFromDpcLevel(&lock);
    DivertPacketFreeList(expired);
}

_Use_decl_annotations_
VOID DivertTimerInit(DIVERT_HANDLE *handle)
{
    KeInitializeTimerEx(&handle->ExpiryTimer, NotificationTimer);
    KeInitializeDpc(&handle->ExpiryDpc, DivertExpiryDpc, handle);
}

_Use_decl_annotations_
VOID DivertTimerStart(DIVERT_HANDLE *handle)
{
    LARGE_INTEGER due;

    if (handle->TimerStarted)
    {
        return;
    }
    due.QuadPart = -(LONGLONG)DIVERT_EXPIRY_PERIOD_MS * 10000;   /* relative, 100 ns units */
    KeSetTimerEx(&handle->ExpiryTimer, due, DIVERT_EXPIRY_PERIOD_MS, &handle->ExpiryDpc);
    handle->TimerStarted = TRUE;
}

_Use_decl_annotations_
VOID DivertTimerStop(DIVERT_HANDLE *handle)
{
    if (!handle->TimerStarted)
    {
        return;
    }
    KeCancelTimer(&handle->ExpiryTimer);
    /* A DPC already queued may still run: wait for it before the handle can be freed. */
    KeFlushQueuedDpcs();
    handle->TimerStarted = FALSE;
}
