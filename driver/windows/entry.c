/*
 * Driver entry and unload, and the control device (docs/spec/device-abi.md 1; names in docs/spec/README.md 1).
 *
 * Load order: globals -> device + DOS link -> injection (handles, NBL pool) -> WFP (provider,
 * sub-layers). Unload runs the reverse and first waits for every injection still in
 * flight, because their completion routines free NBLs from the pool being destroyed.
 */
#include "driver.h"

/* SYSTEM and Administrators: full access; nobody else (docs/spec/device-abi.md 1). */
#define DIVERT_DEVICE_SDDL L"D:P(A;;GA;;;SY)(A;;GA;;;BA)"

/* Device class for IoCreateDeviceSecure's registry override key; ours, generated once. */
static const GUID DIVERT_DEVICE_CLASS =
    { 0x06204553, 0xad68, 0x4134, { 0xb9, 0x48, 0x5b, 0xed, 0x0d, 0xa6, 0xc2, 0x6f } };

static DRIVER_UNLOAD DivertUnload;

_IRQL_requires_(PASSIVE_LEVEL)
static VOID DivertDeleteDevice(VOID)
{
    UNICODE_STRING link;

    if (g_divert.SymbolicLinkCreated)
    {
        RtlInitUnicodeString(&link, DIVERT_DOS_DEVICE_NAME_W);
        IoDeleteSymbolicLink(&link);
        g_divert.SymbolicLinkCreated = FALSE;
    }
    if (g_divert.Device != NULL)
    {
        IoDeleteDevice(g_divert.Device);
        g_divert.Device = NULL;
    }
}

_IRQL_requires_(PASSIVE_LEVEL)
static NTSTATUS DivertCreateDevice(_In_ PDRIVER_OBJECT driver)
{
    UNICODE_STRING name, link, sddl;
    NTSTATUS status;

    RtlInitUnicodeString(&name, DIVERT_DEVICE_NAME_W);
    RtlInitUnicodeString(&link, DIVERT_DOS_DEVICE_NAME_W);
    RtlInitUnicodeString(&sddl, DIVERT_DEVICE_SDDL);

    status = IoCreateDeviceSecure(driver, 0, &name, FILE_DEVICE_NETWORK, FILE_DEVICE_SECURE_OPEN,
                                  FALSE, &sddl, &DIVERT_DEVICE_CLASS, &g_divert.Device);
    if (!NT_SUCCESS(status))
    {
        g_divert.Device = NULL;
        return status;
    }
    /* The data buffers of every IOCTL are METHOD_IN/OUT_DIRECT: mapped through MDLs. */
    g_divert.Device->Flags |= DO_DIRECT_IO;

    status = IoCreateSymbolicLink(&link, &name);
    if (!NT_SUCCESS(status))
    {
        DivertDeleteDevice();
        return status;
    }
    g_divert.SymbolicLinkCreated = TRUE;
    g_divert.Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS DriverEntry(PDRIVER_OBJECT driver, PUNICODE_STRING registryPath)
{
    NTSTATUS status;

    UNREFERENCED_PARAMETER(registryPath);
#if DBG
    NT_ASSERT(DivertShimLayerKeysPinned());
#endif

    RtlZeroMemory(&g_divert, sizeof(g_divert));
    KeInitializeSpinLock(&g_divert.HandlesLock);
    InitializeListHead(&g_divert.Handles);
    ExInitializeRundownProtection(&g_divert.InjectRundown);
    KeQueryPerformanceCounter(&g_divert.QpcFrequency);
    /* The core keeps QUEUE_TIME in performance-counter ticks (docs/spec/device-abi.md 6.3). */
    g_divert.TicksPerMs = (UINT64)g_divert.QpcFrequency.QuadPart / 1000;

    driver->MajorFunction[IRP_MJ_CREATE] = DivertDispatchCreate;
    driver->MajorFunction[IRP_MJ_CLEANUP] = DivertDispatchCleanup;
    driver->MajorFunction[IRP_MJ_CLOSE] = DivertDispatchClose;
    driver->MajorFunction[IRP_MJ_DEVICE_CONTROL] = DivertDispatchDeviceControl;
    driver->DriverUnload = DivertUnload;

    status = DivertCreateDevice(driver);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    status = DivertInjectStart();
    if (!NT_SUCCESS(status))
    {
        DivertDeleteDevice();
        return status;
    }
    status = DivertWfpStart();
    if (!NT_SUCCESS(status))
    {
        DivertInjectStop();
        DivertDeleteDevice();
        return status;
    }
    return STATUS_SUCCESS;
}

/*
 * The I/O manager calls this only once no file object references the device, so every
 * handle's callouts are already unregistered (DivertDispatchClose).
 */
_Use_decl_annotations_
static VOID DivertUnload(PDRIVER_OBJECT driver)
{
    UNREFERENCED_PARAMETER(driver);

    /* Every handle's close waited for its flow contexts before unregistering its callouts. */
#if DBG
    NT_ASSERT(g_divert.LiveFlows == 0);
#endif
    DivertWfpStop();
    /* Injections complete asynchronously; their NBLs belong to the pool freed below. */
    ExWaitForRundownProtectionRelease(&g_divert.InjectRundown);
    DivertInjectStop();
    DivertDeleteDevice();
}
