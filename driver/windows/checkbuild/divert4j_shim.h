/*
 * Check-build shim: what the WDK provides and mingw-w64's DDK headers do not (the WFP kernel
 * API, NDIS 6 buffer types, the pool API of Windows 10 2004, the missing SAL annotations).
 *
 * It exists so tests/checks/check-windows-driver.sh can compile and link every driver source on
 * Linux; the image it links is never shipped or loaded. Every declaration here copies the
 * WDK's name and layout for the members the driver uses; shim_check.c (compiled by the WDK
 * build and by the check build) pins each size, offset, constant and GUID, so a difference
 * from the real headers fails the WDK build instead of going unnoticed.
 *
 * Structures the driver only reads through pointers the system hands it (metadata, NBLs) are
 * declared up to the last member the driver touches; shim_check.c pins those offsets.
 */
#ifndef DIVERT4J_SHIM_H
#define DIVERT4J_SHIM_H

#if defined(_MSC_VER)
#error "divert4j_shim.h is for the mingw check build only; the WDK build uses the real headers"
#endif
#ifndef DIVERT4J_CHECK_BUILD
#error "divert4j_shim.h requires DIVERT4J_CHECK_BUILD"
#endif

#include <ntddk.h>
#include <wdmsec.h>
#include <stddef.h>

/* mingw's CONTAINING_RECORD takes a member address through a null pointer, which is undefined
 * behaviour (UBSan rejects it when driver/winsim runs this code); offsetof is the defined form
 * of the same computation. */
#undef CONTAINING_RECORD
#define CONTAINING_RECORD(address, type, field) ((type *)((PCHAR)(address) - offsetof(type, field)))

/* ---- SAL annotations that mingw's sal.h/driverspecs.h lack (no meaning to gcc) ---------- */
#ifndef _IRQL_saves_global_
#define _IRQL_saves_global_(kind, param)
#endif
#ifndef _IRQL_restores_global_
#define _IRQL_restores_global_(kind, param)
#endif
#ifndef _Requires_lock_held_
#define _Requires_lock_held_(lock)
#endif
#ifndef _Requires_lock_not_held_
#define _Requires_lock_not_held_(lock)
#endif
#ifndef _Acquires_lock_
#define _Acquires_lock_(lock)
#endif
#ifndef _Releases_lock_
#define _Releases_lock_(lock)
#endif
#ifndef _Guarded_by_
#define _Guarded_by_(lock)
#endif
#ifndef _Dispatch_type_
#define _Dispatch_type_(type)
#endif
#ifndef _Interlocked_
#define _Interlocked_
#endif
#ifndef _IRQL_requires_min_
#define _IRQL_requires_min_(irql)
#endif

/* ---- Function types the WDK declares and mingw only has as pointer types (wdm.h) ---------- */
typedef VOID NTAPI IO_CSQ_INSERT_IRP(PIO_CSQ Csq, PIRP Irp);
typedef VOID NTAPI IO_CSQ_REMOVE_IRP(PIO_CSQ Csq, PIRP Irp);
typedef PIRP NTAPI IO_CSQ_PEEK_NEXT_IRP(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext);
typedef VOID NTAPI IO_CSQ_ACQUIRE_LOCK(PIO_CSQ Csq, PKIRQL Irql);
typedef VOID NTAPI IO_CSQ_RELEASE_LOCK(PIO_CSQ Csq, KIRQL Irql);
typedef VOID NTAPI IO_CSQ_COMPLETE_CANCELED_IRP(PIO_CSQ Csq, PIRP Irp);

typedef ULONG DWORD;
typedef struct _SID SID;

/* ---- Structured exception handling --------------------------------------------------------
 * gcc has no __try/__except for C. The WDK build maps these to __try/__except (kernel.h);
 * here the guarded block simply runs, which is fine for an image that is never executed. */
#define DIVERT_TRY             if (1)
#define DIVERT_EXCEPT          else
#define DIVERT_EXCEPTION_CODE  STATUS_ACCESS_VIOLATION

/* ---- Pool API (Windows 10 2004, wdm.h) -------------------------------------------------- */
typedef ULONG64 POOL_FLAGS;
#define POOL_FLAG_NON_PAGED  0x0000000000000040ULL
#define POOL_FLAG_UNINITIALIZED 0x0000000000000002ULL

NTKERNELAPI PVOID NTAPI ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag);

#ifndef MdlMappingNoExecute
#define MdlMappingNoExecute 0x40000000
#endif

/* ---- Network types (ws2def.h / ifdef.h / nldef.h kernel flavour) ------------------------ */
typedef USHORT ADDRESS_FAMILY;
#ifndef AF_INET
#define AF_INET   2
#endif
#ifndef AF_INET6
#define AF_INET6  23
#endif
typedef UINT32 COMPARTMENT_ID;
#define UNSPECIFIED_COMPARTMENT_ID 0
typedef ULONG IF_INDEX;

/* ---- NDIS 6 (ndis.h: nbl.h / ndis object headers) ---------------------------------------- */
typedef PVOID NDIS_HANDLE;
typedef int NDIS_STATUS;
#define NDIS_STATUS_SUCCESS ((NDIS_STATUS)STATUS_SUCCESS)

