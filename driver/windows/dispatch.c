/*
 * IRP dispatch: create/cleanup/close manage the handle's lifetime; device-control lets the
 * core decode the 16-byte request header straight from the I/O manager's system buffer (a
 * kernel copy the caller cannot change) and hands the decoded request to ioctl.c. Cleanup
 * and close hand over to teardown.c.
 */
#include "driver.h"

static VOID DivertComplete(_Inout_ PIRP irp, _In_ NTSTATUS status, _In_ ULONG_PTR information)
{
    irp->IoStatus.Status = status;
    irp->IoStatus.Information = information;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
}

_Use_decl_annotations_
NTSTATUS DivertDispatchCreate(PDEVICE_OBJECT device, PIRP irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(irp);
    DIVERT_HANDLE *handle;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(device);
    status = DivertHandleCreate(stack->FileObject, &handle);
    if (NT_SUCCESS(status))
    {
        stack->FileObject->FsContext = handle;
    }
    DivertComplete(irp, status, 0);
    return status;
}

_Use_decl_annotations_
NTSTATUS DivertDispatchCleanup(PDEVICE_OBJECT device, PIRP irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(irp);
    DIVERT_HANDLE *handle = (DIVERT_HANDLE *)stack->FileObject->FsContext;

    UNREFERENCED_PARAMETER(device);
    if (handle != NULL)
    {
        DivertHandleCleanup(handle);
    }
    DivertComplete(irp, STATUS_SUCCESS, 0);
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS DivertDispatchClose(PDEVICE_OBJECT device, PIRP irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(irp);
    DIVERT_HANDLE *handle = (DIVERT_HANDLE *)stack->FileObject->FsContext;

    UNREFERENCED_PARAMETER(device);
    if (handle != NULL)
    {
        stack->FileObject->FsContext = NULL;
        DivertHandleClose(handle);
    }
    DivertComplete(irp, STATUS_SUCCESS, 0);
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS DivertDispatchDeviceControl(PDEVICE_OBJECT device, PIRP irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(irp);
    DIVERT_HANDLE *handle = (DIVERT_HANDLE *)stack->FileObject->FsContext;
    ULONG inputLength = stack->Parameters.DeviceIoControl.InputBufferLength;
    const UINT8 *input = (const UINT8 *)irp->AssociatedIrp.SystemBuffer;
    divert_request request;
    ULONG_PTR information = 0;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(device);
    if (handle == NULL)
    {
        status = STATUS_INVALID_DEVICE_STATE;
    }
    else
    {
        /* METHOD_*_DIRECT: the input buffer (the header) was copied by the I/O manager. */
        status = DivertNtStatus(divert_request_decode(
            stack->Parameters.DeviceIoControl.IoControlCode, input,
            input == NULL ? 0 : inputLength, &request));
        /* IRP_MJ_CLEANUP waits for a request running here (a STARTUP arms the timer and
         * registers callouts cleanup must undo), and refuses new ones once it has begun. */
        if (NT_SUCCESS(status) && !ExAcquireRundownProtection(&handle->RequestRundown))
        {
            status = STATUS_INVALID_DEVICE_STATE;
        }
        else if (NT_SUCCESS(status))
        {
            status = DivertIoctl(handle, irp, &request, &information);
            ExReleaseRundownProtection(&handle->RequestRundown);
            if (status == STATUS_PENDING)
            {
                /* The request owns the IRP now (queued or already completed). */
                return STATUS_PENDING;
            }
        }
    }
    DivertComplete(irp, status, information);
    return status;
}
