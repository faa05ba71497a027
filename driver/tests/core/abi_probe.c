/*
 * Layout probe: compiled by the Windows cross compiler (x86_64-w64-mingw32-gcc -mms-bitfields,
 * the layout MSVC uses) and natively. Each object sits in its own section; the build extracts
 * the sections' bytes with objcopy and abi_probe_check compares them with docs/spec/device-abi.md and
 * docs/spec/filter-object.md, written down there independently of divert_abi.h. Nothing here runs.
 */
#include "divert_abi.h"

#define PROBE(sec) __attribute__((section(sec), used))

/* sizes, offsets and IOCTL codes as u32, in the order abi_probe_check expects */
PROBE(".dnums") const uint32_t probe_numbers[] = {
    sizeof(DIVERT_ADDRESS), sizeof(DIVERT_FILTER), sizeof(DIVERT_IOCTL), sizeof(DIVERT_VERSION),
    sizeof(DIVERT_DATA_NETWORK), sizeof(DIVERT_DATA_FLOW), sizeof(DIVERT_DATA_REFLECT),
    offsetof(DIVERT_ADDRESS, Timestamp), offsetof(DIVERT_ADDRESS, Reserved2),
    offsetof(DIVERT_ADDRESS, Network), offsetof(DIVERT_ADDRESS, Flow.EndpointId),
    offsetof(DIVERT_ADDRESS, Flow.ParentEndpointId), offsetof(DIVERT_ADDRESS, Flow.ProcessId),
    offsetof(DIVERT_ADDRESS, Flow.LocalAddr), offsetof(DIVERT_ADDRESS, Flow.RemoteAddr),
    offsetof(DIVERT_ADDRESS, Flow.LocalPort), offsetof(DIVERT_ADDRESS, Flow.RemotePort),
    offsetof(DIVERT_ADDRESS, Flow.Protocol), offsetof(DIVERT_ADDRESS, Socket.Protocol),
    offsetof(DIVERT_ADDRESS, Reflect.Timestamp), offsetof(DIVERT_ADDRESS, Reflect.ProcessId),
    offsetof(DIVERT_ADDRESS, Reflect.Layer), offsetof(DIVERT_ADDRESS, Reflect.Flags),
    offsetof(DIVERT_ADDRESS, Reflect.Priority), offsetof(DIVERT_FILTER, arg),
    offsetof(DIVERT_VERSION, major), offsetof(DIVERT_VERSION, minor), offsetof(DIVERT_VERSION, bits),
    offsetof(DIVERT_VERSION, reserved32), offsetof(DIVERT_VERSION, reserved64),
    offsetof(DIVERT_IOCTL, recv.addr_len_ptr), offsetof(DIVERT_IOCTL, send.addr_len),
    offsetof(DIVERT_IOCTL, initialize.priority), offsetof(DIVERT_IOCTL, initialize.flags),
    offsetof(DIVERT_IOCTL, set_param.param), offsetof(DIVERT_IOCTL, shutdown.how),
    offsetof(DIVERT_IOCTL, get_param.param), offsetof(DIVERT_IOCTL, startup.flags),
    IOCTL_DIVERT_INITIALIZE, IOCTL_DIVERT_STARTUP, IOCTL_DIVERT_RECV, IOCTL_DIVERT_SEND,
    IOCTL_DIVERT_SET_PARAM, IOCTL_DIVERT_GET_PARAM, IOCTL_DIVERT_SHUTDOWN,
};

/* address records with every member set to a distinct value */
PROBE(".daddr") const DIVERT_ADDRESS probe_addresses[] = {
    {.Timestamp = -2, .Layer = 0xAB, .Event = 0xCD, .Reserved1 = 0xEF, .Reserved2 = 0x01020304u,
     .Network = {.IfIdx = 0x11223344u, .SubIfIdx = 0x55667788u}},
    {.Sniffed = 1, .Loopback = 1, .IPv6 = 1, .TCPChecksum = 1},
    {.Outbound = 1, .Impostor = 1, .IPChecksum = 1, .UDPChecksum = 1},
    {.Flow = {.EndpointId = 0x0102030405060708ull, .ParentEndpointId = 0x1112131415161718ull,
              .ProcessId = 0x21222324u, .LocalAddr = {0x31, 0x32, 0x33, 0x34},
              .RemoteAddr = {0x41, 0x42, 0x43, 0x44}, .LocalPort = 0x5152, .RemotePort = 0x6162,
              .Protocol = 0x71}},
    {.Reflect = {.Timestamp = -3, .ProcessId = 0x81828384u, .Layer = 4, .Flags = 0x91929394ull,
                 .Priority = -30000}},
};

PROBE(".dfilt") const DIVERT_FILTER probe_filters[] = {
    {.field = 39, .test = 0, .success = 0x7FFE},
    {.field = 0x7FF, .test = 0x1F, .success = 0xFFFF, .failure = 0xFFFF, .neg = 1, .reserved = 0x7FFF,
     .arg = {1, 2, 3, 4}},
    {.field = 85, .test = 5, .success = 0x1234, .failure = 0x7FFF, .neg = 1,
     .arg = {0xA0A1A2A3u, 0xB0B1B2B3u, 0xC0C1C2C3u, 0xD0D1D2D3u}},
};

PROBE(".dioctl") const DIVERT_IOCTL probe_ioctls[] = {
    {.recv = {.addr = 0x0102030405060708ull, .addr_len_ptr = 0x1112131415161718ull}},
    {.initialize = {.layer = 3, .priority = 30005, .flags = 0x25}},
    {.set_param = {.val = 0x2122232425262728ull, .param = 2}},
    {.shutdown = {.how = 3}},
};

PROBE(".dver") const DIVERT_VERSION probe_version = {
    .magic = DIVERT_MAGIC_DLL, .major = 2, .minor = 2, .bits = 64,
    .reserved32 = {0x01010101u, 0x02020202u, 0x03030303u},
    .reserved64 = {1, 2, 3, 4},
};
