/*
 * Classify for the IP packet layers (NETWORK, in/out, v4/v6) and the forward layers
 * (NETWORK_FORWARD), docs/spec/device-abi.md 12 "Capture decision". Each NET_BUFFER is read in place
 * through the core's packet view, parsed and evaluated by the core; matching buffers are
 * copied (inline, here) into packet records and queued, or dropped (DROP); when the core says
 * the original is blocked (not SNIFF), the other buffers of the list are re-injected and the
 * list is blocked and absorbed. Runs at IRQL <= DISPATCH_LEVEL.
 */
#include "driver.h"

typedef struct DIVERT_NETWORK_CONTEXT
{
    DIVERT_HANDLE *Handle;
    UINT32 Layer;                  /* DIVERT_LAYER_NETWORK or _FORWARD */
    BOOLEAN Inbound;               /* inbound IP packet layer: data starts after the IP header */
    BOOLEAN IPv6;
    BOOLEAN Loopback;              /* WFP condition flags of the list */
    BOOLEAN Reassembled;
    BOOLEAN FragmentGroup;
    ULONG IpHeaderSize;            /* inbound: how far to retreat to reach the IP header */
    COMPARTMENT_ID Compartment;    /* re-injection goes back where the list was classified */
    DIVERT_ADDRESS Address;        /* template for every buffer of the list */
} DIVERT_NETWORK_CONTEXT;

static UINT32 DivertValueU32(_In_ const FWPS_INCOMING_VALUES0 *values, _In_ UINT32 index)
{
    const FWP_VALUE0 *value = &values->incomingValue[index].value;
    return (value->type == FWP_UINT32) ? value->uint32 : 0;
}

/*
 * Fills what the address says about the whole list (docs/spec/device-abi.md 7.1). The checksum bits
 * come from the NBL's offload information, with the original's sense: outbound 1 = the stack
 * already computed it (no offload requested); inbound 1 = the NIC did not report success.
 */
_IRQL_requires_max_(DISPATCH_LEVEL)
static VOID DivertNetworkAddress(_Inout_ DIVERT_NETWORK_CONTEXT *context, _In_ divert_hook hook,
                                 _In_ const FWPS_INCOMING_VALUES0 *values, _In_ PNET_BUFFER_LIST nbl,
                                 _In_ BOOLEAN loopback, _In_ BOOLEAN impostor)
{
    DIVERT_ADDRESS *address = &context->Address;
    NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO checksum;
    BOOLEAN outbound;

    RtlZeroMemory(address, sizeof(*address));
    checksum.Value = NET_BUFFER_LIST_INFO(nbl, TcpIpChecksumNetBufferListInfo);
    address->Impostor = impostor;
    address->IPv6 = context->IPv6;
    switch (hook)
    {
    case DIVERT_HOOK_IPFORWARD_V4:
    case DIVERT_HOOK_IPFORWARD_V6:
        outbound = TRUE;
        address->Network.IfIdx = DivertValueU32(values, context->IPv6
            ? FWPS_FIELD_IPFORWARD_V6_DESTINATION_INTERFACE_INDEX
            : FWPS_FIELD_IPFORWARD_V4_DESTINATION_INTERFACE_INDEX);
        break;
    case DIVERT_HOOK_OUTBOUND_IPPACKET_V4:
    case DIVERT_HOOK_OUTBOUND_IPPACKET_V6:
        outbound = TRUE;
        address->Loopback = loopback;
        address->Network.IfIdx = DivertValueU32(values, context->IPv6
            ? FWPS_FIELD_OUTBOUND_IPPACKET_V6_INTERFACE_INDEX
            : FWPS_FIELD_OUTBOUND_IPPACKET_V4_INTERFACE_INDEX);
        address->Network.SubIfIdx = DivertValueU32(values, context->IPv6
            ? FWPS_FIELD_OUTBOUND_IPPACKET_V6_SUB_INTERFACE_INDEX
            : FWPS_FIELD_OUTBOUND_IPPACKET_V4_SUB_INTERFACE_INDEX);
        break;
    default:
        outbound = FALSE;
        address->Network.IfIdx = DivertValueU32(values, context->IPv6
            ? FWPS_FIELD_INBOUND_IPPACKET_V6_INTERFACE_INDEX
            : FWPS_FIELD_INBOUND_IPPACKET_V4_INTERFACE_INDEX);
        address->Network.SubIfIdx = DivertValueU32(values, context->IPv6
            ? FWPS_FIELD_INBOUND_IPPACKET_V6_SUB_INTERFACE_INDEX
            : FWPS_FIELD_INBOUND_IPPACKET_V4_SUB_INTERFACE_INDEX);
        break;
    }
    address->Outbound = outbound;
    if (outbound)
    {
        address->IPChecksum = !checksum.Transmit.IpHeaderChecksum;
        address->TCPChecksum = !checksum.Transmit.TcpChecksum;
        address->UDPChecksum = !checksum.Transmit.UdpChecksum;
    }
    else
    {
        address->IPChecksum = !checksum.Receive.IpChecksumSucceeded;
        address->TCPChecksum = !checksum.Receive.TcpChecksumSucceeded;
        address->UDPChecksum = !checksum.Receive.UdpChecksumSucceeded;
    }
    /* Layer, Event, Sniffed and the forward layer's fixed fields are the core's. */
    divert_event_address(context->Layer, DIVERT_EVENT_NETWORK_PACKET, FALSE,
                         context->Handle->Core.flags, address);
}

