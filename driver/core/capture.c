#include "core/capture.h"

bool divert_network_candidate(const divert_handle *h, bool inbound, bool loopback, bool fragment,
                              bool reassembled, bool fragment_group)
{
    if (fragment_group) {
        return false;
    }
    if (h->layer != DIVERT_LAYER_NETWORK || !inbound) {
        return true;
    }
    if (loopback) {
        return false;
    }
    return (h->flags & DIVERT_FLAG_FRAGMENTS) ? !reassembled : !fragment;
}

divert_capture_action divert_handle_capture_action(const divert_handle *h, uint32_t event)
{
    divert_capture_action a = {false, false};
    bool sniff = (h->flags & DIVERT_FLAG_SNIFF) != 0, drop = (h->flags & DIVERT_FLAG_DROP) != 0;
    switch (h->layer) {
    case DIVERT_LAYER_NETWORK:
    case DIVERT_LAYER_NETWORK_FORWARD:
        a.queue = !drop;
        a.block = !sniff;
        break;
    case DIVERT_LAYER_SOCKET:
        a.queue = !drop;
        a.block = !sniff && event != DIVERT_EVENT_SOCKET_CLOSE;
        break;
    default:
        a.queue = true;
        break;
    }
    a.queue = a.queue && divert_handle_may_queue(h);
    return a;
}

void divert_event_address(uint32_t layer, uint32_t event, bool remote_known, uint64_t open_flags,
                          DIVERT_ADDRESS *addr)
{
    addr->Layer = layer & 0xFFu;
    addr->Event = event & 0xFFu;
    addr->Sniffed = (open_flags & DIVERT_FLAG_SNIFF) != 0 || event == DIVERT_EVENT_SOCKET_CLOSE;
    addr->Reserved1 = 0;
    addr->Reserved2 = 0;
    if (layer > DIVERT_LAYER_NETWORK_FORWARD) {
        addr->IPChecksum = addr->TCPChecksum = addr->UDPChecksum = 0;
    }
    switch (layer) {
    case DIVERT_LAYER_NETWORK_FORWARD:
        addr->Outbound = 1;
        addr->Loopback = 0;
        break;
    case DIVERT_LAYER_SOCKET:
        addr->Outbound = event != DIVERT_EVENT_SOCKET_ACCEPT;
        if (event == DIVERT_EVENT_SOCKET_BIND || event == DIVERT_EVENT_SOCKET_LISTEN
            || (event == DIVERT_EVENT_SOCKET_CLOSE && !remote_known)) {
            for (int i = 0; i < 4; i++) {
                addr->Socket.RemoteAddr[i] = 0;
            }
            addr->Socket.RemotePort = 0;
            addr->Socket.ParentEndpointId = 0;
        }
        if (event == DIVERT_EVENT_SOCKET_LISTEN) {
            addr->Socket.Protocol = 6;
        }
        break;
    case DIVERT_LAYER_REFLECT:
        addr->Outbound = 0;
        break;
    default:
        break;
    }
}

uint32_t divert_hook_layer(divert_hook hook)
{
    if (hook <= DIVERT_HOOK_OUTBOUND_IPPACKET_V6) {
        return DIVERT_LAYER_NETWORK;
    }
    if (hook <= DIVERT_HOOK_IPFORWARD_V6) {
        return DIVERT_LAYER_NETWORK_FORWARD;
    }
    if (hook <= DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V6) {
        return DIVERT_LAYER_FLOW;
    }
    return DIVERT_LAYER_SOCKET;
}

uint32_t divert_hook_event(divert_hook hook)
{
    switch (hook) {
    case DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V4:
    case DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V6:
        return DIVERT_EVENT_FLOW_ESTABLISHED;
    case DIVERT_HOOK_ALE_RESOURCE_ASSIGNMENT_V4:
    case DIVERT_HOOK_ALE_RESOURCE_ASSIGNMENT_V6:
        return DIVERT_EVENT_SOCKET_BIND;
    case DIVERT_HOOK_ALE_AUTH_CONNECT_V4:
    case DIVERT_HOOK_ALE_AUTH_CONNECT_V6:
        return DIVERT_EVENT_SOCKET_CONNECT;
    case DIVERT_HOOK_ALE_AUTH_LISTEN_V4:
    case DIVERT_HOOK_ALE_AUTH_LISTEN_V6:
        return DIVERT_EVENT_SOCKET_LISTEN;
    case DIVERT_HOOK_ALE_AUTH_RECV_ACCEPT_V4:
    case DIVERT_HOOK_ALE_AUTH_RECV_ACCEPT_V6:
        return DIVERT_EVENT_SOCKET_ACCEPT;
    case DIVERT_HOOK_ALE_RESOURCE_RELEASE_V4:
    case DIVERT_HOOK_ALE_RESOURCE_RELEASE_V6:
    case DIVERT_HOOK_ALE_ENDPOINT_CLOSURE_V4:
    case DIVERT_HOOK_ALE_ENDPOINT_CLOSURE_V6:
        return DIVERT_EVENT_SOCKET_CLOSE;
    default:
        return DIVERT_EVENT_NETWORK_PACKET;
    }
}
