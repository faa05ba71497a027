/*
 * 128-bit address words and the capture rules:
 * network candidates, what a match does, the derived address fields, hook events.
 */
#include <string.h>

#include "core/address.h"
#include "core/capture.h"
#include "support.h"

static void test_addresses(void)
{
    uint32_t w[4];
    divert_addr_from_ipv4(0x0A000001u, w);
    CHECK(w[0] == 0x0A000001u && w[1] == 0xFFFF && w[2] == 0 && w[3] == 0);
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd};
    divert_addr_from_ipv6(v6, w);
    CHECK(w[3] == 0x20010db8u && w[2] == 0 && w[1] == 0 && w[0] == 0xaabbccddu);
}

static divert_handle h;

static void open_handle(uint32_t layer, uint64_t flags)
{
    divert_handle_init(&h, 1, 0);
    h.layer = layer;
    h.flags = flags;
    h.initialized = true;
    h.state = DIVERT_HANDLE_OPEN;
}

static void test_candidates(void)
{
    open_handle(DIVERT_LAYER_NETWORK, 0);
    /* inbound, loopback, fragment, reassembled, group */
    CHECK(divert_network_candidate(&h, true, false, false, false, false));
    CHECK(!divert_network_candidate(&h, true, true, false, false, false));
    CHECK(!divert_network_candidate(&h, true, false, true, false, false));
    CHECK(divert_network_candidate(&h, true, false, false, true, false));
    CHECK(!divert_network_candidate(&h, true, false, false, false, true));
    CHECK(divert_network_candidate(&h, false, true, true, false, false));
    CHECK(!divert_network_candidate(&h, false, false, false, false, true));
    open_handle(DIVERT_LAYER_NETWORK, DIVERT_FLAG_FRAGMENTS);
    CHECK(divert_network_candidate(&h, true, false, true, false, false));
    CHECK(!divert_network_candidate(&h, true, false, false, true, false));
    CHECK(divert_network_candidate(&h, true, false, false, false, false));
    CHECK(!divert_network_candidate(&h, true, true, true, false, false));
    open_handle(DIVERT_LAYER_NETWORK_FORWARD, 0);
    CHECK(divert_network_candidate(&h, true, false, true, false, false));
}

static void test_actions(void)
{
    static const struct { uint32_t layer; uint64_t flags; uint32_t event; bool queue, block; } c[] = {
        {0, 0, 0, true, true}, {0, DIVERT_FLAG_SNIFF, 0, true, false}, {0, DIVERT_FLAG_DROP, 0, false, true},
        {1, 0, 0, true, true}, {1, DIVERT_FLAG_SNIFF, 0, true, false},
        {2, 0x05, DIVERT_EVENT_FLOW_ESTABLISHED, true, false}, {2, 0x05, DIVERT_EVENT_FLOW_DELETED, true, false},
        {3, 0x04, DIVERT_EVENT_SOCKET_CONNECT, true, true}, {3, 0x04, DIVERT_EVENT_SOCKET_CLOSE, true, false},
        {3, 0x05, DIVERT_EVENT_SOCKET_BIND, true, false}, {3, 0x06, DIVERT_EVENT_SOCKET_ACCEPT, false, true},
        {4, 0x05, DIVERT_EVENT_REFLECT_OPEN, true, false},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        open_handle(c[i].layer, c[i].flags);
        divert_capture_action a = divert_handle_capture_action(&h, c[i].event);
        CHECK_EQ(a.queue, c[i].queue);
        CHECK_EQ(a.block, c[i].block);
        h.shutdown_recv = true;                  /* RECV shut down: nothing more is queued */
        a = divert_handle_capture_action(&h, c[i].event);
        CHECK(!a.queue);
        CHECK_EQ(a.block, c[i].block);
    }
}

