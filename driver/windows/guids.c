/*
 * divert4j's own WFP keys (spec README.md section 1: generated once with uuid4, constant,
 * never WinDivert's), and the built-in layer each sub-layer sits in. This file also defines
 * the WDK's layer GUIDs (INITGUID) for the rest of the driver.
 *
 *   provider                     971caee2-e137-439d-9413-0b08be32ba64
 *   sub-layer INBOUND_IPPACKET_V4        827ddec2-b54d-46ca-a7c9-030968d794d9
 *   sub-layer OUTBOUND_IPPACKET_V4       19a93f54-3775-4f70-a605-8efb4e329a20
 *   sub-layer INBOUND_IPPACKET_V6        50130ca6-7a90-4302-90c7-95d6f864653c
 *   sub-layer OUTBOUND_IPPACKET_V6       e59fa9cd-5056-4c4f-8ee8-e9386cf132eb
 *   sub-layer IPFORWARD_V4               d9fb15b0-e037-4c41-a329-0b7fb3a9d48e
 *   sub-layer IPFORWARD_V6               5d4a6d26-fe4c-46e3-961e-4cf4c008e17c
 *   sub-layer ALE_FLOW_ESTABLISHED_V4    4f8e1bbf-e45b-4bc5-9edf-907e1d4f3193
 *   sub-layer ALE_FLOW_ESTABLISHED_V6    afd4f12d-0d7d-4e69-8f90-a49901c836be
 *   sub-layer ALE_RESOURCE_ASSIGNMENT_V4 25a597e1-f7a7-4865-bd89-d27cf30c62d8
 *   sub-layer ALE_RESOURCE_ASSIGNMENT_V6 d53dc7c9-73fd-4451-a9d6-c8ad9d1c0a04
 *   sub-layer ALE_RESOURCE_RELEASE_V4    062c50c8-d902-4883-a67f-7e3ec5384627
 *   sub-layer ALE_RESOURCE_RELEASE_V6    aee014b3-984d-4063-a796-9b83f079fc65
 *   sub-layer ALE_AUTH_CONNECT_V4        c073e4f8-1eb0-4c56-9b50-9bef9ac9bd33
 *   sub-layer ALE_AUTH_CONNECT_V6        7646116d-eadb-409c-984f-80628b10ece1
 *   sub-layer ALE_ENDPOINT_CLOSURE_V4    a47af268-4de2-4dbf-b05a-c13a3801cf3f
 *   sub-layer ALE_ENDPOINT_CLOSURE_V6    c2fc57ce-537f-4171-bfe3-8bcc98e86eb6
 *   sub-layer ALE_AUTH_LISTEN_V4         ccb225ca-ae61-4b54-867a-099eb2b6bbcd
 *   sub-layer ALE_AUTH_LISTEN_V6         e9fe55ec-5b9e-4e95-92b0-20ababff0526
 *   sub-layer ALE_AUTH_RECV_ACCEPT_V4    113b16b0-941a-4417-84cd-3c21c73538c4
 *   sub-layer ALE_AUTH_RECV_ACCEPT_V6    d72bbe02-61af-47a7-a4c4-644a56f5accc
 *
 * Callout keys are not constant: each handle registers callouts under fresh random keys.
 */
#include <initguid.h>

#include "driver.h"

const GUID DIVERT_PROVIDER_KEY = { 0x971caee2, 0xe137, 0x439d, { 0x94, 0x13, 0x0b, 0x08, 0xbe, 0x32, 0xba, 0x64 } };

