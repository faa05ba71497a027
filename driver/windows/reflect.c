/*
 * REFLECT (docs/spec/device-abi.md 12): every non-REFLECT handle's STARTUP produces an OPEN event and
 * its cleanup a CLOSE event for every started REFLECT handle whose program matches; a new
 * REFLECT handle first receives OPEN events for the handles already open. REFLECT handles do
 * not report each other. g_divert.HandlesLock orders all of this, so no handle is reported
 * twice or missed while a REFLECT handle starts. The event's data is the reported handle's
 * program as an object string plus NUL (docs/spec/device-abi.md 8), encoded by the core.
 */
#include "driver.h"

/* Queues one event about `about` on the REFLECT handle `reflect` if its program matches. */
_IRQL_requires_(DISPATCH_LEVEL)
_Requires_lock_held_(g_divert.HandlesLock)
static VOID DivertReflectReport(_Inout_ DIVERT_HANDLE *reflect, _In_ const DIVERT_HANDLE *about,
                                _In_ UINT8 event)
{
    DIVERT_ADDRESS address;
    DIVERT_PACKET *packet;
    size_t length;

    RtlZeroMemory(&address, sizeof(address));
    address.Timestamp = KeQueryPerformanceCounter(NULL).QuadPart;
    address.Reflect = about->Reflect;
    divert_event_address(DIVERT_LAYER_REFLECT, event, FALSE, reflect->Core.flags, &address);
    if (divert_filter_eval(&reflect->Core.program, DIVERT_LAYER_REFLECT, &address, NULL, NULL)
        != DIVERT_EVAL_MATCH || !DivertCaptureAction(reflect, event).queue)
    {
        return;
    }
    /* The reported handle's program is immutable once it started. REFLECT events are rare,
     * so the record is sized for the longest object string and trimmed to what was written. */
    packet = DivertPacketAllocate(DIVERT_OBJECT_MAXLEN);
    if (packet == NULL)
    {
        return;
    }
    length = divert_program_encode_object(&about->Core.program, (char *)DIVERT_PACKET_DATA(packet),
                                          DIVERT_OBJECT_MAXLEN);
    if (length == 0 || length > DIVERT_OBJECT_MAXLEN)
    {
        ExFreePoolWithTag(packet, DIVERT_POOL_TAG);
        return;
    }
    packet->Entry.length = (UINT32)length;
    packet->Address = address;
    (void)DivertQueuePacket(reflect, packet);
}

static BOOLEAN DivertIsReflect(_In_ const DIVERT_HANDLE *handle)
{
    return handle->Core.layer == DIVERT_LAYER_REFLECT;
}

_Use_decl_annotations_
VOID DivertReflectStarted(DIVERT_HANDLE *handle)
{
    KLOCK_QUEUE_HANDLE global, local;
    PLIST_ENTRY entry;

    KeAcquireInStackQueuedSpinLock(&g_divert.HandlesLock, &global);
    handle->Started = TRUE;
    for (entry = g_divert.Handles.Flink; entry != &g_divert.Handles; entry = entry->Flink)
    {
        DIVERT_HANDLE *other = CONTAINING_RECORD(entry, DIVERT_HANDLE, Link);

        if (other == handle || !other->Started || DivertIsReflect(other) == DivertIsReflect(handle))
        {
            continue;
        }
        if (DivertIsReflect(handle))
        {
            DivertReflectReport(handle, other, DIVERT_EVENT_REFLECT_OPEN);   /* the snapshot */
        }
        else
        {
            DivertReflectReport(other, handle, DIVERT_EVENT_REFLECT_OPEN);
        }
    }
    if (DivertIsReflect(handle))
    {
        KeAcquireInStackQueuedSpinLockAtDpcLevel(&handle->Lock, &local);
        divert_handle_reflect_ready(&handle->Core);
        KeReleaseInStackQueuedSpinLockFromDpcLevel(&local);
    }
    KeReleaseInStackQueuedSpinLock(&global);
    if (DivertIsReflect(handle))
    {
        DivertRecvService(handle);   /* a shut-down, drained REFLECT handle may now be at its end */
    }
}

_Use_decl_annotations_
VOID DivertReflectStopped(DIVERT_HANDLE *handle)
{
    KLOCK_QUEUE_HANDLE global;
    PLIST_ENTRY entry;

    KeAcquireInStackQueuedSpinLock(&g_divert.HandlesLock, &global);
    if (handle->Started)
    {
        handle->Started = FALSE;
        for (entry = g_divert.Handles.Flink; entry != &g_divert.Handles && !DivertIsReflect(handle);
             entry = entry->Flink)
        {
            DIVERT_HANDLE *other = CONTAINING_RECORD(entry, DIVERT_HANDLE, Link);

            if (other->Started && DivertIsReflect(other))
            {
                DivertReflectReport(other, handle, DIVERT_EVENT_REFLECT_CLOSE);
            }
        }
    }
    KeReleaseInStackQueuedSpinLock(&global);
}
