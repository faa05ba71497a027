/*
 * The seven requests of docs/spec/device-abi.md 2. Each one: the core checks the request and the
 * handle state under the handle's lock (docs/spec/device-abi.md 5, 6, 8, 9 order lives in the core);
 * the glue copies user data in or out and owns the kernel objects.
 */
#include "driver.h"

/* The driver's pointer width, reported in the handshake (docs/spec/device-abi.md 5). */
#define DIVERT_DRIVER_BITS ((UINT32)(sizeof(void *) * 8))

_IRQL_requires_(PASSIVE_LEVEL)
static NTSTATUS DivertInitialize(_Inout_ DIVERT_HANDLE *handle, _In_ PIRP irp,
                                 _In_ const divert_request *request, _Out_ ULONG_PTR *information)
{
    UINT8 version[DIVERT_VERSION_SIZE];
    KLOCK_QUEUE_HANDLE lock;
    PVOID data;
    ULONG length;
    UINT32 counter;
    NTSTATUS status;

    *information = 0;
    status = DivertMapDataBuffer(irp, &data, &length);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    /* Copy once: the core checks and answers a record the caller can no longer change. */
    RtlZeroMemory(version, sizeof(version));
    if (data != NULL)
    {
        RtlCopyMemory(version, data, min(length, (ULONG)sizeof(version)));
    }
    counter = (UINT32)InterlockedIncrement(&g_divert.InitializeCounter);

    KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
    status = DivertNtStatus(divert_handle_initialize(&handle->Core, request, version, length,
                                                     DIVERT_DRIVER_BITS, counter));
    KeReleaseInStackQueuedSpinLock(&lock);

    /* The reply is written even when a later check failed (docs/spec/device-abi.md 5, step 2). */
    if (data != NULL && length == sizeof(version))
    {
        RtlCopyMemory(data, version, sizeof(version));
        *information = sizeof(version);
    }
    return status;
}

_IRQL_requires_(PASSIVE_LEVEL)
static NTSTATUS DivertStartup(_Inout_ DIVERT_HANDLE *handle, _In_ PIRP irp,
                              _In_ const divert_request *request)
{
    KLOCK_QUEUE_HANDLE lock;
    PVOID data;
    ULONG length;
    UINT32 hooks;
    BOOLEAN track;
    NTSTATUS status;

    status = DivertMapDataBuffer(irp, &data, &length);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
    /* The core copies the program once from the mapped buffer, then validates the copy. */
    status = DivertNtStatus(divert_handle_startup(&handle->Core, request, (const uint8_t *)data,
                                                  length));
    hooks = divert_hooks_for(handle->Core.layer, handle->Core.filter_flags);
    track = divert_track_flow_deletion(handle->Core.layer, handle->Core.filter_flags);
    KeReleaseInStackQueuedSpinLock(&lock);
    if (!NT_SUCCESS(status))
    {
        return status;
    }

    handle->Reflect.Timestamp = KeQueryPerformanceCounter(NULL).QuadPart;
    handle->Reflect.ProcessId = (UINT32)(ULONG_PTR)PsGetCurrentProcessId();
    handle->Reflect.Layer = handle->Core.layer;
    handle->Reflect.Flags = handle->Core.flags;
    handle->Reflect.Priority = handle->Core.priority;
    DivertReflectStarted(handle);
    DivertTimerStart(handle);
    return DivertWfpRegister(handle, hooks, track);
}

_IRQL_requires_(PASSIVE_LEVEL)
static NTSTATUS DivertGetParam(_Inout_ DIVERT_HANDLE *handle, _In_ PIRP irp,
                               _In_ const divert_request *request, _Out_ ULONG_PTR *information)
{
    KLOCK_QUEUE_HANDLE lock;
    UINT64 value = 0;
    PVOID data;
    ULONG length;
    NTSTATUS status;

    *information = 0;
    status = DivertMapDataBuffer(irp, &data, &length);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
    status = DivertNtStatus(divert_handle_get_param(&handle->Core, request, length, &value));
    KeReleaseInStackQueuedSpinLock(&lock);
    if (NT_SUCCESS(status))
    {
        RtlCopyMemory(data, &value, sizeof(value));
        *information = sizeof(value);
    }
    return status;
}

_Use_decl_annotations_
NTSTATUS DivertIoctl(DIVERT_HANDLE *handle, PIRP irp, const divert_request *request,
                     ULONG_PTR *information)
{
    KLOCK_QUEUE_HANDLE lock;
    NTSTATUS status;

    *information = 0;
    switch (request->kind)
    {
    case DIVERT_REQUEST_INITIALIZE:
        return DivertInitialize(handle, irp, request, information);
    case DIVERT_REQUEST_STARTUP:
        return DivertStartup(handle, irp, request);
    case DIVERT_REQUEST_RECV:
        return DivertRecvStart(handle, irp, request);
    case DIVERT_REQUEST_SEND:
        return DivertSend(handle, irp, request, information);
    case DIVERT_REQUEST_GET_PARAM:
        return DivertGetParam(handle, irp, request, information);
    case DIVERT_REQUEST_SET_PARAM:
        KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
        status = DivertNtStatus(divert_handle_set_param(&handle->Core, request));
        KeReleaseInStackQueuedSpinLock(&lock);
        return status;
    case DIVERT_REQUEST_SHUTDOWN:
        KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
        status = DivertNtStatus(divert_handle_shutdown(&handle->Core, request));
        KeReleaseInStackQueuedSpinLock(&lock);
        if (NT_SUCCESS(status))
        {
            /* Waiting RECVs may now be due PIPE_EMPTY (docs/spec/device-abi.md 6.5). */
            DivertRecvService(handle);
        }
        return status;
    }
    return STATUS_INVALID_DEVICE_REQUEST;
}