typedef struct _NET_BUFFER NET_BUFFER, *PNET_BUFFER;
typedef struct _NET_BUFFER_LIST NET_BUFFER_LIST, *PNET_BUFFER_LIST;
typedef struct _NET_BUFFER_LIST_CONTEXT NET_BUFFER_LIST_CONTEXT, *PNET_BUFFER_LIST_CONTEXT;

typedef struct _NET_BUFFER_DATA
{
    PNET_BUFFER Next;
    PMDL CurrentMdl;
    ULONG CurrentMdlOffset;
    union
    {
        ULONG DataLength;
        SIZE_T stDataLength;
    };
    PMDL MdlChain;
    ULONG DataOffset;
} NET_BUFFER_DATA;

struct _NET_BUFFER
{
    union
    {
        struct
        {
            PNET_BUFFER Next;
            PMDL CurrentMdl;
            ULONG CurrentMdlOffset;
            union
            {
                ULONG DataLength;
                SIZE_T stDataLength;
            };
            PMDL MdlChain;
            ULONG DataOffset;
        };
        SLIST_HEADER Link;
        NET_BUFFER_DATA NetBufferHeader;
    };
    USHORT ChecksumBias;
    USHORT Reserved;
    NDIS_HANDLE NdisPoolHandle;
    PVOID NdisReserved[2];
    PVOID ProtocolReserved[6];
    PVOID MiniportReserved[4];
    PHYSICAL_ADDRESS DataPhysicalAddress;
    /* further members not used by the driver */
};

typedef enum _NDIS_NET_BUFFER_LIST_INFO
{
    TcpIpChecksumNetBufferListInfo = 0
    /* further ids not used by the driver */
} NDIS_NET_BUFFER_LIST_INFO;

struct _NET_BUFFER_LIST
{
    union
    {
        struct
        {
            PNET_BUFFER_LIST Next;
            PNET_BUFFER FirstNetBuffer;
        };
        SLIST_HEADER Link;
    };
    PNET_BUFFER_LIST_CONTEXT Context;
    PNET_BUFFER_LIST ParentNetBufferList;
    NDIS_HANDLE NdisPoolHandle;
    PVOID NdisReserved[2];
    PVOID ProtocolReserved[4];
    PVOID MiniportReserved[2];
    PVOID Scratch;
    NDIS_HANDLE SourceHandle;
    ULONG NblFlags;
    LONG ChildRefCount;
    ULONG Flags;
    union
    {
        NDIS_STATUS Status;
        ULONG NdisReserved2;
    };
    PVOID NetBufferListInfo[1]; /* [MaxNetBufferListInfo] in ndis.h; only index 0 is used */
};

typedef struct _NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO
{
    union
    {
        struct
        {
            ULONG IsIPv4:1;
            ULONG IsIPv6:1;
            ULONG TcpChecksum:1;
            ULONG UdpChecksum:1;
            ULONG IpHeaderChecksum:1;
            ULONG Reserved:11;
            ULONG TcpHeaderOffset:10;
        } Transmit;
        struct
        {
            ULONG TcpChecksumFailed:1;
            ULONG UdpChecksumFailed:1;
            ULONG IpChecksumFailed:1;
            ULONG TcpChecksumSucceeded:1;
            ULONG UdpChecksumSucceeded:1;
            ULONG IpChecksumSucceeded:1;
            ULONG Loopback:1;
            ULONG TcpChecksumValueInvalid:1;
            ULONG IpChecksumValueInvalid:1;
        } Receive;
        PVOID Value;
    };
} NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO;

#define NET_BUFFER_NEXT_NB(nb)            ((nb)->Next)
#define NET_BUFFER_FIRST_MDL(nb)          ((nb)->MdlChain)
#define NET_BUFFER_DATA_LENGTH(nb)        ((nb)->DataLength)
#define NET_BUFFER_DATA_OFFSET(nb)        ((nb)->DataOffset)
#define NET_BUFFER_CURRENT_MDL(nb)        ((nb)->CurrentMdl)
#define NET_BUFFER_CURRENT_MDL_OFFSET(nb) ((nb)->CurrentMdlOffset)
#define NET_BUFFER_LIST_NEXT_NBL(nbl)     ((nbl)->Next)
#define NET_BUFFER_LIST_FIRST_NB(nbl)     ((nbl)->FirstNetBuffer)
#define NET_BUFFER_LIST_STATUS(nbl)       ((nbl)->Status)
#define NET_BUFFER_LIST_INFO(nbl, id)     ((nbl)->NetBufferListInfo[(id)])

typedef struct _NDIS_OBJECT_HEADER
{
    UCHAR Type;
    UCHAR Revision;
    USHORT Size;
} NDIS_OBJECT_HEADER;

#define NDIS_OBJECT_TYPE_DEFAULT                      0x80
#define NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1    1
#define NDIS_PROTOCOL_ID_DEFAULT                      0x00

typedef struct _NET_BUFFER_LIST_POOL_PARAMETERS
{
    NDIS_OBJECT_HEADER Header;
    UCHAR ProtocolId;
    BOOLEAN fAllocateNetBuffer;
    USHORT ContextSize;
    ULONG PoolTag;
    ULONG DataSize;
} NET_BUFFER_LIST_POOL_PARAMETERS, *PNET_BUFFER_LIST_POOL_PARAMETERS;

#define NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1 \
    RTL_SIZEOF_THROUGH_FIELD(NET_BUFFER_LIST_POOL_PARAMETERS, DataSize)