static void test_event_addresses(void)
{
    DIVERT_ADDRESS a;
    memset(&a, 0xFF, sizeof a);
    a.Socket.RemotePort = 99;
    a.Socket.Protocol = 17;
    divert_event_address(DIVERT_LAYER_SOCKET, DIVERT_EVENT_SOCKET_LISTEN, true, DIVERT_FLAG_RECV_ONLY, &a);
    CHECK(a.Layer == 3 && a.Event == 5 && !a.Sniffed && a.Outbound && a.Reserved1 == 0 && a.Reserved2 == 0);
    CHECK(a.Socket.RemotePort == 0 && a.Socket.RemoteAddr[3] == 0 && a.Socket.ParentEndpointId == 0);
    CHECK(a.Socket.Protocol == 6 && a.Socket.LocalPort == 0xFFFF && !a.IPChecksum && !a.UDPChecksum);
    memset(&a, 0xFF, sizeof a);
    divert_event_address(DIVERT_LAYER_SOCKET, DIVERT_EVENT_SOCKET_ACCEPT, true, DIVERT_FLAG_RECV_ONLY, &a);
    CHECK(!a.Outbound && !a.Sniffed && a.Socket.RemotePort == 0xFFFF && a.Socket.Protocol == 0xFF);
    divert_event_address(DIVERT_LAYER_SOCKET, DIVERT_EVENT_SOCKET_CLOSE, true, DIVERT_FLAG_RECV_ONLY, &a);
    CHECK(a.Outbound && a.Sniffed && a.Socket.RemotePort == 0xFFFF);
    divert_event_address(DIVERT_LAYER_SOCKET, DIVERT_EVENT_SOCKET_CLOSE, false, DIVERT_FLAG_RECV_ONLY, &a);
    CHECK(a.Socket.RemotePort == 0 && a.Socket.ParentEndpointId == 0);
    memset(&a, 0, sizeof a);
    a.IPChecksum = 1;
    divert_event_address(DIVERT_LAYER_NETWORK_FORWARD, 0, false, 0, &a);
    CHECK(a.Outbound && a.IPChecksum && !a.Sniffed && a.Layer == 1);
    divert_event_address(DIVERT_LAYER_NETWORK, 0, false, DIVERT_FLAG_SNIFF, &a);
    CHECK(a.Sniffed && a.Layer == 0);
    memset(&a, 0xFF, sizeof a);
    divert_event_address(DIVERT_LAYER_REFLECT, DIVERT_EVENT_REFLECT_CLOSE, false, 0x05, &a);
    CHECK(!a.Outbound && a.Sniffed && a.Event == 9 && !a.TCPChecksum);
}

static void test_hook_events(void)
{
    static const struct { divert_hook hook; uint32_t layer, event; } c[] = {
        {DIVERT_HOOK_INBOUND_IPPACKET_V4, 0, 0}, {DIVERT_HOOK_OUTBOUND_IPPACKET_V6, 0, 0},
        {DIVERT_HOOK_IPFORWARD_V6, 1, 0}, {DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V4, 2, 1},
        {DIVERT_HOOK_ALE_RESOURCE_ASSIGNMENT_V6, 3, 3}, {DIVERT_HOOK_ALE_AUTH_CONNECT_V4, 3, 4},
        {DIVERT_HOOK_ALE_AUTH_LISTEN_V6, 3, 5}, {DIVERT_HOOK_ALE_AUTH_RECV_ACCEPT_V4, 3, 6},
        {DIVERT_HOOK_ALE_RESOURCE_RELEASE_V4, 3, 7}, {DIVERT_HOOK_ALE_ENDPOINT_CLOSURE_V6, 3, 7},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        CHECK_EQ(divert_hook_layer(c[i].hook), c[i].layer);
        CHECK_EQ(divert_hook_event(c[i].hook), c[i].event);
    }
}

int main(void)
{
    test_addresses();
    test_candidates();
    test_actions();
    test_event_addresses();
    test_hook_events();
    return test_finish("capture");
}
