/*
 * Classify for the ALE layers: FLOW (flow established, and flow deletion through an
 * associated flow context) and SOCKET (bind, connect, listen, accept, close), docs/spec/device-abi.md
 * 7.1, 7.2 and 12. The event's address record is built from WFP's values and completed by
 * the core; the core's program decides whether it matches and the core's capture rules what
 * a match does (FLOW never blocks; SOCKET blocks all but CLOSE unless SNIFF).
 * Runs at IRQL <= DISPATCH_LEVEL.
 */
#include "driver.h"

#define DIVERT_NO_FIELD 0xFF

/* Where each ALE layer keeps what the address needs (fwpsk.h field indices); the event, and
 * which of these fields an event reports, are the core's (divert_hook_event,
 * divert_event_address). */
typedef struct DIVERT_ALE_LAYOUT
{
    UINT8 LocalAddress;
    UINT8 LocalPort;
    UINT8 Protocol;                /* DIVERT_NO_FIELD: LISTEN (the core reports TCP) */
    UINT8 RemoteAddress;           /* DIVERT_NO_FIELD: the layer knows no remote end */
    UINT8 RemotePort;
    UINT8 Flags;
    UINT8 Direction;               /* FLOW only */
} DIVERT_ALE_LAYOUT;

#define ALE_FULL(prefix) \
    { prefix##_IP_LOCAL_ADDRESS, prefix##_IP_LOCAL_PORT, prefix##_IP_PROTOCOL, \
      prefix##_IP_REMOTE_ADDRESS, prefix##_IP_REMOTE_PORT, prefix##_FLAGS, DIVERT_NO_FIELD }
#define ALE_LOCAL(prefix, protocol) \
    { prefix##_IP_LOCAL_ADDRESS, prefix##_IP_LOCAL_PORT, protocol, DIVERT_NO_FIELD, \
      DIVERT_NO_FIELD, prefix##_FLAGS, DIVERT_NO_FIELD }
#define ALE_FLOW(prefix) \
    { prefix##_IP_LOCAL_ADDRESS, prefix##_IP_LOCAL_PORT, prefix##_IP_PROTOCOL, \
      prefix##_IP_REMOTE_ADDRESS, prefix##_IP_REMOTE_PORT, prefix##_FLAGS, prefix##_DIRECTION }

/* Indexed by divert_hook - DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V4. */
static const DIVERT_ALE_LAYOUT DIVERT_ALE_LAYOUTS[DIVERT_HOOK_COUNT - DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V4] =
{
    ALE_FLOW(FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4),
    ALE_FLOW(FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6),
    ALE_LOCAL(FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V4, FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V4_IP_PROTOCOL),
    ALE_LOCAL(FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V6, FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V6_IP_PROTOCOL),
    ALE_LOCAL(FWPS_FIELD_ALE_RESOURCE_RELEASE_V4, FWPS_FIELD_ALE_RESOURCE_RELEASE_V4_IP_PROTOCOL),
    ALE_LOCAL(FWPS_FIELD_ALE_RESOURCE_RELEASE_V6, FWPS_FIELD_ALE_RESOURCE_RELEASE_V6_IP_PROTOCOL),
    ALE_FULL(FWPS_FIELD_ALE_AUTH_CONNECT_V4),
    ALE_FULL(FWPS_FIELD_ALE_AUTH_CONNECT_V6),
    ALE_FULL(FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4),
    ALE_FULL(FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V6),
    ALE_LOCAL(FWPS_FIELD_ALE_AUTH_LISTEN_V4, DIVERT_NO_FIELD),
    ALE_LOCAL(FWPS_FIELD_ALE_AUTH_LISTEN_V6, DIVERT_NO_FIELD),
    ALE_FULL(FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4),
    ALE_FULL(FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6),
};

static const FWP_VALUE0 *DivertAleValue(_In_ const FWPS_INCOMING_VALUES0 *values, _In_ UINT8 index)
{
    if (index == DIVERT_NO_FIELD || index >= values->valueCount)
    {
        return NULL;
    }
    return &values->incomingValue[index].value;
}

static UINT32 DivertAleU32(_In_ const FWPS_INCOMING_VALUES0 *values, _In_ UINT8 index)
{
    const FWP_VALUE0 *value = DivertAleValue(values, index);

    if (value == NULL)
    {
        return 0;
    }
    switch (value->type)
    {
    case FWP_UINT8:  return value->uint8;
    case FWP_UINT16: return value->uint16;
    case FWP_UINT32: return value->uint32;
    default:         return 0;
    }
}

/* An address field as the record's 128-bit words (the core's encoding); FWP_EMPTY (e.g. an
 * implicit bind) stays all-zero. */
static VOID DivertAleAddress(_In_ const FWPS_INCOMING_VALUES0 *values, _In_ UINT8 index,
                             _Out_writes_(4) UINT32 *words)
{
    const FWP_VALUE0 *value = DivertAleValue(values, index);

    words[0] = words[1] = words[2] = words[3] = 0;
    if (value == NULL)
    {
        return;
    }
    if (value->type == FWP_UINT32)
    {
        divert_addr_from_ipv4(value->uint32, words);   /* WFP gives IPv4 in host order */
    }
    else if (value->type == FWP_BYTE_ARRAY16_TYPE && value->byteArray16 != NULL)
    {
        divert_addr_from_ipv6(value->byteArray16->byteArray16, words);
    }
}

/* The event's address: what WFP says, then the fields the core derives (7.1, 7.2). */
_IRQL_requires_max_(DISPATCH_LEVEL)
static VOID DivertAleFill(_In_ const DIVERT_HANDLE *handle, _In_ divert_hook hook,
                          _In_ const DIVERT_ALE_LAYOUT *layout, _In_ const FWPS_INCOMING_VALUES0 *values,
                          _In_ const FWPS_INCOMING_METADATA_VALUES0 *meta, _In_ UINT32 flags,
                          _Out_ DIVERT_ADDRESS *address)
{
    DIVERT_DATA_FLOW *data = &address->Flow;   /* FLOW and SOCKET share the layout */

    RtlZeroMemory(address, sizeof(*address));
    address->Timestamp = KeQueryPerformanceCounter(NULL).QuadPart;
    address->Loopback = (flags & FWP_CONDITION_FLAG_IS_LOOPBACK) != 0;
    address->IPv6 = divert_hook_ipv6(hook);
    if (layout->Direction != DIVERT_NO_FIELD)
    {
        address->Outbound = DivertAleU32(values, layout->Direction) == FWP_DIRECTION_OUTBOUND;
    }
    if (FWPS_IS_METADATA_FIELD_PRESENT(meta, FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE))
    {
        data->EndpointId = meta->transportEndpointHandle;
    }
    if (FWPS_IS_METADATA_FIELD_PRESENT(meta, FWPS_METADATA_FIELD_PARENT_ENDPOINT_HANDLE))
    {
        data->ParentEndpointId = meta->parentEndpointHandle;
    }
    if (FWPS_IS_METADATA_FIELD_PRESENT(meta, FWPS_METADATA_FIELD_PROCESS_ID))
    {
        data->ProcessId = (UINT32)meta->processId;
    }
    DivertAleAddress(values, layout->LocalAddress, data->LocalAddr);
    DivertAleAddress(values, layout->RemoteAddress, data->RemoteAddr);
    data->LocalPort = (UINT16)DivertAleU32(values, layout->LocalPort);
    data->RemotePort = (UINT16)DivertAleU32(values, layout->RemotePort);
    data->Protocol = (UINT8)DivertAleU32(values, layout->Protocol);
    divert_event_address(divert_hook_layer(hook), divert_hook_event(hook),
                         layout->RemoteAddress != DIVERT_NO_FIELD, handle->Core.flags, address);
}

/*
 * Evaluates an event with the handle's program; on a match does what the core says (queue a
 * record, block the socket operation). TRUE when the operation must be blocked.
 */
_IRQL_requires_max_(DISPATCH_LEVEL)
static BOOLEAN DivertAleReport(_Inout_ DIVERT_HANDLE *handle, _In_ const DIVERT_ADDRESS *address)
{
    divert_capture_action action;
    DIVERT_PACKET *packet;

    if (divert_filter_eval(&handle->Core.program, handle->Core.layer, address, NULL, NULL)
        != DIVERT_EVAL_MATCH)
    {
        return FALSE;
    }
    action = DivertCaptureAction(handle, address->Event);
    if (action.queue)
    {
        packet = DivertPacketAllocate(0);   /* FLOW and SOCKET events carry no data */
        if (packet != NULL)
        {
            packet->Address = *address;
            (void)DivertQueuePacket(handle, packet);
        }
    }
    return action.block;
}

/* A flow context's end: its references go (the handle's last may free it: non-paged, fine at
 * DISPATCH), after the flow count the close waits for. */
_IRQL_requires_max_(DISPATCH_LEVEL)
static VOID DivertFlowFree(_In_ __drv_freesMem(Mem) DIVERT_FLOW *flow)
{
    DIVERT_HANDLE *handle = flow->Handle;

    ExFreePoolWithTag(flow, DIVERT_POOL_TAG);
    InterlockedDecrement(&g_divert.LiveFlows);
    ExReleaseRundownProtection(&handle->FlowRundown);
    DivertHandleRelease(handle);
}

/* FLOW_DELETED tracking: the context WFP hands back to DivertFlowDelete. */
_IRQL_requires_max_(DISPATCH_LEVEL)
static VOID DivertFlowTrack(_Inout_ DIVERT_HANDLE *handle, _In_ const DIVERT_CALLOUT *callout,
                            _In_ const FWPS_INCOMING_VALUES0 *values,
                            _In_ const FWPS_INCOMING_METADATA_VALUES0 *meta,
                            _In_ const DIVERT_ADDRESS *address)
{
    KLOCK_QUEUE_HANDLE lock;
    DIVERT_FLOW *flow;
    NTSTATUS status;

    if (!FWPS_IS_METADATA_FIELD_PRESENT(meta, FWPS_METADATA_FIELD_FLOW_HANDLE) ||
        !ExAcquireRundownProtection(&handle->FlowRundown))
    {
        return;
    }
    flow = (DIVERT_FLOW *)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*flow), DIVERT_POOL_TAG);
    if (flow == NULL)
    {
        ExReleaseRundownProtection(&handle->FlowRundown);
        return;
    }
    InterlockedIncrement(&g_divert.LiveFlows);
    flow->Handle = handle;
    flow->FlowId = meta->flowHandle;
    flow->LayerId = values->layerId;
    flow->CalloutId = callout->CalloutId;
    flow->Address = *address;
    flow->Address.Event = DIVERT_EVENT_FLOW_DELETED;
    DivertHandleReference(handle);

    /* Listed before it is associated: DivertFlowDelete may run as soon as it is. */
    KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
    InsertTailList(&handle->Flows, &flow->Link);
    flow->Listed = TRUE;
    KeReleaseInStackQueuedSpinLock(&lock);

    status = FwpsFlowAssociateContext0(flow->FlowId, flow->LayerId, flow->CalloutId,
                                       (UINT64)(ULONG_PTR)flow);
    if (!NT_SUCCESS(status))
    {
        KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
        if (flow->Listed)
        {
            RemoveEntryList(&flow->Link);
            flow->Listed = FALSE;
        }
        KeReleaseInStackQueuedSpinLock(&lock);
        DivertFlowFree(flow);
    }
}

_Use_decl_annotations_
VOID NTAPI DivertClassifyAle(const FWPS_INCOMING_VALUES0 *inFixedValues,
                             const FWPS_INCOMING_METADATA_VALUES0 *inMetaValues, void *layerData,
                             const FWPS_FILTER0 *filter, UINT64 flowContext,
                             FWPS_CLASSIFY_OUT0 *classifyOut)
{
    const DIVERT_CALLOUT *callout = (const DIVERT_CALLOUT *)(ULONG_PTR)filter->context;
    DIVERT_HANDLE *handle = callout->Handle;
    const DIVERT_ALE_LAYOUT *layout;
    DIVERT_ADDRESS address;
    UINT32 flags, event;
    BOOLEAN block;

    UNREFERENCED_PARAMETER(layerData);
    UNREFERENCED_PARAMETER(flowContext);
    if ((classifyOut->rights & FWPS_RIGHT_ACTION_WRITE) == 0 ||
        callout->Hook < DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V4)
    {
        return;
    }
    classifyOut->actionType = FWP_ACTION_CONTINUE;
    layout = &DIVERT_ALE_LAYOUTS[callout->Hook - DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V4];
    event = divert_hook_event(callout->Hook);
    flags = DivertAleU32(inFixedValues, layout->Flags);
    if ((event == DIVERT_EVENT_SOCKET_CONNECT || event == DIVERT_EVENT_SOCKET_ACCEPT)
        && (flags & FWP_CONDITION_FLAG_IS_REAUTHORIZE))
    {
        return;   /* re-authorizations are not new events (docs/spec/device-abi.md 7.2) */
    }
    if (!ExAcquireRundownProtection(&handle->Rundown))
    {
        return;
    }
    DivertAleFill(handle, callout->Hook, layout, inFixedValues, inMetaValues, flags, &address);
    block = DivertAleReport(handle, &address);
    if (event == DIVERT_EVENT_FLOW_ESTABLISHED &&
        divert_track_flow_deletion(handle->Core.layer, handle->Core.filter_flags))
    {
        DivertFlowTrack(handle, callout, inFixedValues, inMetaValues, &address);
    }
    if (block)
    {
        classifyOut->actionType = FWP_ACTION_BLOCK;
        classifyOut->rights &= ~FWPS_RIGHT_ACTION_WRITE;
    }
    ExReleaseRundownProtection(&handle->Rundown);
}

_Use_decl_annotations_
VOID NTAPI DivertFlowDelete(UINT16 layerId, UINT32 calloutId, UINT64 flowContext)
{
    DIVERT_FLOW *flow = (DIVERT_FLOW *)(ULONG_PTR)flowContext;
    DIVERT_HANDLE *handle = flow->Handle;
    KLOCK_QUEUE_HANDLE lock;

    UNREFERENCED_PARAMETER(layerId);
    UNREFERENCED_PARAMETER(calloutId);
    KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
    if (flow->Listed)
    {
        RemoveEntryList(&flow->Link);
        flow->Listed = FALSE;
    }
    KeReleaseInStackQueuedSpinLock(&lock);

    /* A deletion caused by the handle's own cleanup is not reported. */
    if (ExAcquireRundownProtection(&handle->Rundown))
    {
        flow->Address.Timestamp = KeQueryPerformanceCounter(NULL).QuadPart;
        (void)DivertAleReport(handle, &flow->Address);
        ExReleaseRundownProtection(&handle->Rundown);
    }
    DivertFlowFree(flow);
}

_Use_decl_annotations_
VOID DivertFlowRemoveAll(DIVERT_HANDLE *handle)
{
    for (;;)
    {
        KLOCK_QUEUE_HANDLE lock;
        DIVERT_FLOW *flow;
        UINT64 flowId;
        UINT16 layerId;
        UINT32 calloutId;

        KeAcquireInStackQueuedSpinLock(&handle->Lock, &lock);
        if (IsListEmpty(&handle->Flows))
        {
            KeReleaseInStackQueuedSpinLock(&lock);
            return;
        }
        flow = CONTAINING_RECORD(RemoveHeadList(&handle->Flows), DIVERT_FLOW, Link);
        flow->Listed = FALSE;
        flowId = flow->FlowId;
        layerId = flow->LayerId;
        calloutId = flow->CalloutId;
        KeReleaseInStackQueuedSpinLock(&lock);

        /* WFP calls DivertFlowDelete for it, which frees it: now (STATUS_SUCCESS), or once a
         * classification of the flow in progress ends (STATUS_PENDING: close waits for it,
         * FlowRundown). The flow may also have ended on its own meanwhile (STATUS_UNSUCCESSFUL:
         * its DivertFlowDelete is running or ran). */
        (void)FwpsFlowRemoveContext0(flowId, layerId, calloutId);
    }
}
