/*
 * divert4j device ABI: the user <-> driver protocol of WinDivert 2.2, byte for byte,
 * under divert4j's names (spec: docs/spec/device-abi.md, docs/spec/filter-object.md a.1).
 *
 * Shared by the Windows driver, the portable core, the Linux host and the tests. It must
 * compile unchanged with MSVC, mingw-w64 (-mms-bitfields) and gcc/clang, and needs nothing
 * but <stdint.h>: no Windows or OS header may be pulled in from here.
 */
#ifndef DIVERT_ABI_H
#define DIVERT_ABI_H

#include <stddef.h>
#include <stdint.h>

#if defined(_MSC_VER) && !defined(__clang__)
#define DIVERT_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define DIVERT_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* ---- Names (ours, so divert4j and an installed WinDivert never collide) ---------------- */
#define DIVERT_DEVICE_NAME_W         L"\\Device\\Divert4j"
#define DIVERT_DOS_DEVICE_NAME_W     L"\\??\\Divert4j"
#define DIVERT_USER_DEVICE_PATH_W    L"\\\\.\\Divert4j"
#define DIVERT_SERVICE_NAME_W        L"divert4j"
#define DIVERT_DRIVER_FILE_W         L"divert4j.sys"
#define DIVERT_INSTALL_MUTEX_W       L"Divert4jDriverInstallMutex"

/* ---- Version handshake (docs/spec/device-abi.md section 5) ---------------------------------------- */
#define DIVERT_MAGIC_DLL             UINT64_C(0x4C4C447669645724) /* "$WdivDLL" */
#define DIVERT_MAGIC_SYS             UINT64_C(0x5359537669645723) /* "#WdivSYS" */
#define DIVERT_VERSION_MAJOR         2
#define DIVERT_VERSION_MINOR         2

/* ---- Layers (section 6.1) ---------------------------------------------------------------- */
#define DIVERT_LAYER_NETWORK         0
#define DIVERT_LAYER_NETWORK_FORWARD 1
#define DIVERT_LAYER_FLOW            2
#define DIVERT_LAYER_SOCKET          3
#define DIVERT_LAYER_REFLECT         4
#define DIVERT_LAYER_MAX             DIVERT_LAYER_REFLECT

/* ---- Events (section 6.1) ---------------------------------------------------------------- */
#define DIVERT_EVENT_NETWORK_PACKET   0
#define DIVERT_EVENT_FLOW_ESTABLISHED 1
#define DIVERT_EVENT_FLOW_DELETED     2
#define DIVERT_EVENT_SOCKET_BIND      3
#define DIVERT_EVENT_SOCKET_CONNECT   4
#define DIVERT_EVENT_SOCKET_LISTEN    5
#define DIVERT_EVENT_SOCKET_ACCEPT    6
#define DIVERT_EVENT_SOCKET_CLOSE     7
#define DIVERT_EVENT_REFLECT_OPEN     8
#define DIVERT_EVENT_REFLECT_CLOSE    9
#define DIVERT_EVENT_MAX              DIVERT_EVENT_REFLECT_CLOSE

/* ---- Open flags (section 6.2) ------------------------------------------------------------ */
#define DIVERT_FLAG_SNIFF            UINT64_C(0x0001)
#define DIVERT_FLAG_DROP             UINT64_C(0x0002)
#define DIVERT_FLAG_RECV_ONLY        UINT64_C(0x0004)
#define DIVERT_FLAG_READ_ONLY        DIVERT_FLAG_RECV_ONLY
#define DIVERT_FLAG_SEND_ONLY        UINT64_C(0x0008)
#define DIVERT_FLAG_WRITE_ONLY       DIVERT_FLAG_SEND_ONLY
#define DIVERT_FLAG_NO_INSTALL       UINT64_C(0x0010)
#define DIVERT_FLAG_FRAGMENTS        UINT64_C(0x0020)
#define DIVERT_FLAGS_ALL             UINT64_C(0x003F)

