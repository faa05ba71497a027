/*
 * IRP dispatch: create/cleanup/close manage the handle's lifetime; device-control copies the
 * 16-byte request header out of the I/O manager's system buffer once (the caller cannot
 * change it afterwards) and hands it to ioctl.c.
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
    DIVERT_IOCTL header;
    ULONG inputLength = stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG_PTR information = 0;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(device);
    RtlZeroMemory(&header, sizeof(header));
    if (handle == NULL)
    {
        status = STATUS_INVALID_DEVICE_STATE;
    }
    else if (inputLength < sizeof(header) || irp->AssociatedIrp.SystemBuffer == NULL)
    {
        /* device-abi.md 2: every request carries the 16-byte header. */
        status = STATUS_INVALID_PARAMETER;
    }
    else
    {
        RtlCopyMemory(&header, irp->AssociatedIrp.SystemBuffer, sizeof(header));
        status = DivertIoctl(handle, irp, stack->Parameters.DeviceIoControl.IoControlCode, &header,
                             &information);
        if (status == STATUS_PENDING)
        {
            /* The IRP is in the handle's cancel-safe queue; it is completed from there. */
            return STATUS_PENDING;
        }
    }
    DivertComplete(irp, status, information);
    return status;
}