typedef PMDL (NTAPI *NET_BUFFER_ALLOCATE_MDL_HANDLER)(PVOID, PULONG);
typedef VOID (NTAPI *NET_BUFFER_FREE_MDL_HANDLER)(PMDL);

__declspec(dllimport) NDIS_HANDLE NTAPI NdisAllocateNetBufferListPool(
    NDIS_HANDLE NdisHandle, PNET_BUFFER_LIST_POOL_PARAMETERS Parameters);
__declspec(dllimport) VOID NTAPI NdisFreeNetBufferListPool(NDIS_HANDLE PoolHandle);
__declspec(dllimport) NDIS_STATUS NTAPI NdisRetreatNetBufferDataStart(
    PNET_BUFFER NetBuffer, ULONG DataOffsetDelta, ULONG DataBackFill,
    NET_BUFFER_ALLOCATE_MDL_HANDLER AllocateMdlHandler);
__declspec(dllimport) VOID NTAPI NdisAdvanceNetBufferDataStart(
    PNET_BUFFER NetBuffer, ULONG DataOffsetDelta, BOOLEAN FreeMdl,
    NET_BUFFER_FREE_MDL_HANDLER FreeMdlHandler);

/* ---- WFP common types (fwptypes.h) --------------------------------------------------------- */
typedef enum FWP_DIRECTION_
{
    FWP_DIRECTION_OUTBOUND = 0,
    FWP_DIRECTION_INBOUND = 1,
    FWP_DIRECTION_MAX = 2
} FWP_DIRECTION;

typedef enum FWP_DATA_TYPE_
{
    FWP_EMPTY = 0,
    FWP_UINT8 = 1,
    FWP_UINT16 = 2,
    FWP_UINT32 = 3,
    FWP_UINT64 = 4,
    FWP_INT8 = 5,
    FWP_INT16 = 6,
    FWP_INT32 = 7,
    FWP_INT64 = 8,
    FWP_FLOAT = 9,
    FWP_DOUBLE = 10,
    FWP_BYTE_ARRAY16_TYPE = 11,
    FWP_BYTE_BLOB_TYPE = 12
    /* further types not used by the driver */
} FWP_DATA_TYPE;

typedef struct FWP_BYTE_ARRAY16_
{
    UINT8 byteArray16[16];
} FWP_BYTE_ARRAY16;

typedef struct FWP_BYTE_BLOB_
{
    UINT32 size;
    UINT8 *data;
} FWP_BYTE_BLOB;

typedef struct FWP_VALUE0_
{
    FWP_DATA_TYPE type;
    union
    {
        UINT8 uint8;
        UINT16 uint16;
        UINT32 uint32;
        UINT64 *uint64;
        INT8 int8;
        INT16 int16;
        INT32 int32;
        INT64 *int64;
        FWP_BYTE_ARRAY16 *byteArray16;
        FWP_BYTE_BLOB *byteBlob;
        /* float32/double64/sid/... not used by the driver (no floating point in kernel code) */
    };
} FWP_VALUE0;

typedef UINT32 FWP_ACTION_TYPE;
#define FWP_ACTION_FLAG_TERMINATING      0x00001000
#define FWP_ACTION_FLAG_NON_TERMINATING  0x00002000
#define FWP_ACTION_FLAG_CALLOUT          0x00004000
#define FWP_ACTION_BLOCK     (0x00000001 | FWP_ACTION_FLAG_TERMINATING)
#define FWP_ACTION_PERMIT    (0x00000002 | FWP_ACTION_FLAG_TERMINATING)
#define FWP_ACTION_CALLOUT_TERMINATING (0x00000003 | FWP_ACTION_FLAG_CALLOUT | FWP_ACTION_FLAG_TERMINATING)
#define FWP_ACTION_CALLOUT_INSPECTION  (0x00000004 | FWP_ACTION_FLAG_CALLOUT | FWP_ACTION_FLAG_NON_TERMINATING)
#define FWP_ACTION_CALLOUT_UNKNOWN     (0x00000005 | FWP_ACTION_FLAG_CALLOUT)
#define FWP_ACTION_CONTINUE  (0x00000006 | FWP_ACTION_FLAG_NON_TERMINATING)

#define FWP_CONDITION_FLAG_IS_LOOPBACK          0x00000001
#define FWP_CONDITION_FLAG_IS_REAUTHORIZE       0x00000004
#define FWP_CONDITION_FLAG_IS_FRAGMENT          0x00000020
#define FWP_CONDITION_FLAG_IS_FRAGMENT_GROUP    0x00000040
#define FWP_CONDITION_FLAG_IS_REASSEMBLED       0x00000400

#ifndef STATUS_FWP_ALREADY_EXISTS
#define STATUS_FWP_ALREADY_EXISTS ((NTSTATUS)0xC0220009L)
#endif

/* ---- WFP management (fwpmtypes.h / fwpmk.h) ---------------------------------------------- */
typedef struct FWPM_DISPLAY_DATA0_
{
    wchar_t *name;
    wchar_t *description;
} FWPM_DISPLAY_DATA0;

typedef struct FWPM_SESSION0_
{
    GUID sessionKey;
    FWPM_DISPLAY_DATA0 displayData;
    UINT32 flags;
    UINT32 txnWaitTimeoutInMSec;
    DWORD processId;
    SID *sid;
    wchar_t *username;
    BOOL kernelMode;
} FWPM_SESSION0;
#define FWPM_SESSION_FLAG_DYNAMIC 0x00000001

