/*
 * Teardown of a handle (docs/spec/device-abi.md 12, "Close"), called only by dispatch.c. It is the one
 * place that reaches into every other part of the glue (REFLECT, WFP, FLOW contexts, timer,
 * injection, the RECV queue), so it sits above them and handle.c does not have to.
 *
 *   IRP_MJ_CLEANUP  wait for DEVICE_CONTROL requests still running (a STARTUP on another
 *                   thread) and refuse new ones -> REFLECT close event -> delete the filters (no new classify) -> wait for
 *                   running classifies -> detach FLOW contexts -> stop the expiry timer ->
 *                   the core empties the queue: re-inject or free -> cancel pending RECVs
 *   IRP_MJ_CLOSE    (timer stopped, session closed, as cleanup left them) -> unregister the
 *                   callouts -> drop the file object's reference -> free
 */
#include "driver.h"

_Use_decl_annotations_
VOID DivertHandleCleanup(DIVERT_HANDLE *handle)
{
    KLOCK_QUEUE_HANDLE lock;
    divert_queue_entry *reinject, *discard, *entry;
    UINT32 layer, priority;

    ExWaitForRundownProtectionRelease(&handle->RequestRundown);
    DivertReflectStopped(handle);
    DivertWfpStopCapture(handle);
    ExWaitForRundownProtectionRelease(&handle->Rundown);
    DivertFlowRemoveAll(handle);
    DivertTimerStop(handle);

    KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
    divert_handle_close(&handle->Core, (uint64_t)KeQueryPerformanceCounter(NULL).QuadPart,
                        &reinject, &discard);
    layer = handle->Core.layer;
    priority = handle->Core.internal_priority;
    KeReleaseInStackQueuedSpinLock(&lock);

    for (entry = reinject; entry != NULL; entry = entry->next)
    {
        DIVERT_PACKET *packet = DIVERT_PACKET_FROM_ENTRY(entry);
        divert_packet_view view = divert_view_flat(DIVERT_PACKET_DATA(packet), entry->length);
        (void)DivertInjectCopy(priority, layer, packet->Compartment, &packet->Address, &view);
    }
    DivertPacketFreeList(reinject);
    DivertPacketFreeList(discard);
    DivertRecvCancelAll(handle);
}

_Use_decl_annotations_
VOID DivertHandleClose(DIVERT_HANDLE *handle)
{
    /* Both no-ops after a normal cleanup; they keep a timer or a filter from outliving the
     * handle whatever ran after it. */
    DivertTimerStop(handle);
    DivertWfpStopCapture(handle);
    DivertWfpUnregister(handle);
    DivertHandleRelease(handle);
}