_IRQL_requires_max_(DISPATCH_LEVEL)
static VOID DivertFromIpHeader(_In_ const DIVERT_NETWORK_CONTEXT *context, _Inout_ PNET_BUFFER buffer)
{
    if (context->Inbound && context->IpHeaderSize != 0)
    {
        NdisAdvanceNetBufferDataStart(buffer, context->IpHeaderSize, FALSE, NULL);
    }
}

/*
 * Moves an inbound buffer's start back to its IP header (DivertFromIpHeader undoes it). The
 * metadata gives one header size for the whole indication, so each buffer's own header must
 * agree with it (IPv4: version and IHL; IPv6: version); a buffer where it does not is left
 * where it was and FALSE returned, as when the retreat itself fails.
 */
_IRQL_requires_max_(DISPATCH_LEVEL)
static BOOLEAN DivertToIpHeader(_In_ const DIVERT_NETWORK_CONTEXT *context, _Inout_ PNET_BUFFER buffer)
{
    divert_packet_view view;
    UINT8 first;

    if (!context->Inbound || context->IpHeaderSize == 0)
    {
        return TRUE;
    }
    /* The IP header is still in the buffer's MDLs, so no backfill MDL is ever allocated. */
    if (NdisRetreatNetBufferDataStart(buffer, context->IpHeaderSize, 0, NULL) != NDIS_STATUS_SUCCESS)
    {
        return FALSE;
    }
    view = DivertNetBufferView(buffer);
    if (divert_view_read(&view, 0, 1, &first) &&
        (context->IPv6 ? (first >> 4) == 6 : first == (UINT8)(0x40 | (context->IpHeaderSize / 4))))
    {
        return TRUE;
    }
    DivertFromIpHeader(context, buffer);
    return FALSE;
}

/*
 * Parses one buffer (at its IP header); the core says whether it is a candidate for this
 * handle at all (fragments, loopback, fragment groups: docs/spec/device-abi.md 12) and whether the
 * handle's program matches it.
 */
_IRQL_requires_max_(DISPATCH_LEVEL)
static BOOLEAN DivertNetworkMatch(_In_ const DIVERT_NETWORK_CONTEXT *context,
                                  _In_ const divert_packet_view *view)
{
    divert_packet packet;

    if (!divert_parse_driver(view, context->IPv6, &packet) ||
        !divert_network_candidate(&context->Handle->Core, context->Inbound, context->Loopback,
                                  packet.fragment, context->Reassembled, context->FragmentGroup))
    {
        return FALSE;
    }
    return divert_filter_eval(&context->Handle->Core.program, context->Layer, &context->Address,
                              view, &packet) == DIVERT_EVAL_MATCH;
}

/* Copies the buffer (at its IP header) into a new packet record with the list's address. */
_IRQL_requires_max_(DISPATCH_LEVEL)
static DIVERT_PACKET *DivertNetworkCopy(_In_ const DIVERT_NETWORK_CONTEXT *context,
                                        _In_ const divert_packet_view *view)
{
    DIVERT_PACKET *packet = DivertPacketAllocate(view->length);

    if (packet == NULL)
    {
        return NULL;
    }
    packet->Address = context->Address;
    packet->Compartment = context->Compartment;
    packet->Address.Timestamp = KeQueryPerformanceCounter(NULL).QuadPart;
    if (!divert_view_read(view, 0, view->length, DIVERT_PACKET_DATA(packet)))
    {
        ExFreePoolWithTag(packet, DIVERT_POOL_TAG);
        return NULL;
    }
    return packet;
}