typedef struct FWPM_PROVIDER0_
{
    GUID providerKey;
    FWPM_DISPLAY_DATA0 displayData;
    UINT32 flags;
    FWP_BYTE_BLOB providerData;
    wchar_t *serviceName;
} FWPM_PROVIDER0;

typedef struct FWPM_SUBLAYER0_
{
    GUID subLayerKey;
    FWPM_DISPLAY_DATA0 displayData;
    UINT32 flags;
    GUID *providerKey;
    FWP_BYTE_BLOB providerData;
    UINT16 weight;
} FWPM_SUBLAYER0;

typedef struct FWPM_CALLOUT0_
{
    GUID calloutKey;
    FWPM_DISPLAY_DATA0 displayData;
    UINT32 flags;
    GUID *providerKey;
    FWP_BYTE_BLOB providerData;
    GUID applicableLayer;
    UINT32 calloutId;
} FWPM_CALLOUT0;

typedef struct FWPM_ACTION0_
{
    FWP_ACTION_TYPE type;
    union
    {
        GUID filterType;
        GUID calloutKey;
    };
} FWPM_ACTION0;

typedef struct FWPM_FILTER_CONDITION0_ FWPM_FILTER_CONDITION0;

typedef struct FWPM_FILTER0_
{
    GUID filterKey;
    FWPM_DISPLAY_DATA0 displayData;
    UINT32 flags;
    GUID *providerKey;
    FWP_BYTE_BLOB providerData;
    GUID layerKey;
    GUID subLayerKey;
    FWP_VALUE0 weight;
    UINT32 numFilterConditions;
    FWPM_FILTER_CONDITION0 *filterCondition;
    FWPM_ACTION0 action;
    union
    {
        UINT64 rawContext;
        GUID providerContextKey;
    };
    GUID *reserved;
    UINT64 filterId;
    FWP_VALUE0 effectiveWeight;
} FWPM_FILTER0;

#define RPC_C_AUTHN_DEFAULT 0xFFFFFFFFL
typedef struct _SEC_WINNT_AUTH_IDENTITY_W SEC_WINNT_AUTH_IDENTITY_W;

__declspec(dllimport) NTSTATUS NTAPI FwpmEngineOpen0(const wchar_t *serverName, UINT32 authnService,
    SEC_WINNT_AUTH_IDENTITY_W *authIdentity, const FWPM_SESSION0 *session, HANDLE *engineHandle);
__declspec(dllimport) NTSTATUS NTAPI FwpmEngineClose0(HANDLE engineHandle);
__declspec(dllimport) NTSTATUS NTAPI FwpmTransactionBegin0(HANDLE engineHandle, UINT32 flags);
__declspec(dllimport) NTSTATUS NTAPI FwpmTransactionCommit0(HANDLE engineHandle);
__declspec(dllimport) NTSTATUS NTAPI FwpmTransactionAbort0(HANDLE engineHandle);
__declspec(dllimport) NTSTATUS NTAPI FwpmProviderAdd0(HANDLE engineHandle,
    const FWPM_PROVIDER0 *provider, PSECURITY_DESCRIPTOR sd);
__declspec(dllimport) NTSTATUS NTAPI FwpmProviderDeleteByKey0(HANDLE engineHandle, const GUID *key);
__declspec(dllimport) NTSTATUS NTAPI FwpmSubLayerAdd0(HANDLE engineHandle,
    const FWPM_SUBLAYER0 *subLayer, PSECURITY_DESCRIPTOR sd);
__declspec(dllimport) NTSTATUS NTAPI FwpmSubLayerDeleteByKey0(HANDLE engineHandle, const GUID *key);
__declspec(dllimport) NTSTATUS NTAPI FwpmCalloutAdd0(HANDLE engineHandle,
    const FWPM_CALLOUT0 *callout, PSECURITY_DESCRIPTOR sd, UINT32 *id);
__declspec(dllimport) NTSTATUS NTAPI FwpmCalloutDeleteById0(HANDLE engineHandle, UINT32 id);
__declspec(dllimport) NTSTATUS NTAPI FwpmFilterAdd0(HANDLE engineHandle,
    const FWPM_FILTER0 *filter, PSECURITY_DESCRIPTOR sd, UINT64 *id);
__declspec(dllimport) NTSTATUS NTAPI FwpmFilterDeleteById0(HANDLE engineHandle, UINT64 id);

/* ---- WFP callouts (fwpstypes.h / fwpsk.h) ------------------------------------------------ */
typedef struct FWPS_INCOMING_VALUE0_
{
    FWP_VALUE0 value;
} FWPS_INCOMING_VALUE0;

typedef struct FWPS_INCOMING_VALUES0_
{
    UINT16 layerId;
    UINT32 valueCount;
    FWPS_INCOMING_VALUE0 *incomingValue;
} FWPS_INCOMING_VALUES0;

typedef struct FWPS_DISCARD_METADATA0_
{
    UINT32 discardModule;
    UINT32 discardReason;
    UINT64 filterId;
} FWPS_DISCARD_METADATA0;

typedef struct FWPS_INBOUND_FRAGMENT_METADATA0_
{
    UINT32 fragmentIdentification;
    UINT16 fragmentOffset;
    ULONG fragmentLength;
} FWPS_INBOUND_FRAGMENT_METADATA0;

