/*
 * Access to user memory named by pointers inside the request header (docs/spec/device-abi.md 3):
 * probe-then-copy for small values, probe-and-lock into an MDL for buffers used at
 * completion time. Pointers travel as u64; a 32-bit (WOW64) caller can only own addresses
 * below 4 GiB, so larger values from it are rejected rather than truncated.
 */
#include "driver.h"

_IRQL_requires_(PASSIVE_LEVEL)
static NTSTATUS DivertUserAddress(_In_ PIRP irp, _In_ UINT64 value, _Out_ PVOID *address)
{
    *address = NULL;
    if (value == 0)
    {
        return STATUS_INVALID_PARAMETER;
    }
    if (IoIs32bitProcess(irp) && value > MAXULONG)
    {
        return STATUS_INVALID_PARAMETER;
    }
    if (value > (UINT64)MAXULONG_PTR)
    {
        return STATUS_INVALID_PARAMETER;
    }
    *address = (PVOID)(ULONG_PTR)value;
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS DivertReadUserU32(PIRP irp, UINT64 pointer, UINT32 *value)
{
    PVOID address;
    NTSTATUS status;
    volatile UINT32 copy = 0;

    *value = 0;
    status = DivertUserAddress(irp, pointer, &address);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    DIVERT_TRY
    {
        if (irp->RequestorMode != KernelMode)
        {
            ProbeForRead(address, sizeof(UINT32), sizeof(UINT8));
        }
        copy = *(volatile UINT32 *)address;
    }
    DIVERT_EXCEPT
    {
        return DIVERT_EXCEPTION_CODE;
    }
    *value = copy;
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS DivertCopyFromUser(PIRP irp, UINT64 pointer, ULONG length, PVOID destination)
{
    PVOID address;
    NTSTATUS status;

    status = DivertUserAddress(irp, pointer, &address);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    DIVERT_TRY
    {
        if (irp->RequestorMode != KernelMode)
        {
            ProbeForRead(address, length, sizeof(UINT8));
        }
        RtlCopyMemory(destination, address, length);
    }
    DIVERT_EXCEPT
    {
        return DIVERT_EXCEPTION_CODE;
    }
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS DivertLockUserBuffer(PIRP irp, UINT64 pointer, ULONG length, LOCK_OPERATION operation,
                              PMDL *mdl, PVOID *system)
{
    PVOID address;
    PMDL locked;
    NTSTATUS status;

    *mdl = NULL;
    *system = NULL;
    status = DivertUserAddress(irp, pointer, &address);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    locked = IoAllocateMdl(address, length, FALSE, FALSE, NULL);
    if (locked == NULL)
    {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    DIVERT_TRY
    {
        MmProbeAndLockPages(locked, irp->RequestorMode, operation);
    }
    DIVERT_EXCEPT
    {
        IoFreeMdl(locked);
        return DIVERT_EXCEPTION_CODE;
    }
    *system = MmGetSystemAddressForMdlSafe(locked, NormalPagePriority | MdlMappingNoExecute);
    if (*system == NULL)
    {
        MmUnlockPages(locked);
        IoFreeMdl(locked);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    *mdl = locked;
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID DivertUnlockUserBuffer(PMDL mdl)
{
    if (mdl != NULL)
    {
        MmUnlockPages(mdl);
        IoFreeMdl(mdl);
    }
}

_Use_decl_annotations_
NTSTATUS DivertMapDataBuffer(PIRP irp, PVOID *system, ULONG *length)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(irp);

    *system = NULL;
    *length = 0;
    if (irp->MdlAddress == NULL || stack->Parameters.DeviceIoControl.OutputBufferLength == 0)
    {
        return STATUS_SUCCESS;
    }
    *system = MmGetSystemAddressForMdlSafe(irp->MdlAddress, NormalPagePriority | MdlMappingNoExecute);
    if (*system == NULL)
    {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    *length = stack->Parameters.DeviceIoControl.OutputBufferLength;
    return STATUS_SUCCESS;
}