_IRQL_requires_max_(DISPATCH_LEVEL)
static UINT32 DivertNetworkFlags(_In_ divert_hook hook, _In_ const FWPS_INCOMING_VALUES0 *values)
{
    switch (hook)
    {
    case DIVERT_HOOK_INBOUND_IPPACKET_V4:  return DivertValueU32(values, FWPS_FIELD_INBOUND_IPPACKET_V4_FLAGS);
    case DIVERT_HOOK_INBOUND_IPPACKET_V6:  return DivertValueU32(values, FWPS_FIELD_INBOUND_IPPACKET_V6_FLAGS);
    case DIVERT_HOOK_OUTBOUND_IPPACKET_V4: return DivertValueU32(values, FWPS_FIELD_OUTBOUND_IPPACKET_V4_FLAGS);
    case DIVERT_HOOK_OUTBOUND_IPPACKET_V6: return DivertValueU32(values, FWPS_FIELD_OUTBOUND_IPPACKET_V6_FLAGS);
    case DIVERT_HOOK_IPFORWARD_V4:         return DivertValueU32(values, FWPS_FIELD_IPFORWARD_V4_FLAGS);
    default:                               return DivertValueU32(values, FWPS_FIELD_IPFORWARD_V6_FLAGS);
    }
}

_IRQL_requires_max_(DISPATCH_LEVEL)
static VOID DivertNetworkClassify(_Inout_ DIVERT_NETWORK_CONTEXT *context, _In_ PNET_BUFFER_LIST nbl,
                                  _Inout_ FWPS_CLASSIFY_OUT0 *classifyOut)
{
    DIVERT_HANDLE *handle = context->Handle;
    divert_capture_action action;
    PNET_BUFFER buffer, first = NULL;
    ULONG firstIndex = 0, index;
    BOOLEAN unusable = FALSE;

    /* Pass 1: find the first matching buffer (none: the list continues untouched) and whether
     * every buffer could be put back on the wire; one that could not (not at its IP header, or
     * longer than any packet record, as LSO/RSC lists can be) forbids blocking the list. */
    for (buffer = NET_BUFFER_LIST_FIRST_NB(nbl), index = 0; buffer != NULL;
         buffer = NET_BUFFER_NEXT_NB(buffer), index++)
    {
        divert_packet_view view;

        if (!DivertToIpHeader(context, buffer))
        {
            unusable = TRUE;
            continue;
        }
        view = DivertNetBufferView(buffer);
        if (view.length == 0 || view.length > DIVERT_MTU_MAX)
        {
            unusable = TRUE;
        }
        else if (first == NULL && DivertNetworkMatch(context, &view))
        {
            first = buffer;
            firstIndex = index;
        }
        DivertFromIpHeader(context, buffer);
    }
    if (first == NULL)
    {
        return;
    }

    /* Pass 2: what a match does is the core's (divert, SNIFF copy, DROP); when the original
     * list is blocked the buffers that did not match are put back on the wire, and so is a
     * match that could not be copied: it passes as if it had not matched, never lost. */
    action = DivertCaptureAction(handle, DIVERT_EVENT_NETWORK_PACKET);
    if (action.block && unusable)
    {
        return;   /* blocking would lose a buffer nothing can re-inject: the list continues */
    }
    for (buffer = NET_BUFFER_LIST_FIRST_NB(nbl), index = 0; buffer != NULL;
         buffer = NET_BUFFER_NEXT_NB(buffer), index++)
    {
        divert_packet_view view;
        BOOLEAN match, reinject;

        if (!DivertToIpHeader(context, buffer))
        {
            continue;   /* only when not blocking: the buffer continues with the list */
        }
        view = DivertNetBufferView(buffer);
        match = (index == firstIndex) ||
                (index > firstIndex && view.length <= DIVERT_MTU_MAX && DivertNetworkMatch(context, &view));
        reinject = !match;
        if (match && action.queue)
        {
            DIVERT_PACKET *packet = DivertNetworkCopy(context, &view);
            if (packet != NULL)
            {
                (void)DivertQueuePacket(handle, packet);
            }
            else
            {
                reinject = TRUE;
            }
        }
        if (reinject && action.block)
        {
            /* Re-injected with this handle's priority: only lower ones see it again. */
            (void)DivertInjectCopy(handle->Core.internal_priority, context->Layer,
                                   context->Compartment, &context->Address, &view);
        }
        DivertFromIpHeader(context, buffer);
    }

    if (action.block)
    {
        classifyOut->actionType = FWP_ACTION_BLOCK;
        classifyOut->flags |= FWPS_CLASSIFY_OUT_FLAG_ABSORB;
        classifyOut->rights &= ~FWPS_RIGHT_ACTION_WRITE;
    }
}