const GUID DIVERT_SUBLAYER_KEYS[DIVERT_HOOK_COUNT] =
{
    { 0x827ddec2, 0xb54d, 0x46ca, { 0xa7, 0xc9, 0x03, 0x09, 0x68, 0xd7, 0x94, 0xd9 } }, /* INBOUND_IPPACKET_V4 */
    { 0x19a93f54, 0x3775, 0x4f70, { 0xa6, 0x05, 0x8e, 0xfb, 0x4e, 0x32, 0x9a, 0x20 } }, /* OUTBOUND_IPPACKET_V4 */
    { 0x50130ca6, 0x7a90, 0x4302, { 0x90, 0xc7, 0x95, 0xd6, 0xf8, 0x64, 0x65, 0x3c } }, /* INBOUND_IPPACKET_V6 */
    { 0xe59fa9cd, 0x5056, 0x4c4f, { 0x8e, 0xe8, 0xe9, 0x38, 0x6c, 0xf1, 0x32, 0xeb } }, /* OUTBOUND_IPPACKET_V6 */
    { 0xd9fb15b0, 0xe037, 0x4c41, { 0xa3, 0x29, 0x0b, 0x7f, 0xb3, 0xa9, 0xd4, 0x8e } }, /* IPFORWARD_V4 */
    { 0x5d4a6d26, 0xfe4c, 0x46e3, { 0x96, 0x1e, 0x4c, 0xf4, 0xc0, 0x08, 0xe1, 0x7c } }, /* IPFORWARD_V6 */
    { 0x4f8e1bbf, 0xe45b, 0x4bc5, { 0x9e, 0xdf, 0x90, 0x7e, 0x1d, 0x4f, 0x31, 0x93 } }, /* ALE_FLOW_ESTABLISHED_V4 */
    { 0xafd4f12d, 0x0d7d, 0x4e69, { 0x8f, 0x90, 0xa4, 0x99, 0x01, 0xc8, 0x36, 0xbe } }, /* ALE_FLOW_ESTABLISHED_V6 */
    { 0x25a597e1, 0xf7a7, 0x4865, { 0xbd, 0x89, 0xd2, 0x7c, 0xf3, 0x0c, 0x62, 0xd8 } }, /* ALE_RESOURCE_ASSIGNMENT_V4 */
    { 0xd53dc7c9, 0x73fd, 0x4451, { 0xa9, 0xd6, 0xc8, 0xad, 0x9d, 0x1c, 0x0a, 0x04 } }, /* ALE_RESOURCE_ASSIGNMENT_V6 */
    { 0x062c50c8, 0xd902, 0x4883, { 0xa6, 0x7f, 0x7e, 0x3e, 0xc5, 0x38, 0x46, 0x27 } }, /* ALE_RESOURCE_RELEASE_V4 */
    { 0xaee014b3, 0x984d, 0x4063, { 0xa7, 0x96, 0x9b, 0x83, 0xf0, 0x79, 0xfc, 0x65 } }, /* ALE_RESOURCE_RELEASE_V6 */
    { 0xc073e4f8, 0x1eb0, 0x4c56, { 0x9b, 0x50, 0x9b, 0xef, 0x9a, 0xc9, 0xbd, 0x33 } }, /* ALE_AUTH_CONNECT_V4 */
    { 0x7646116d, 0xeadb, 0x409c, { 0x98, 0x4f, 0x80, 0x62, 0x8b, 0x10, 0xec, 0xe1 } }, /* ALE_AUTH_CONNECT_V6 */
    { 0xa47af268, 0x4de2, 0x4dbf, { 0xb0, 0x5a, 0xc1, 0x3a, 0x38, 0x01, 0xcf, 0x3f } }, /* ALE_ENDPOINT_CLOSURE_V4 */
    { 0xc2fc57ce, 0x537f, 0x4171, { 0xbf, 0xe3, 0x8b, 0xcc, 0x98, 0xe8, 0x6e, 0xb6 } }, /* ALE_ENDPOINT_CLOSURE_V6 */
    { 0xccb225ca, 0xae61, 0x4b54, { 0x86, 0x7a, 0x09, 0x9e, 0xb2, 0xb6, 0xbb, 0xcd } }, /* ALE_AUTH_LISTEN_V4 */
    { 0xe9fe55ec, 0x5b9e, 0x4e95, { 0x92, 0xb0, 0x20, 0xab, 0xab, 0xff, 0x05, 0x26 } }, /* ALE_AUTH_LISTEN_V6 */
    { 0x113b16b0, 0x941a, 0x4417, { 0x84, 0xcd, 0x3c, 0x21, 0xc7, 0x35, 0x38, 0xc4 } }, /* ALE_AUTH_RECV_ACCEPT_V4 */
    { 0xd72bbe02, 0x61af, 0x47a7, { 0xa4, 0xc4, 0x64, 0x4a, 0x56, 0xf5, 0xac, 0xcc } }, /* ALE_AUTH_RECV_ACCEPT_V6 */
};

const GUID *const DIVERT_WFP_LAYER_KEYS[DIVERT_HOOK_COUNT] =
{
    &FWPM_LAYER_INBOUND_IPPACKET_V4,
    &FWPM_LAYER_OUTBOUND_IPPACKET_V4,
    &FWPM_LAYER_INBOUND_IPPACKET_V6,
    &FWPM_LAYER_OUTBOUND_IPPACKET_V6,
    &FWPM_LAYER_IPFORWARD_V4,
    &FWPM_LAYER_IPFORWARD_V6,
    &FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4,
    &FWPM_LAYER_ALE_FLOW_ESTABLISHED_V6,
    &FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V4,
    &FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V6,
    &FWPM_LAYER_ALE_RESOURCE_RELEASE_V4,
    &FWPM_LAYER_ALE_RESOURCE_RELEASE_V6,
    &FWPM_LAYER_ALE_AUTH_CONNECT_V4,
    &FWPM_LAYER_ALE_AUTH_CONNECT_V6,
    &FWPM_LAYER_ALE_ENDPOINT_CLOSURE_V4,
    &FWPM_LAYER_ALE_ENDPOINT_CLOSURE_V6,
    &FWPM_LAYER_ALE_AUTH_LISTEN_V4,
    &FWPM_LAYER_ALE_AUTH_LISTEN_V6,
    &FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4,
    &FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V6,
};
