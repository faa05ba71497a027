/*
 * The handle table: one DIVERT_HANDLE per file object, linked into g_divert.Handles (REFLECT
 * enumerates them), reference counted (the file object, plus one per FLOW context), with
 * rundown protection for the classify paths that may still run when cleanup starts. Only
 * create, reference and release live here, so that the classify paths can hold a handle
 * without depending on teardown (teardown.c).
 */
#include "driver.h"

_Use_decl_annotations_
NTSTATUS DivertHandleCreate(PFILE_OBJECT fileObject, DIVERT_HANDLE **out)
{
    DIVERT_HANDLE *handle;
    KLOCK_QUEUE_HANDLE lock;
    NTSTATUS status;

    *out = NULL;
    /* Non-paged, non-executable and zeroed (ExAllocatePool2 defaults); about 7.6 KiB with the
     * core's handle and program (sizeof 7832 on x64), which is why it lives here and never on
     * a stack. */
    handle = (DIVERT_HANDLE *)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*handle), DIVERT_POOL_TAG);
    if (handle == NULL)
    {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    handle->RefCount = 1;   /* the file object's reference, dropped in IRP_MJ_CLOSE */
    handle->FileObject = fileObject;
    KeInitializeSpinLock(&handle->Lock);
    ExInitializeRundownProtection(&handle->Rundown);
    ExInitializeRundownProtection(&handle->RequestRundown);
    ExInitializeRundownProtection(&handle->FlowRundown);
    InitializeListHead(&handle->Flows);
    DivertTimerInit(handle);
    divert_handle_init(&handle->Core, g_divert.TicksPerMs, (uint32_t)sizeof(DIVERT_PACKET));
    status = DivertCsqInit(handle);
    if (!NT_SUCCESS(status))
    {
        ExFreePoolWithTag(handle, DIVERT_POOL_TAG);
        return status;
    }

    KeAcquireInStackQueuedSpinLock(&g_divert.HandlesLock, &lock);
    InsertTailList(&g_divert.Handles, &handle->Link);
    KeReleaseInStackQueuedSpinLock(&lock);

    *out = handle;
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID DivertHandleReference(DIVERT_HANDLE *handle)
{
    InterlockedIncrement(&handle->RefCount);
}

_Use_decl_annotations_
VOID DivertHandleRelease(DIVERT_HANDLE *handle)
{
    KLOCK_QUEUE_HANDLE lock;

    if (InterlockedDecrement(&handle->RefCount) != 0)
    {
        return;
    }
    KeAcquireInStackQueuedSpinLock(&g_divert.HandlesLock, &lock);
    RemoveEntryList(&handle->Link);
    KeReleaseInStackQueuedSpinLock(&lock);
    ExFreePoolWithTag(handle, DIVERT_POOL_TAG);
}
