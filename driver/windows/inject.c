/*
 * Injection (docs/spec/device-abi.md 9.1): one injection handle per address family (network and forward
 * injection), the NBL pool injected packets are built from, and the asynchronous injection
 * of a private copy of each packet. The injection context is the injecting handle's internal
 * priority, which classify reads back to apply the priority rule (6.4).
 *
 * Every injection in flight holds a reference on g_divert.InjectRundown; DriverUnload waits
 * for them before it destroys the pool and the injection handles.
 */
#include "driver.h"

/* Largest ICMP "too big" reply the core builds (IPv6: 40 + 8 + 1232 bytes). */
#define DIVERT_TOO_BIG_MAX 1280

/* One packet in flight: the NBL describes Data (right after the record) through Mdl. */
typedef struct DIVERT_INJECTION
{
    PMDL Mdl;
    PNET_BUFFER_LIST Nbl;
    UINT32 Priority;
    UINT32 Layer;
    COMPARTMENT_ID Compartment;
    DIVERT_ADDRESS Address;
    UINT32 Length;
} DIVERT_INJECTION;

#define DIVERT_INJECTION_DATA(injection) ((UINT8 *)((injection) + 1))

/* Declared without the WDK typedef so it reads the same whether that is a function or a
 * pointer type. */
static void NTAPI DivertInjectComplete(_In_ void *context, _Inout_ NET_BUFFER_LIST *nbl,
                                       _In_ BOOLEAN dispatchLevel);

_IRQL_requires_max_(DISPATCH_LEVEL)
static DIVERT_INJECTION *DivertInjectionAllocate(_In_ UINT32 length)
{
    DIVERT_INJECTION *injection;

    /* The data is written whole by the caller (a copy of the packet, or the ICMP reply, whose
     * Length is then cut to what was built); only the record is cleared. */
    injection = (DIVERT_INJECTION *)ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_UNINITIALIZED,
                                                    sizeof(*injection) + length, DIVERT_POOL_TAG);
    if (injection != NULL)
    {
        RtlZeroMemory(injection, sizeof(*injection));
        injection->Length = length;
    }
    return injection;
}

_IRQL_requires_max_(DISPATCH_LEVEL)
static VOID DivertInjectionFree(_In_ __drv_freesMem(Mem) DIVERT_INJECTION *injection)
{
    if (injection->Nbl != NULL)
    {
        FwpsFreeNetBufferList0(injection->Nbl);
    }
    if (injection->Mdl != NULL)
    {
        IoFreeMdl(injection->Mdl);
    }
    ExFreePoolWithTag(injection, DIVERT_POOL_TAG);
}

/*
 * Builds the NBL and injects: forward at NETWORK_FORWARD, send for outbound NETWORK packets,
 * receive for inbound ones (9.1 step 3). On failure the injection is freed here.
 */
_IRQL_requires_max_(DISPATCH_LEVEL)
static NTSTATUS DivertInjectionSubmit(_In_ __drv_aliasesMem DIVERT_INJECTION *injection)
{
    const DIVERT_ADDRESS *address = &injection->Address;
    BOOLEAN ipv6 = (DIVERT_INJECTION_DATA(injection)[0] >> 4) == 6;
    HANDLE injectionHandle = g_divert.Injection[ipv6 ? 1 : 0];
    HANDLE context = (HANDLE)(ULONG_PTR)injection->Priority;
    NTSTATUS status;

    if (!ExAcquireRundownProtection(&g_divert.InjectRundown))
    {
        DivertInjectionFree(injection);
        return STATUS_DEVICE_NOT_READY;
    }
    injection->Mdl = IoAllocateMdl(DIVERT_INJECTION_DATA(injection), injection->Length, FALSE,
                                   FALSE, NULL);
    if (injection->Mdl == NULL)
    {
        status = STATUS_INSUFFICIENT_RESOURCES;
        goto failed;
    }
    MmBuildMdlForNonPagedPool(injection->Mdl);
    status = FwpsAllocateNetBufferAndNetBufferList0(g_divert.NblPool, 0, 0, injection->Mdl, 0,
                                                    injection->Length, &injection->Nbl);
    if (!NT_SUCCESS(status))
    {
        injection->Nbl = NULL;
        goto failed;
    }

    if (injection->Layer == DIVERT_LAYER_NETWORK_FORWARD)
    {
        status = FwpsInjectForwardAsync0(injectionHandle, context, 0,
                                         (ADDRESS_FAMILY)(ipv6 ? AF_INET6 : AF_INET),
                                         injection->Compartment, address->Network.IfIdx,
                                         injection->Nbl, DivertInjectComplete, injection);
    }
    else if (address->Outbound)
    {
        status = FwpsInjectNetworkSendAsync0(injectionHandle, context, 0, injection->Compartment,
                                             injection->Nbl, DivertInjectComplete, injection);
    }
    else
    {
        status = FwpsInjectNetworkReceiveAsync0(injectionHandle, context, 0,
                                                injection->Compartment, address->Network.IfIdx,
                                                address->Network.SubIfIdx, injection->Nbl,
                                                DivertInjectComplete, injection);
    }
    if (NT_SUCCESS(status))
    {
        return STATUS_SUCCESS;   /* DivertInjectComplete frees it and drops the rundown reference */
    }

failed:
    DivertInjectionFree(injection);
    ExReleaseRundownProtection(&g_divert.InjectRundown);
    return status;
}