typedef union _SCOPE_ID_SHIM
{
    ULONG Value;
} SCOPE_ID;

typedef struct _SOCKADDR_INET_SHIM
{
    UCHAR bytes[28];             /* union of SOCKADDR_IN / SOCKADDR_IN6 / family */
} SOCKADDR_INET_SHIM;

typedef struct _IP_ADDRESS_PREFIX_SHIM
{
    ULONG align_and_prefix[7];   /* SOCKADDR_INET Prefix (28 bytes, 4-aligned) */
    UINT8 PrefixLength;
} IP_ADDRESS_PREFIX;

typedef struct FWPS_INCOMING_METADATA_VALUES0_
{
    UINT32 currentMetadataValues;
    UINT32 flags;
    UINT64 reserved;
    FWPS_DISCARD_METADATA0 discardMetadata;
    UINT64 flowHandle;
    UINT32 ipHeaderSize;
    UINT32 transportHeaderSize;
    FWP_BYTE_BLOB *processPath;
    UINT64 token;
    UINT64 processId;
    UINT32 sourceInterfaceIndex;
    UINT32 destinationInterfaceIndex;
    ULONG compartmentId;
    FWPS_INBOUND_FRAGMENT_METADATA0 fragmentMetadata;
    ULONG pathMtu;
    HANDLE completionHandle;
    UINT64 transportEndpointHandle;
    SCOPE_ID remoteScopeId;
    void *controlData;
    ULONG controlDataLength;
    FWP_DIRECTION packetDirection;
    PVOID headerIncludeHeader;
    ULONG headerIncludeHeaderLength;
    IP_ADDRESS_PREFIX destinationPrefix;
    UINT16 frameLength;
    UINT64 parentEndpointHandle;
    /* further members not used by the driver */
} FWPS_INCOMING_METADATA_VALUES0;

#define FWPS_METADATA_FIELD_FLOW_HANDLE                 0x00000002
#define FWPS_METADATA_FIELD_IP_HEADER_SIZE              0x00000004
#define FWPS_METADATA_FIELD_PROCESS_ID                  0x00000020
#define FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE       0x00000400
#define FWPS_METADATA_FIELD_COMPARTMENT_ID              0x00000800
#define FWPS_METADATA_FIELD_FRAGMENT_DATA               0x00001000
#define FWPS_METADATA_FIELD_PATH_MTU                    0x00002000
#define FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE   0x00008000
#define FWPS_METADATA_FIELD_PACKET_DIRECTION            0x00040000
#define FWPS_METADATA_FIELD_PARENT_ENDPOINT_HANDLE      0x04000000
#define FWPS_IS_METADATA_FIELD_PRESENT(meta, field) \
    (((meta)->currentMetadataValues & (field)) == (field))

typedef struct FWPS_ACTION0_
{
    FWP_ACTION_TYPE type;
    UINT32 calloutId;
} FWPS_ACTION0;

typedef struct FWPS_FILTER_CONDITION0_ FWPS_FILTER_CONDITION0;
typedef struct FWPM_PROVIDER_CONTEXT0_ FWPM_PROVIDER_CONTEXT0;

typedef struct FWPS_FILTER0_
{
    UINT64 filterId;
    FWP_VALUE0 weight;
    UINT16 subLayerWeight;
    UINT16 flags;
    UINT32 numFilterConditions;
    FWPS_FILTER_CONDITION0 *filterCondition;
    FWPS_ACTION0 action;
    UINT64 context;
    FWPM_PROVIDER_CONTEXT0 *providerContext;
} FWPS_FILTER0;

typedef struct FWPS_CLASSIFY_OUT0_
{
    FWP_ACTION_TYPE actionType;
    UINT64 outContext;
    UINT64 filterId;
    UINT32 rights;
    UINT32 flags;
    UINT32 reserved;
} FWPS_CLASSIFY_OUT0;

#define FWPS_RIGHT_ACTION_WRITE        0x00000001
#define FWPS_CLASSIFY_OUT_FLAG_ABSORB  0x00000001

typedef enum FWPS_CALLOUT_NOTIFY_TYPE_
{
    FWPS_CALLOUT_NOTIFY_ADD_FILTER = 0,
    FWPS_CALLOUT_NOTIFY_DELETE_FILTER = 1,
    FWPS_CALLOUT_NOTIFY_ADD_FILTER_POST_COMMIT = 2,
    FWPS_CALLOUT_NOTIFY_TYPE_MAX = 3
} FWPS_CALLOUT_NOTIFY_TYPE;

typedef void (NTAPI *FWPS_CALLOUT_CLASSIFY_FN0)(const FWPS_INCOMING_VALUES0 *inFixedValues,
    const FWPS_INCOMING_METADATA_VALUES0 *inMetaValues, void *layerData,
    const FWPS_FILTER0 *filter, UINT64 flowContext, FWPS_CLASSIFY_OUT0 *classifyOut);
typedef NTSTATUS (NTAPI *FWPS_CALLOUT_NOTIFY_FN0)(FWPS_CALLOUT_NOTIFY_TYPE notifyType,
    const GUID *filterKey, const FWPS_FILTER0 *filter);
typedef void (NTAPI *FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0)(UINT16 layerId, UINT32 calloutId,
    UINT64 flowContext);