/* ---- Filter flags (docs/spec/filter-object.md (c), docs/spec/device-abi.md 4.2) ----------------------------- */
#define DIVERT_FILTER_FLAG_INBOUND               UINT64_C(0x0010)
#define DIVERT_FILTER_FLAG_OUTBOUND              UINT64_C(0x0020)
#define DIVERT_FILTER_FLAG_IP                    UINT64_C(0x0040)
#define DIVERT_FILTER_FLAG_IPV6                  UINT64_C(0x0080)
#define DIVERT_FILTER_FLAG_EVENT_FLOW_DELETED    UINT64_C(0x0100)
#define DIVERT_FILTER_FLAG_EVENT_SOCKET_BIND     UINT64_C(0x0200)
#define DIVERT_FILTER_FLAG_EVENT_SOCKET_CONNECT  UINT64_C(0x0400)
#define DIVERT_FILTER_FLAG_EVENT_SOCKET_LISTEN   UINT64_C(0x0800)
#define DIVERT_FILTER_FLAG_EVENT_SOCKET_ACCEPT   UINT64_C(0x1000)
#define DIVERT_FILTER_FLAG_EVENT_SOCKET_CLOSE    UINT64_C(0x2000)
#define DIVERT_FILTER_FLAGS_ALL                  UINT64_C(0x3FF0)

/* ---- Parameters (section 6.3) ------------------------------------------------------------ */
#define DIVERT_PARAM_QUEUE_LENGTH    0
#define DIVERT_PARAM_QUEUE_TIME      1
#define DIVERT_PARAM_QUEUE_SIZE      2
#define DIVERT_PARAM_VERSION_MAJOR   3
#define DIVERT_PARAM_VERSION_MINOR   4
#define DIVERT_PARAM_MAX             DIVERT_PARAM_VERSION_MINOR

#define DIVERT_PARAM_QUEUE_LENGTH_DEFAULT  4096
#define DIVERT_PARAM_QUEUE_LENGTH_MIN      32
#define DIVERT_PARAM_QUEUE_LENGTH_MAX      16384
#define DIVERT_PARAM_QUEUE_TIME_DEFAULT    2000      /* ms */
#define DIVERT_PARAM_QUEUE_TIME_MIN        100
#define DIVERT_PARAM_QUEUE_TIME_MAX        16000
#define DIVERT_PARAM_QUEUE_SIZE_DEFAULT    4194304   /* bytes */
#define DIVERT_PARAM_QUEUE_SIZE_MIN        65535
#define DIVERT_PARAM_QUEUE_SIZE_MAX        33554432

/* ---- Shutdown (section 6.5) -------------------------------------------------------------- */
#define DIVERT_SHUTDOWN_RECV         1
#define DIVERT_SHUTDOWN_SEND         2
#define DIVERT_SHUTDOWN_BOTH         3

/* ---- Priority and limits (sections 6.4, 6.6) -------------------------------------------- */
#define DIVERT_PRIORITY_HIGHEST      30000
#define DIVERT_PRIORITY_LOWEST       (-30000)
#define DIVERT_PRIORITY_WIRE_OFFSET  30000  /* on the wire: u32 = priority + 30000 */
#define DIVERT_BATCH_MAX             255
#define DIVERT_MTU_MAX               (40 + 0xFFFF)
#define DIVERT_FILTER_MAXLEN         255    /* instructions the driver accepts */
#define DIVERT_FILTER_COMPILE_MAXLEN 256    /* instructions the compiler may emit */
#define DIVERT_WORK_QUEUE_LENGTH_MAX 4096

/* ---- Filter instruction record (docs/spec/filter-object.md a.1, a.2) ------------------------------ */
#define DIVERT_FILTER_TEST_EQ        0
#define DIVERT_FILTER_TEST_NEQ       1
#define DIVERT_FILTER_TEST_LT        2
#define DIVERT_FILTER_TEST_LEQ       3
#define DIVERT_FILTER_TEST_GT        4
#define DIVERT_FILTER_TEST_GEQ       5
#define DIVERT_FILTER_TEST_MAX       DIVERT_FILTER_TEST_GEQ
#define DIVERT_FILTER_RESULT_ACCEPT  0x7FFE
#define DIVERT_FILTER_RESULT_REJECT  0x7FFF
#define DIVERT_FILTER_FIELD_MAX      85

/* ---- IOCTL codes (section 2) ------------------------------------------------------------- */
#define DIVERT_CTL_CODE(function, method, access) \
    (((uint32_t)0x12 << 16) | ((uint32_t)(access) << 14) | ((uint32_t)(function) << 2) | (uint32_t)(method))
#define DIVERT_METHOD_IN_DIRECT      1
#define DIVERT_METHOD_OUT_DIRECT     2
#define DIVERT_ACCESS_READ           1
#define DIVERT_ACCESS_WRITE          2

