/*
 * Injection resources: one injection handle per address family (network and forward
 * injection) and the NBL pool injected packets are built from (device-abi.md 9.1).
 */
#include "driver.h"

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