typedef struct FWPS_CALLOUT0_
{
    GUID calloutKey;
    UINT32 flags;
    FWPS_CALLOUT_CLASSIFY_FN0 classifyFn;
    FWPS_CALLOUT_NOTIFY_FN0 notifyFn;
    FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 flowDeleteFn;
} FWPS_CALLOUT0;

typedef enum FWPS_PACKET_INJECTION_STATE_
{
    FWPS_PACKET_NOT_INJECTED = 0,
    FWPS_PACKET_INJECTED_BY_SELF = 1,
    FWPS_PACKET_INJECTED_BY_OTHER = 2,
    FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF = 3,
    FWPS_PACKET_INJECTION_STATE_MAX = 4
} FWPS_PACKET_INJECTION_STATE;

#define FWPS_INJECTION_TYPE_NETWORK 0x00000004
#define FWPS_INJECTION_TYPE_FORWARD 0x00000008

typedef void NTAPI FWPS_INJECT_COMPLETE0(void *context, NET_BUFFER_LIST *netBufferList,
    BOOLEAN dispatchLevel);

__declspec(dllimport) NTSTATUS NTAPI FwpsCalloutRegister0(void *deviceObject,
    const FWPS_CALLOUT0 *callout, UINT32 *calloutId);
__declspec(dllimport) NTSTATUS NTAPI FwpsCalloutUnregisterById0(const UINT32 calloutId);
__declspec(dllimport) NTSTATUS NTAPI FwpsFlowAssociateContext0(UINT64 flowId, UINT16 layerId,
    UINT32 calloutId, UINT64 flowContext);
__declspec(dllimport) NTSTATUS NTAPI FwpsFlowRemoveContext0(UINT64 flowId, UINT16 layerId,
    UINT32 calloutId);
__declspec(dllimport) NTSTATUS NTAPI FwpsInjectionHandleCreate0(ADDRESS_FAMILY addressFamily,
    UINT32 flags, HANDLE *injectionHandle);
__declspec(dllimport) NTSTATUS NTAPI FwpsInjectionHandleDestroy0(HANDLE injectionHandle);
__declspec(dllimport) FWPS_PACKET_INJECTION_STATE NTAPI FwpsQueryPacketInjectionState0(
    HANDLE injectionHandle, const NET_BUFFER_LIST *netBufferList, HANDLE *injectionContext);
__declspec(dllimport) NTSTATUS NTAPI FwpsAllocateNetBufferAndNetBufferList0(NDIS_HANDLE poolHandle,
    USHORT contextSize, USHORT contextBackFill, MDL *mdlChain, ULONG dataOffset,
    SIZE_T dataLength, NET_BUFFER_LIST **netBufferList);
__declspec(dllimport) void NTAPI FwpsFreeNetBufferList0(NET_BUFFER_LIST *netBufferList);
__declspec(dllimport) NTSTATUS NTAPI FwpsInjectNetworkSendAsync0(HANDLE injectionHandle,
    HANDLE injectionContext, UINT32 flags, COMPARTMENT_ID compartmentId,
    NET_BUFFER_LIST *netBufferList, FWPS_INJECT_COMPLETE0 completionFn, HANDLE completionContext);
__declspec(dllimport) NTSTATUS NTAPI FwpsInjectNetworkReceiveAsync0(HANDLE injectionHandle,
    HANDLE injectionContext, UINT32 flags, COMPARTMENT_ID compartmentId, IF_INDEX interfaceIndex,
    IF_INDEX subInterfaceIndex, NET_BUFFER_LIST *netBufferList,
    FWPS_INJECT_COMPLETE0 completionFn, HANDLE completionContext);
__declspec(dllimport) NTSTATUS NTAPI FwpsInjectForwardAsync0(HANDLE injectionHandle,
    HANDLE injectionContext, UINT32 flags, ADDRESS_FAMILY addressFamily,
    COMPARTMENT_ID compartmentId, IF_INDEX targetInterfaceIndex, NET_BUFFER_LIST *netBufferList,
    FWPS_INJECT_COMPLETE0 completionFn, HANDLE completionContext);

/* ---- Run-time data field indices used by the driver (fwpsk.h enumerations) --------------- */
#define FWPS_FIELD_INBOUND_IPPACKET_V4_INTERFACE_INDEX        4
#define FWPS_FIELD_INBOUND_IPPACKET_V4_SUB_INTERFACE_INDEX    5
#define FWPS_FIELD_INBOUND_IPPACKET_V4_FLAGS                  6
#define FWPS_FIELD_INBOUND_IPPACKET_V6_INTERFACE_INDEX        4
#define FWPS_FIELD_INBOUND_IPPACKET_V6_SUB_INTERFACE_INDEX    5
#define FWPS_FIELD_INBOUND_IPPACKET_V6_FLAGS                  6
#define FWPS_FIELD_OUTBOUND_IPPACKET_V4_INTERFACE_INDEX       4
#define FWPS_FIELD_OUTBOUND_IPPACKET_V4_SUB_INTERFACE_INDEX   5
#define FWPS_FIELD_OUTBOUND_IPPACKET_V4_FLAGS                 6
#define FWPS_FIELD_OUTBOUND_IPPACKET_V6_INTERFACE_INDEX       4
#define FWPS_FIELD_OUTBOUND_IPPACKET_V6_SUB_INTERFACE_INDEX   5
#define FWPS_FIELD_OUTBOUND_IPPACKET_V6_FLAGS                 6
#define FWPS_FIELD_IPFORWARD_V4_DESTINATION_INTERFACE_INDEX   7
#define FWPS_FIELD_IPFORWARD_V4_FLAGS                         9
#define FWPS_FIELD_IPFORWARD_V6_DESTINATION_INTERFACE_INDEX   7
#define FWPS_FIELD_IPFORWARD_V6_FLAGS                         9

