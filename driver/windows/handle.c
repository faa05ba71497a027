/*
 * The handle table: one DIVERT_HANDLE per file object, linked into g_divert.Handles (REFLECT
 * needs to enumerate them), reference counted, with rundown protection for the paths (WFP
 * classify, injection completion, the expiry DPC) that may still run while it is torn down.
 */
#include "driver.h"

_Use_decl_annotations_
NTSTATUS DivertHandleCreate(PFILE_OBJECT fileObject, DIVERT_HANDLE **out)
{
    DIVERT_HANDLE *handle;
    KLOCK_QUEUE_HANDLE lock;
    NTSTATUS status;

    *out = NULL;
    /* POOL_FLAG_NON_PAGED is non-executable and zeroed unless asked otherwise. */
    handle = (DIVERT_HANDLE *)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*handle), DIVERT_POOL_TAG);
    if (handle == NULL)
    {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    handle->RefCount = 1;   /* the file object's reference, dropped in IRP_MJ_CLOSE */
    handle->FileObject = fileObject;
    KeInitializeSpinLock(&handle->Lock);
    ExInitializeRundownProtection(&handle->Rundown);
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

_Use_decl_annotations_
VOID DivertHandleCleanup(DIVERT_HANDLE *handle)
{
    PIRP irp;

    /* Pending RECVs end with STATUS_CANCELLED (ERROR_OPERATION_ABORTED, device-abi.md 11.2). */
    while ((irp = IoCsqRemoveNextIrp(&handle->RecvCsq, NULL)) != NULL)
    {
        irp->IoStatus.Status = STATUS_CANCELLED;
        irp->IoStatus.Information = 0;
        IoCompleteRequest(irp, IO_NO_INCREMENT);
    }
}

_Use_decl_annotations_
VOID DivertHandleClose(DIVERT_HANDLE *handle)
{
    DivertHandleRelease(handle);
}
