/*
 * What a handle does with traffic (docs/spec/device-abi.md 6.2, 7.1, 7.2, 12): which network packets
 * are candidates at all, what a match does (queue, block), and the address fields derived
 * from the layer, event and open flags.
 */
#ifndef DIVERT_CORE_CAPTURE_H
#define DIVERT_CORE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/hooks.h"
#include "divert_abi.h"
#include "core/handle.h"

/*
 * Is a packet seen at a NETWORK/NETWORK_FORWARD hook a candidate for this handle's filter
 * (12, "Fragments", "Loopback")? WFP fragment-group indications and inbound loopback
 * indications never are; at NETWORK inbound, a FRAGMENTS handle takes fragments and skips
 * reassembled packets, any other handle skips fragments (its filter result is forced false).
 * Outbound and forwarded fragments are always candidates. `fragment` is the parser's flag.
 */
bool divert_network_candidate(const divert_handle *h, bool inbound, bool loopback, bool fragment,
                              bool reassembled, bool fragment_group);

typedef struct divert_capture_action
{
    bool queue;   /* put a packet/event record on the handle's queue */
    bool block;   /* the original does not continue (absorbed or dropped) */
} divert_capture_action;

/*
 * What a match does (6.2, 7.2, 12): NETWORK layers - divert (queue + block), SNIFF (queue a
 * copy), DROP (block only); FLOW and REFLECT - queue, never block; SOCKET - queue (not with
 * DROP) and block unless SNIFF or the event is CLOSE. Nothing is queued once RECV is shut
 * down or the handle is not OPEN; blocking is not affected by that.
 */
divert_capture_action divert_handle_capture_action(const divert_handle *h, uint32_t event);

/*
 * Fills the fields of a RECV address the driver derives itself (7.1, 7.2), after the host
 * set Timestamp, IPv6, Loopback/Impostor/checksum bits and the layer data from WFP:
 * Layer, Event, Sniffed (SNIFF or SOCKET CLOSE), reserved fields 0; NETWORK_FORWARD
 * Outbound 1; SOCKET Outbound (0 only for ACCEPT), and for BIND, LISTEN and a CLOSE without
 * a known remote (resource release) the remote address/port and parent endpoint 0; LISTEN
 * protocol 6; REFLECT Outbound 0. Checksum bits are 0 outside the network layers.
 */
void divert_event_address(uint32_t layer, uint32_t event, bool remote_known, uint64_t open_flags,
                          DIVERT_ADDRESS *addr);

/* The layer of a hook's events. */
uint32_t divert_hook_layer(divert_hook hook);

/* The event a hook reports (FLOW: ESTABLISHED; deletions are reported without a hook). */
uint32_t divert_hook_event(divert_hook hook);

#endif