/* The ALE layers used share this prefix: APP_ID, USER_ID, LOCAL_ADDRESS, LOCAL_ADDRESS_TYPE,
 * LOCAL_PORT, then (where present) PROTOCOL, REMOTE_ADDRESS, REMOTE_PORT. */
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_IP_LOCAL_ADDRESS   2
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_IP_LOCAL_PORT      4
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_IP_PROTOCOL        5
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_IP_REMOTE_ADDRESS  6
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_IP_REMOTE_PORT     7
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_DIRECTION          12
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_FLAGS              15
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_IP_LOCAL_ADDRESS   2
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_IP_LOCAL_PORT      4
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_IP_PROTOCOL        5
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_IP_REMOTE_ADDRESS  6
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_IP_REMOTE_PORT     7
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_DIRECTION          12
#define FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_FLAGS              15

#define FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V4_IP_LOCAL_ADDRESS 2
#define FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V4_IP_LOCAL_PORT    4
#define FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V4_IP_PROTOCOL      5
#define FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V4_FLAGS            8
#define FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V6_IP_LOCAL_ADDRESS 2
#define FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V6_IP_LOCAL_PORT    4
#define FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V6_IP_PROTOCOL      5
#define FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V6_FLAGS            8

#define FWPS_FIELD_ALE_RESOURCE_RELEASE_V4_IP_LOCAL_ADDRESS    2
#define FWPS_FIELD_ALE_RESOURCE_RELEASE_V4_IP_LOCAL_PORT       4
#define FWPS_FIELD_ALE_RESOURCE_RELEASE_V4_IP_PROTOCOL         5
#define FWPS_FIELD_ALE_RESOURCE_RELEASE_V4_FLAGS               7
#define FWPS_FIELD_ALE_RESOURCE_RELEASE_V6_IP_LOCAL_ADDRESS    2
#define FWPS_FIELD_ALE_RESOURCE_RELEASE_V6_IP_LOCAL_PORT       4
#define FWPS_FIELD_ALE_RESOURCE_RELEASE_V6_IP_PROTOCOL         5
#define FWPS_FIELD_ALE_RESOURCE_RELEASE_V6_FLAGS               7

#define FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_LOCAL_ADDRESS        2
#define FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_LOCAL_PORT           4
#define FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_PROTOCOL             5
#define FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_ADDRESS       6
#define FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_PORT          7
#define FWPS_FIELD_ALE_AUTH_CONNECT_V4_FLAGS                   12
#define FWPS_FIELD_ALE_AUTH_CONNECT_V6_IP_LOCAL_ADDRESS        2
#define FWPS_FIELD_ALE_AUTH_CONNECT_V6_IP_LOCAL_PORT           4
#define FWPS_FIELD_ALE_AUTH_CONNECT_V6_IP_PROTOCOL             5
#define FWPS_FIELD_ALE_AUTH_CONNECT_V6_IP_REMOTE_ADDRESS       6
#define FWPS_FIELD_ALE_AUTH_CONNECT_V6_IP_REMOTE_PORT          7
#define FWPS_FIELD_ALE_AUTH_CONNECT_V6_FLAGS                   12

#define FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4_IP_LOCAL_ADDRESS    2
#define FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4_IP_LOCAL_PORT       4
#define FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4_IP_PROTOCOL         5
#define FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4_IP_REMOTE_ADDRESS   6
#define FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4_IP_REMOTE_PORT      7
#define FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4_FLAGS               9
#define FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V6_IP_LOCAL_ADDRESS    2
#define FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V6_IP_LOCAL_PORT       4
#define FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V6_IP_PROTOCOL         5
#define FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V6_IP_REMOTE_ADDRESS   6
#define FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V6_IP_REMOTE_PORT      7
#define FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V6_FLAGS               9

#define FWPS_FIELD_ALE_AUTH_LISTEN_V4_IP_LOCAL_ADDRESS         2
#define FWPS_FIELD_ALE_AUTH_LISTEN_V4_IP_LOCAL_PORT            4
#define FWPS_FIELD_ALE_AUTH_LISTEN_V4_FLAGS                    6
#define FWPS_FIELD_ALE_AUTH_LISTEN_V6_IP_LOCAL_ADDRESS         2
#define FWPS_FIELD_ALE_AUTH_LISTEN_V6_IP_LOCAL_PORT            4
#define FWPS_FIELD_ALE_AUTH_LISTEN_V6_FLAGS                    6

#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_LOCAL_ADDRESS    2
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_LOCAL_PORT       4
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_PROTOCOL         5
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_REMOTE_ADDRESS   6
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_REMOTE_PORT      7
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_FLAGS               11
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_IP_LOCAL_ADDRESS    2
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_IP_LOCAL_PORT       4
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_IP_PROTOCOL         5
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_IP_REMOTE_ADDRESS   6
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_IP_REMOTE_PORT      7
#define FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_FLAGS               11