#define IOCTL_DIVERT_INITIALIZE DIVERT_CTL_CODE(0x921, DIVERT_METHOD_OUT_DIRECT, DIVERT_ACCESS_READ | DIVERT_ACCESS_WRITE)
#define IOCTL_DIVERT_STARTUP    DIVERT_CTL_CODE(0x922, DIVERT_METHOD_IN_DIRECT,  DIVERT_ACCESS_READ | DIVERT_ACCESS_WRITE)
#define IOCTL_DIVERT_RECV       DIVERT_CTL_CODE(0x923, DIVERT_METHOD_OUT_DIRECT, DIVERT_ACCESS_READ)
#define IOCTL_DIVERT_SEND       DIVERT_CTL_CODE(0x924, DIVERT_METHOD_IN_DIRECT,  DIVERT_ACCESS_READ | DIVERT_ACCESS_WRITE)
#define IOCTL_DIVERT_SET_PARAM  DIVERT_CTL_CODE(0x925, DIVERT_METHOD_IN_DIRECT,  DIVERT_ACCESS_READ | DIVERT_ACCESS_WRITE)
#define IOCTL_DIVERT_GET_PARAM  DIVERT_CTL_CODE(0x926, DIVERT_METHOD_OUT_DIRECT, DIVERT_ACCESS_READ)
#define IOCTL_DIVERT_SHUTDOWN   DIVERT_CTL_CODE(0x927, DIVERT_METHOD_IN_DIRECT,  DIVERT_ACCESS_READ | DIVERT_ACCESS_WRITE)

DIVERT_STATIC_ASSERT(IOCTL_DIVERT_INITIALIZE == 0x0012E486u, "INITIALIZE code");
DIVERT_STATIC_ASSERT(IOCTL_DIVERT_STARTUP    == 0x0012E489u, "STARTUP code");
DIVERT_STATIC_ASSERT(IOCTL_DIVERT_RECV       == 0x0012648Eu, "RECV code");
DIVERT_STATIC_ASSERT(IOCTL_DIVERT_SEND       == 0x0012E491u, "SEND code");
DIVERT_STATIC_ASSERT(IOCTL_DIVERT_SET_PARAM  == 0x0012E495u, "SET_PARAM code");
DIVERT_STATIC_ASSERT(IOCTL_DIVERT_GET_PARAM  == 0x0012649Au, "GET_PARAM code");
DIVERT_STATIC_ASSERT(IOCTL_DIVERT_SHUTDOWN   == 0x0012E49Du, "SHUTDOWN code");

/* ---- Address record (section 7): natural alignment, 80 bytes ---------------------------- */
typedef struct
{
    uint32_t IfIdx;
    uint32_t SubIfIdx;
} DIVERT_DATA_NETWORK;

typedef struct
{
    uint64_t EndpointId;
    uint64_t ParentEndpointId;
    uint32_t ProcessId;
    uint32_t LocalAddr[4];   /* word 0 least significant; IPv4 stored IPv4-mapped */
    uint32_t RemoteAddr[4];
    uint16_t LocalPort;      /* host order */
    uint16_t RemotePort;
    uint8_t  Protocol;
} DIVERT_DATA_FLOW;

typedef DIVERT_DATA_FLOW DIVERT_DATA_SOCKET;

typedef struct
{
    int64_t  Timestamp;      /* when the reported handle was opened */
    uint32_t ProcessId;
    uint32_t Layer;
    uint64_t Flags;
    int16_t  Priority;
} DIVERT_DATA_REFLECT;

typedef struct
{
    int64_t  Timestamp;
    uint32_t Layer:8;
    uint32_t Event:8;
    uint32_t Sniffed:1;
    uint32_t Outbound:1;
    uint32_t Loopback:1;
    uint32_t Impostor:1;
    uint32_t IPv6:1;
    uint32_t IPChecksum:1;
    uint32_t TCPChecksum:1;
    uint32_t UDPChecksum:1;
    uint32_t Reserved1:8;
    uint32_t Reserved2;
    union
    {
        DIVERT_DATA_NETWORK Network;
        DIVERT_DATA_FLOW    Flow;
        DIVERT_DATA_SOCKET  Socket;
        DIVERT_DATA_REFLECT Reflect;
        uint8_t             Reserved3[64];
    };
} DIVERT_ADDRESS;

#define DIVERT_ADDRESS_SIZE 80

