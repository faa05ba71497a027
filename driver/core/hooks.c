#include "core/hooks.h"

#include "divert_abi.h"

#define BIT(h) (UINT32_C(1) << (h))

bool divert_hook_ipv6(divert_hook hook)
{
    /* IPPACKET: in-v4, out-v4, in-v6, out-v6; after that the table alternates v4, v6 */
    return hook < DIVERT_HOOK_IPFORWARD_V4 ? hook >= DIVERT_HOOK_INBOUND_IPPACKET_V6 : (hook & 1) != 0;
}

uint32_t divert_hooks_for(uint32_t layer, uint64_t f)
{
    bool ip = (f & DIVERT_FILTER_FLAG_IP) != 0, ip6 = (f & DIVERT_FILTER_FLAG_IPV6) != 0;
    bool in = (f & DIVERT_FILTER_FLAG_INBOUND) != 0, out = (f & DIVERT_FILTER_FLAG_OUTBOUND) != 0;
    uint32_t hooks = 0;
    switch (layer) {
    case DIVERT_LAYER_NETWORK:
        if (in && ip) hooks |= BIT(DIVERT_HOOK_INBOUND_IPPACKET_V4);
        if (out && ip) hooks |= BIT(DIVERT_HOOK_OUTBOUND_IPPACKET_V4);
        if (in && ip6) hooks |= BIT(DIVERT_HOOK_INBOUND_IPPACKET_V6);
        if (out && ip6) hooks |= BIT(DIVERT_HOOK_OUTBOUND_IPPACKET_V6);
        return hooks;
    case DIVERT_LAYER_NETWORK_FORWARD:
        if (ip) hooks |= BIT(DIVERT_HOOK_IPFORWARD_V4);
        if (ip6) hooks |= BIT(DIVERT_HOOK_IPFORWARD_V6);
        return hooks;
    case DIVERT_LAYER_FLOW:
        if (ip) hooks |= BIT(DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V4);
        if (ip6) hooks |= BIT(DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V6);
        return hooks;
    case DIVERT_LAYER_SOCKET: {
        static const struct { uint64_t flag; divert_hook v4; divert_hook v4b; } events[] = {
            {DIVERT_FILTER_FLAG_EVENT_SOCKET_BIND, DIVERT_HOOK_ALE_RESOURCE_ASSIGNMENT_V4, DIVERT_HOOK_COUNT},
            {DIVERT_FILTER_FLAG_EVENT_SOCKET_CONNECT, DIVERT_HOOK_ALE_AUTH_CONNECT_V4, DIVERT_HOOK_COUNT},
            {DIVERT_FILTER_FLAG_EVENT_SOCKET_LISTEN, DIVERT_HOOK_ALE_AUTH_LISTEN_V4, DIVERT_HOOK_COUNT},
            {DIVERT_FILTER_FLAG_EVENT_SOCKET_ACCEPT, DIVERT_HOOK_ALE_AUTH_RECV_ACCEPT_V4, DIVERT_HOOK_COUNT},
            {DIVERT_FILTER_FLAG_EVENT_SOCKET_CLOSE, DIVERT_HOOK_ALE_RESOURCE_RELEASE_V4,
             DIVERT_HOOK_ALE_ENDPOINT_CLOSURE_V4},
        };
        for (unsigned i = 0; i < sizeof events / sizeof events[0]; i++) {
            if (!(f & events[i].flag)) {
                continue;
            }
            /* each event's v6 hook directly follows its v4 hook */
            if (ip) hooks |= BIT(events[i].v4);
            if (ip6) hooks |= BIT(events[i].v4 + 1);
            if (events[i].v4b != DIVERT_HOOK_COUNT) {
                if (ip) hooks |= BIT(events[i].v4b);
                if (ip6) hooks |= BIT(events[i].v4b + 1);
            }
        }
        return hooks;
    }
    default:
        return 0;
    }
}

bool divert_track_flow_deletion(uint32_t layer, uint64_t filter_flags)
{
    return layer == DIVERT_LAYER_FLOW && (filter_flags & DIVERT_FILTER_FLAG_EVENT_FLOW_DELETED) != 0;
}