/* ---- Built-in WFP layer keys (fwpmk.h); defined where INITGUID is set (guids.c) ---------- */
DEFINE_GUID(FWPM_LAYER_INBOUND_IPPACKET_V4, 0xc86fd1bf, 0x21cd, 0x497e, 0xa0, 0xbb, 0x17, 0x42, 0x5c, 0x88, 0x5c, 0x58);
DEFINE_GUID(FWPM_LAYER_INBOUND_IPPACKET_V6, 0xf52032cb, 0x991c, 0x46e7, 0x97, 0x1d, 0x26, 0x01, 0x45, 0x9a, 0x91, 0xca);
DEFINE_GUID(FWPM_LAYER_OUTBOUND_IPPACKET_V4, 0x1e5c9fae, 0x8a84, 0x4135, 0xa3, 0x31, 0x95, 0x0b, 0x54, 0x22, 0x9e, 0xcd);
DEFINE_GUID(FWPM_LAYER_OUTBOUND_IPPACKET_V6, 0xa3b3ab6b, 0x3564, 0x488c, 0x91, 0x17, 0xf3, 0x4e, 0x82, 0x14, 0x27, 0x63);
DEFINE_GUID(FWPM_LAYER_IPFORWARD_V4, 0xa82acc24, 0x4ee1, 0x4ee1, 0xb4, 0x65, 0xfd, 0x1d, 0x25, 0xcb, 0x10, 0xa4);
DEFINE_GUID(FWPM_LAYER_IPFORWARD_V6, 0x7b964818, 0x19c7, 0x493a, 0xb7, 0x1f, 0x83, 0x2c, 0x36, 0x84, 0xd2, 0x8c);
DEFINE_GUID(FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4, 0xaf80470a, 0x5596, 0x4c13, 0x99, 0x92, 0x53, 0x9e, 0x6f, 0xe5, 0x79, 0x67);
DEFINE_GUID(FWPM_LAYER_ALE_FLOW_ESTABLISHED_V6, 0x7021d2b3, 0xdfa4, 0x406e, 0xaf, 0xeb, 0x6a, 0xfa, 0xf7, 0xe7, 0x0e, 0xfd);
DEFINE_GUID(FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V4, 0x1247d66d, 0x0b60, 0x4a15, 0x8d, 0x44, 0x71, 0x55, 0xd0, 0xf5, 0x3a, 0x0c);
DEFINE_GUID(FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V6, 0x55a650e1, 0x5f0a, 0x4eca, 0xa6, 0x53, 0x88, 0xf5, 0x3b, 0x26, 0xaa, 0x8c);
DEFINE_GUID(FWPM_LAYER_ALE_RESOURCE_RELEASE_V4, 0x74365cce, 0xccb0, 0x401a, 0xbf, 0xc1, 0xb8, 0x99, 0x34, 0xad, 0x7e, 0x15);
DEFINE_GUID(FWPM_LAYER_ALE_RESOURCE_RELEASE_V6, 0xf4e5ce80, 0xedcc, 0x4e13, 0x8a, 0x2f, 0xb9, 0x14, 0x54, 0xbb, 0x05, 0x7b);
DEFINE_GUID(FWPM_LAYER_ALE_AUTH_CONNECT_V4, 0xc38d57d1, 0x05a7, 0x4c33, 0x90, 0x4f, 0x7f, 0xbc, 0xee, 0xe6, 0x0e, 0x82);
DEFINE_GUID(FWPM_LAYER_ALE_AUTH_CONNECT_V6, 0x4a72393b, 0x319f, 0x44bc, 0x84, 0xc3, 0xba, 0x54, 0xdc, 0xb3, 0xb6, 0xb4);
DEFINE_GUID(FWPM_LAYER_ALE_ENDPOINT_CLOSURE_V4, 0xb4766427, 0xe2a2, 0x467a, 0xbd, 0x7e, 0xdb, 0xcd, 0x1b, 0xd8, 0x5a, 0x09);
DEFINE_GUID(FWPM_LAYER_ALE_ENDPOINT_CLOSURE_V6, 0xbb536ccd, 0x4755, 0x4ba9, 0x9f, 0xf7, 0xf9, 0xed, 0xf8, 0x69, 0x9c, 0x7b);
DEFINE_GUID(FWPM_LAYER_ALE_AUTH_LISTEN_V4, 0x88bb5dad, 0x76d7, 0x4227, 0x9c, 0x71, 0xdf, 0x0a, 0x3e, 0xd7, 0xbe, 0x7e);
DEFINE_GUID(FWPM_LAYER_ALE_AUTH_LISTEN_V6, 0x7ac9de24, 0x17dd, 0x4814, 0xb4, 0xbd, 0xa9, 0xfb, 0xc9, 0x5a, 0x32, 0x1b);
DEFINE_GUID(FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4, 0xe1cd9fe7, 0xf4b5, 0x4273, 0x96, 0xc0, 0x59, 0x2e, 0x48, 0x7b, 0x86, 0x50);
DEFINE_GUID(FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V6, 0xa3b42c97, 0x9f04, 0x4672, 0xb8, 0x7e, 0xce, 0xe9, 0xc4, 0x83, 0x25, 0x7f);

#endif /* DIVERT4J_SHIM_H */