/*
 * 9.1 step 4: an outbound packet larger than the path MTU comes back with "invalid buffer
 * size"; the core builds the ICMP reply, which is injected inbound on the same interface.
 */
_IRQL_requires_max_(DISPATCH_LEVEL)
static VOID DivertInjectTooBig(_In_ const DIVERT_INJECTION *original)
{
    DIVERT_INJECTION *reply;
    UINT32 length = 0;

    reply = DivertInjectionAllocate(DIVERT_TOO_BIG_MAX);
    if (reply == NULL)
    {
        return;
    }
    if (!divert_build_too_big(DIVERT_INJECTION_DATA(original), original->Length,
                              DIVERT_INJECTION_DATA(reply), DIVERT_TOO_BIG_MAX, &length))
    {
        ExFreePoolWithTag(reply, DIVERT_POOL_TAG);
        return;
    }
    reply->Length = length;
    reply->Priority = original->Priority;
    reply->Layer = DIVERT_LAYER_NETWORK;
    reply->Compartment = original->Compartment;
    reply->Address = original->Address;
    reply->Address.Outbound = 0;
    (void)DivertInjectionSubmit(reply);
}

_Use_decl_annotations_
static void NTAPI DivertInjectComplete(void *context, NET_BUFFER_LIST *nbl, BOOLEAN dispatchLevel)
{
    DIVERT_INJECTION *injection = (DIVERT_INJECTION *)context;

    UNREFERENCED_PARAMETER(dispatchLevel);
    if (NET_BUFFER_LIST_STATUS(nbl) == STATUS_INVALID_BUFFER_SIZE
        && injection->Layer == DIVERT_LAYER_NETWORK && injection->Address.Outbound
        && !injection->Address.Loopback)
    {
        DivertInjectTooBig(injection);
    }
    DivertInjectionFree(injection);
    ExReleaseRundownProtection(&g_divert.InjectRundown);
}

_Use_decl_annotations_
NTSTATUS DivertInjectCopy(UINT32 priority, UINT32 layer, COMPARTMENT_ID compartment,
                          const DIVERT_ADDRESS *address, const divert_packet_view *packet)
{
    DIVERT_INJECTION *injection;
    divert_status prepared;
    UINT32 length = packet->length;

    if (length == 0 || length > DIVERT_MTU_MAX)
    {
        return STATUS_INVALID_PARAMETER;
    }
    injection = DivertInjectionAllocate(length);
    if (injection == NULL)
    {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (!divert_view_read(packet, 0, length, DIVERT_INJECTION_DATA(injection)))
    {
        ExFreePoolWithTag(injection, DIVERT_POOL_TAG);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    injection->Priority = priority;
    injection->Layer = layer;
    injection->Compartment = compartment;
    injection->Address = *address;
    /* Checksums and the impostor TTL rule, on the private copy (9.1 steps 1-2). */
    prepared = divert_inject_prepare(DIVERT_INJECTION_DATA(injection), length, &injection->Address);
    if (prepared != DIVERT_STATUS_SUCCESS)
    {
        ExFreePoolWithTag(injection, DIVERT_POOL_TAG);
        return DivertNtStatus(prepared);
    }
    return DivertInjectionSubmit(injection);
}

_Use_decl_annotations_
NTSTATUS DivertInjectStart(VOID)
{
    NET_BUFFER_LIST_POOL_PARAMETERS params;
    NTSTATUS status;

    status = FwpsInjectionHandleCreate0(AF_INET, FWPS_INJECTION_TYPE_NETWORK | FWPS_INJECTION_TYPE_FORWARD,
                                        &g_divert.Injection[0]);
    if (!NT_SUCCESS(status))
    {
        g_divert.Injection[0] = NULL;
        return status;
    }
    status = FwpsInjectionHandleCreate0(AF_INET6, FWPS_INJECTION_TYPE_NETWORK | FWPS_INJECTION_TYPE_FORWARD,
                                        &g_divert.Injection[1]);
    if (!NT_SUCCESS(status))
    {
        g_divert.Injection[1] = NULL;
        DivertInjectStop();
        return status;
    }

    RtlZeroMemory(&params, sizeof(params));
    params.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    params.Header.Revision = NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    params.Header.Size = NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    params.ProtocolId = NDIS_PROTOCOL_ID_DEFAULT;
    params.fAllocateNetBuffer = TRUE;
    params.PoolTag = DIVERT_POOL_TAG;
    g_divert.NblPool = NdisAllocateNetBufferListPool(NULL, &params);
    if (g_divert.NblPool == NULL)
    {
        DivertInjectStop();
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID DivertInjectStop(VOID)
{
    ULONG i;

    if (g_divert.NblPool != NULL)
    {
        NdisFreeNetBufferListPool(g_divert.NblPool);
        g_divert.NblPool = NULL;
    }
    for (i = 0; i < RTL_NUMBER_OF(g_divert.Injection); i++)
    {
        if (g_divert.Injection[i] != NULL)
        {
            FwpsInjectionHandleDestroy0(g_divert.Injection[i]);
            g_divert.Injection[i] = NULL;
        }
    }
}
