/*
 * Which interception points (WFP layers, in the order of the sub-layer table of
 * docs/spec/device-abi.md 1.2) a handle needs, from its layer and filter flags (4.2).
 */
#ifndef DIVERT_CORE_HOOKS_H
#define DIVERT_CORE_HOOKS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum divert_hook
{
    DIVERT_HOOK_INBOUND_IPPACKET_V4 = 0,
    DIVERT_HOOK_OUTBOUND_IPPACKET_V4,
    DIVERT_HOOK_INBOUND_IPPACKET_V6,
    DIVERT_HOOK_OUTBOUND_IPPACKET_V6,
    DIVERT_HOOK_IPFORWARD_V4,
    DIVERT_HOOK_IPFORWARD_V6,
    DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V4,
    DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V6,
    DIVERT_HOOK_ALE_RESOURCE_ASSIGNMENT_V4,
    DIVERT_HOOK_ALE_RESOURCE_ASSIGNMENT_V6,
    DIVERT_HOOK_ALE_RESOURCE_RELEASE_V4,
    DIVERT_HOOK_ALE_RESOURCE_RELEASE_V6,
    DIVERT_HOOK_ALE_AUTH_CONNECT_V4,
    DIVERT_HOOK_ALE_AUTH_CONNECT_V6,
    DIVERT_HOOK_ALE_ENDPOINT_CLOSURE_V4,
    DIVERT_HOOK_ALE_ENDPOINT_CLOSURE_V6,
    DIVERT_HOOK_ALE_AUTH_LISTEN_V4,
    DIVERT_HOOK_ALE_AUTH_LISTEN_V6,
    DIVERT_HOOK_ALE_AUTH_RECV_ACCEPT_V4,
    DIVERT_HOOK_ALE_AUTH_RECV_ACCEPT_V6,
    DIVERT_HOOK_COUNT
} divert_hook;

/* Bit (1 << divert_hook) for every hook to register; 0 for REFLECT or flags 0. */
uint32_t divert_hooks_for(uint32_t layer, uint64_t filter_flags);

/* FLOW: whether flow deletion must be tracked (FLOW_DELETED in the filter flags). */
bool divert_track_flow_deletion(uint32_t layer, uint64_t filter_flags);

/* The IP version a hook sees (true = IPv6). */
bool divert_hook_ipv6(divert_hook hook);

#endif