_Use_decl_annotations_
VOID NTAPI DivertClassifyNetwork(const FWPS_INCOMING_VALUES0 *inFixedValues,
                                 const FWPS_INCOMING_METADATA_VALUES0 *inMetaValues, void *layerData,
                                 const FWPS_FILTER0 *filter, UINT64 flowContext,
                                 FWPS_CLASSIFY_OUT0 *classifyOut)
{
    const DIVERT_CALLOUT *callout = (const DIVERT_CALLOUT *)(ULONG_PTR)filter->context;
    PNET_BUFFER_LIST nbl = (PNET_BUFFER_LIST)layerData;
    DIVERT_NETWORK_CONTEXT context;
    FWPS_PACKET_INJECTION_STATE injection;
    HANDLE injectionContext = NULL;
    BOOLEAN loopback;
    UINT32 flags;

    UNREFERENCED_PARAMETER(flowContext);
    if ((classifyOut->rights & FWPS_RIGHT_ACTION_WRITE) == 0 || nbl == NULL)
    {
        return;   /* a higher-weight filter already decided */
    }
    classifyOut->actionType = FWP_ACTION_CONTINUE;

    RtlZeroMemory(&context, sizeof(context));
    context.Handle = callout->Handle;
    context.IPv6 = divert_hook_ipv6(callout->Hook);
    context.Layer = divert_hook_layer(callout->Hook);
    context.Inbound = (callout->Hook == DIVERT_HOOK_INBOUND_IPPACKET_V4 ||
                       callout->Hook == DIVERT_HOOK_INBOUND_IPPACKET_V6);
    /* The injection functions take the compartment classify reported, UNSPECIFIED otherwise. */
    context.Compartment = FWPS_IS_METADATA_FIELD_PRESENT(inMetaValues, FWPS_METADATA_FIELD_COMPARTMENT_ID)
        ? (COMPARTMENT_ID)inMetaValues->compartmentId : UNSPECIFIED_COMPARTMENT_ID;
    if (context.Inbound && FWPS_IS_METADATA_FIELD_PRESENT(inMetaValues, FWPS_METADATA_FIELD_IP_HEADER_SIZE))
    {
        context.IpHeaderSize = inMetaValues->ipHeaderSize;
    }

    flags = DivertNetworkFlags(callout->Hook, inFixedValues);
    loopback = (flags & FWP_CONDITION_FLAG_IS_LOOPBACK) != 0;
    context.Loopback = loopback;
    context.Reassembled = (flags & FWP_CONDITION_FLAG_IS_REASSEMBLED) != 0;
    context.FragmentGroup = (flags & FWP_CONDITION_FLAG_IS_FRAGMENT_GROUP) != 0;

    injection = FwpsQueryPacketInjectionState0(g_divert.Injection[context.IPv6 ? 1 : 0], nbl,
                                               &injectionContext);
    if ((injection == FWPS_PACKET_INJECTED_BY_SELF || injection == FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF)
        && !divert_handle_sees_injected(&context.Handle->Core, (UINT32)(ULONG_PTR)injectionContext))
    {
        return;   /* our own injection at this priority or lower: not for this handle (6.4) */
    }

    if (!ExAcquireRundownProtection(&context.Handle->Rundown))
    {
        return;   /* the handle is being cleaned up */
    }
    DivertNetworkAddress(&context, callout->Hook, inFixedValues, nbl, loopback,
                         injection == FWPS_PACKET_INJECTED_BY_OTHER);
    DivertNetworkClassify(&context, nbl, classifyOut);
    ExReleaseRundownProtection(&context.Handle->Rundown);
}