DIVERT_STATIC_ASSERT(sizeof(DIVERT_DATA_NETWORK) == 8, "Network data size");
DIVERT_STATIC_ASSERT(sizeof(DIVERT_DATA_FLOW) == 64, "Flow data size");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_DATA_FLOW, EndpointId) == 0, "Flow.EndpointId");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_DATA_FLOW, ParentEndpointId) == 8, "Flow.ParentEndpointId");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_DATA_FLOW, ProcessId) == 16, "Flow.ProcessId");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_DATA_FLOW, LocalAddr) == 20, "Flow.LocalAddr");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_DATA_FLOW, RemoteAddr) == 36, "Flow.RemoteAddr");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_DATA_FLOW, LocalPort) == 52, "Flow.LocalPort");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_DATA_FLOW, RemotePort) == 54, "Flow.RemotePort");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_DATA_FLOW, Protocol) == 56, "Flow.Protocol");
DIVERT_STATIC_ASSERT(sizeof(DIVERT_DATA_REFLECT) == 32, "Reflect data size");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_DATA_REFLECT, Timestamp) == 0, "Reflect.Timestamp");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_DATA_REFLECT, ProcessId) == 8, "Reflect.ProcessId");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_DATA_REFLECT, Layer) == 12, "Reflect.Layer");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_DATA_REFLECT, Flags) == 16, "Reflect.Flags");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_DATA_REFLECT, Priority) == 24, "Reflect.Priority");
DIVERT_STATIC_ASSERT(sizeof(DIVERT_ADDRESS) == DIVERT_ADDRESS_SIZE, "address record size");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_ADDRESS, Timestamp) == 0, "Address.Timestamp");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_ADDRESS, Reserved2) == 12, "Address.Reserved2");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_ADDRESS, Network) == 16, "Address union");

/* ---- Filter instruction (docs/spec/filter-object.md a.1): 24 bytes --------------------------------- */
typedef struct
{
    uint32_t field:11;
    uint32_t test:5;
    uint32_t success:16;
    uint32_t failure:16;
    uint32_t neg:1;
    uint32_t reserved:15;
    uint32_t arg[4];
} DIVERT_FILTER;

#define DIVERT_FILTER_SIZE 24

DIVERT_STATIC_ASSERT(sizeof(DIVERT_FILTER) == DIVERT_FILTER_SIZE, "filter instruction size");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_FILTER, arg) == 8, "filter arg offset");

/* ---- Packed records: handshake and request header ---------------------------------------- */
#pragma pack(push, 1)
typedef struct
{
    uint64_t magic;
    uint32_t major;
    uint32_t minor;
    uint32_t bits;
    uint32_t reserved32[3];
    uint64_t reserved64[4];
} DIVERT_VERSION;

typedef union
{
    struct
    {
        uint64_t addr;         /* user pointer to the address array, or 0 */
        uint64_t addr_len_ptr; /* user pointer to a u32 address-array length, or 0 */
    } recv;
    struct
    {
        uint64_t addr;         /* user pointer to the address array */
        uint64_t addr_len;     /* address array length in bytes */
    } send;
    struct
    {
        uint32_t layer;
        uint32_t priority;     /* user priority + 30000 */
        uint64_t flags;
    } initialize;
    struct
    {
        uint64_t flags;        /* filter flags */
    } startup;
    struct
    {
        uint32_t how;
    } shutdown;
    struct
    {
        uint32_t param;
    } get_param;
    struct
    {
        uint64_t val;          /* the value itself, not a pointer */
        uint32_t param;
    } set_param;
    uint8_t raw[16];
} DIVERT_IOCTL;
#pragma pack(pop)

#define DIVERT_VERSION_SIZE 64
#define DIVERT_IOCTL_SIZE   16

DIVERT_STATIC_ASSERT(sizeof(DIVERT_VERSION) == DIVERT_VERSION_SIZE, "version record size");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_VERSION, major) == 8, "Version.major");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_VERSION, minor) == 12, "Version.minor");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_VERSION, bits) == 16, "Version.bits");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_VERSION, reserved32) == 20, "Version.reserved32");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_VERSION, reserved64) == 32, "Version.reserved64");
DIVERT_STATIC_ASSERT(sizeof(DIVERT_IOCTL) == DIVERT_IOCTL_SIZE, "request header size");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_IOCTL, recv.addr_len_ptr) == 8, "recv.addr_len_ptr");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_IOCTL, send.addr_len) == 8, "send.addr_len");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_IOCTL, initialize.priority) == 4, "initialize.priority");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_IOCTL, initialize.flags) == 8, "initialize.flags");
DIVERT_STATIC_ASSERT(offsetof(DIVERT_IOCTL, set_param.param) == 8, "set_param.param");

#endif /* DIVERT_ABI_H */
