/*
 * divert4j WFP driver: shared declarations of the glue. Every decision (validation, state,
 * queueing, filtering) is made by driver/core; these files only move bytes between the
 * I/O manager, WFP, NDIS and the core, and own the kernel objects.
 *
 * Locking order (never acquire against it):
 *   g_divert.HandlesLock  ->  DIVERT_HANDLE.Lock  ->  the I/O manager's cancel lock (via IoCsq)
 * No lock is held while calling into WFP management, the I/O manager's completion routine or
 * an injection function.
 */
#ifndef DIVERT4J_DRIVER_H
#define DIVERT4J_DRIVER_H

#include "kernel.h"

#include "divert_abi.h"

#include "core/address.h"
#include "core/hooks.h"
#include "core/capture.h"
#include "core/filter_eval.h"
#include "core/filter_object.h"
#include "core/handle.h"
#include "core/inject.h"
#include "core/ioctl.h"
#include "core/packet_parse.h"
#include "core/packet_view.h"
#include "core/queue.h"
#include "core/status.h"

#define DIVERT_POOL_TAG        ((ULONG)0x6A347644)  /* 'j4vD': "Dv4j" in pool dumps */

/* One callout + filter per WFP layer a handle can need (docs/spec/device-abi.md 4.2): at most 12 for a
 * SOCKET handle (bind/connect/listen/accept x 2 families + 2 close layers x 2 families). */
#define DIVERT_MAX_CALLOUTS    12

/* How often queued packets are checked for QUEUE_TIME expiry (they are also checked when a
 * RECV takes them); this only bounds how long expired packets hold memory. */
#define DIVERT_EXPIRY_PERIOD_MS 250

/* Constant keys (guids.c): ours, generated once; never WinDivert's. Indexed by divert_hook
 * (driver/core/hooks.h), the order of the sub-layer table of docs/spec/device-abi.md 1.2. */
extern const GUID DIVERT_PROVIDER_KEY;
extern const GUID DIVERT_SUBLAYER_KEYS[DIVERT_HOOK_COUNT];
/* The built-in WFP layer each hook registers in. */
extern const GUID *const DIVERT_WFP_LAYER_KEYS[DIVERT_HOOK_COUNT];

/* Driver-wide state: created in DriverEntry, destroyed in DriverUnload. */
typedef struct DIVERT_GLOBALS
{
    PDEVICE_OBJECT Device;
    BOOLEAN SymbolicLinkCreated;
    HANDLE Injection[2];           /* [0] IPv4, [1] IPv6: network + forward injection */
    NDIS_HANDLE NblPool;           /* NBLs for injected packets */
    EX_RUNDOWN_REF InjectRundown;  /* one reference per injection still in flight */
    KSPIN_LOCK HandlesLock;        /* guards Handles and every handle's ReflectListed */
    LIST_ENTRY Handles;            /* every open DIVERT_HANDLE, for REFLECT */
    volatile LONG InitializeCounter; /* low 16 bits of internal priorities (docs/spec/device-abi.md 6.4) */
    volatile LONG LiveFlows;       /* DIVERT_FLOWs of every handle: zero at unload */
    LARGE_INTEGER QpcFrequency;
    UINT64 TicksPerMs;
} DIVERT_GLOBALS;

extern DIVERT_GLOBALS g_divert;

/* A queued packet or event: the core links it through Entry; Address and the data bytes
 * (Entry.length of them, right after the record) are what RECV delivers. */
typedef struct DIVERT_PACKET
{
    divert_queue_entry Entry;      /* first member: entries and packets convert both ways */
    DIVERT_ADDRESS Address;
    COMPARTMENT_ID Compartment;    /* where classify saw it (re-injection at close), or
                                      UNSPECIFIED_COMPARTMENT_ID */
} DIVERT_PACKET;

#define DIVERT_PACKET_DATA(packet) ((UINT8 *)((packet) + 1))
#define DIVERT_PACKET_FROM_ENTRY(entry) CONTAINING_RECORD((entry), DIVERT_PACKET, Entry)

typedef struct DIVERT_HANDLE DIVERT_HANDLE;

/* One registered callout; its filter's raw context points here. */
typedef struct DIVERT_CALLOUT
{
    DIVERT_HANDLE *Handle;
    divert_hook Hook;
    UINT32 CalloutId;              /* FwpsCalloutRegister0's run-time id */
} DIVERT_CALLOUT;

/* Per file object (user handle). Freed when RefCount drops to zero. */
struct DIVERT_HANDLE
{
    LIST_ENTRY Link;               /* in g_divert.Handles, under HandlesLock */
    volatile LONG RefCount;        /* the file object's + one per flow context */
    EX_RUNDOWN_REF Rundown;        /* classify paths that may run while cleanup starts */
    EX_RUNDOWN_REF RequestRundown; /* DEVICE_CONTROL requests in their dispatch routine: the
                                      user may close the handle on another thread meanwhile */
    KSPIN_LOCK Lock;               /* guards Core, Flows; taken before CsqLock */
    PFILE_OBJECT FileObject;

    KSPIN_LOCK CsqLock;            /* the cancel-safe queue's own lock */
    IO_CSQ RecvCsq;                /* RECV requests waiting for packets */
    LIST_ENTRY PendingRecvs;

    KTIMER ExpiryTimer;            /* QUEUE_TIME expiry while OPEN */
    KDPC ExpiryDpc;
    BOOLEAN TimerStarted;

    LIST_ENTRY Flows;              /* FLOW contexts associated with WFP flows, under Lock */
    EX_RUNDOWN_REF FlowRundown;    /* one reference per DIVERT_FLOW until its flowDeleteFn: close
                                      waits for zero before the callouts can be unregistered */

    BOOLEAN Started;               /* STARTUP ran: the REFLECT close event is due */
    DIVERT_DATA_REFLECT Reflect;   /* what REFLECT handles are told about this handle */

    HANDLE Engine;                 /* dynamic session holding this handle's callouts/filters */
    ULONG CalloutCount;
    DIVERT_CALLOUT Callouts[DIVERT_MAX_CALLOUTS];

    divert_handle Core;            /* state machine, queue and program (driver/core) */
};

/* A FLOW context (docs/spec/device-abi.md 12, FLOW layer): the 5-tuple to report at deletion. */
typedef struct DIVERT_FLOW
{
    LIST_ENTRY Link;               /* in DIVERT_HANDLE.Flows while associated */
    BOOLEAN Listed;
    DIVERT_HANDLE *Handle;         /* holds a reference */
    UINT64 FlowId;
    UINT16 LayerId;
    UINT32 CalloutId;
    DIVERT_ADDRESS Address;
} DIVERT_FLOW;

/* ---- entry.c ----------------------------------------------------------------------------- */
DRIVER_INITIALIZE DriverEntry;

/* ---- dispatch.c -------------------------------------------------------------------------- */
_Dispatch_type_(IRP_MJ_CREATE) DRIVER_DISPATCH DivertDispatchCreate;
_Dispatch_type_(IRP_MJ_CLEANUP) DRIVER_DISPATCH DivertDispatchCleanup;
_Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH DivertDispatchClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH DivertDispatchDeviceControl;

/* ---- handle.c ---------------------------------------------------------------------------- */
_IRQL_requires_max_(PASSIVE_LEVEL)
NTSTATUS DivertHandleCreate(_In_ PFILE_OBJECT fileObject, _Out_ DIVERT_HANDLE **handle);
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertHandleReference(_Inout_ DIVERT_HANDLE *handle);
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertHandleRelease(_Inout_ DIVERT_HANDLE *handle);

/* ---- teardown.c (called only by dispatch.c) ---------------------------------------------- */
/* Cleanup: stop capturing, flush the queue, cancel pending RECVs (docs/spec/device-abi.md 12, Close). */
_IRQL_requires_(PASSIVE_LEVEL)
VOID DivertHandleCleanup(_Inout_ DIVERT_HANDLE *handle);
/* Close: unregister callouts and drop the file object's reference. */
_IRQL_requires_(PASSIVE_LEVEL)
VOID DivertHandleClose(_Inout_ DIVERT_HANDLE *handle);

/* ---- ioctl.c ----------------------------------------------------------------------------- */
/* Runs one decoded request; STATUS_PENDING means the request owns the IRP (queued or already
 * completed) and the dispatch routine must not complete it. */
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertIoctl(_Inout_ DIVERT_HANDLE *handle, _Inout_ PIRP irp,
                     _In_ const divert_request *request, _Out_ ULONG_PTR *information);

/* ---- status.c: status mapping (docs/spec/device-abi.md 11.2) ---------------------------------------- */
_IRQL_requires_max_(DISPATCH_LEVEL)
NTSTATUS DivertNtStatus(_In_ divert_status status);
/* For injection outcomes the core's SEND loop classifies (hard vs soft). */
_IRQL_requires_max_(DISPATCH_LEVEL)
divert_status DivertCoreStatus(_In_ NTSTATUS status);

/* ---- packet.c ---------------------------------------------------------------------------- */
/* A record with room for length data bytes (Entry.length = length); NULL if > MTU_MAX or out of memory. */
_IRQL_requires_max_(DISPATCH_LEVEL)
DIVERT_PACKET *DivertPacketAllocate(_In_ UINT32 length);
/* Frees a NULL-terminated list of entries (as the core returns them). */
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertPacketFreeList(_In_opt_ divert_queue_entry *entry);
/* The core's view of a NET_BUFFER from its current data offset. */
_IRQL_requires_max_(DISPATCH_LEVEL)
divert_packet_view DivertNetBufferView(_In_ PNET_BUFFER buffer);

/* ---- queue.c ----------------------------------------------------------------------------- */
/* A RECV request's user buffers, locked and mapped at arrival (recv.c). */
typedef struct DIVERT_RECV_CONTEXT
{
    UINT8 *Data;                   /* the request's data buffer (system mapping), or NULL */
    ULONG DataLength;
    PMDL AddressMdl;               /* the caller's address array, locked for writing */
    DIVERT_ADDRESS *Addresses;
    PMDL LengthMdl;                /* the caller's u32 at addr_len_ptr, locked for writing */
    UINT32 *Length;
    UINT32 MaxPackets;
} DIVERT_RECV_CONTEXT;

/* IoCsq keeps its pointer in DriverContext[3]; slot 0 is ours. */
#define DIVERT_RECV_CONTEXT_OF(irp) ((DIVERT_RECV_CONTEXT *)(irp)->Tail.Overlay.DriverContext[0])

_IRQL_requires_max_(DISPATCH_LEVEL)
NTSTATUS DivertCsqInit(_Inout_ DIVERT_HANDLE *handle);
/* Unlocks the context's buffers and frees it. */
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertRecvContextFree(_In_opt_ DIVERT_RECV_CONTEXT *context);
/* Copies a batch into the request's buffers, frees the batch and completes the request. */
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertRecvFinish(_Inout_ PIRP irp, _Inout_ divert_recv_batch *batch);
/* Completes pending RECVs while the queue (or a shutdown) lets them finish. */
_IRQL_requires_max_(DISPATCH_LEVEL)
_Requires_lock_not_held_(handle->Lock)
VOID DivertRecvService(_Inout_ DIVERT_HANDLE *handle);
/* What a match does for this handle now (the core's rule, read under the handle's lock). */
_IRQL_requires_max_(DISPATCH_LEVEL)
_Requires_lock_not_held_(handle->Lock)
divert_capture_action DivertCaptureAction(_Inout_ DIVERT_HANDLE *handle, _In_ UINT32 event);
/* Queues a captured packet/event (or frees it if the handle may not queue). */
_IRQL_requires_max_(DISPATCH_LEVEL)
_Requires_lock_not_held_(handle->Lock)
BOOLEAN DivertQueuePacket(_Inout_ DIVERT_HANDLE *handle, _In_ __drv_aliasesMem DIVERT_PACKET *packet);
/* Completes a RECV IRP that holds a context with an error (cancel, PIPE_EMPTY). */
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertRecvFail(_Inout_ PIRP irp, _In_ NTSTATUS status);
/* Cleanup: every pending RECV ends with STATUS_CANCELLED. */
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertRecvCancelAll(_Inout_ DIVERT_HANDLE *handle);

/* ---- recv.c ------------------------------------------------------------------------------ */
/* RECV: validates, locks the caller's buffers, then completes or pends the IRP. Always
 * STATUS_PENDING once the IRP is owned; an error status means the caller completes it. */
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertRecvStart(_Inout_ DIVERT_HANDLE *handle, _Inout_ PIRP irp,
                         _In_ const divert_request *request);

/* ---- usermem.c --------------------------------------------------------------------------- */
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertReadUserU32(_In_ PIRP irp, _In_ UINT64 pointer, _Out_ UINT32 *value);
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertCopyFromUser(_In_ PIRP irp, _In_ UINT64 pointer, _In_ ULONG length,
                            _Out_writes_bytes_(length) PVOID destination);
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertLockUserBuffer(_In_ PIRP irp, _In_ UINT64 pointer, _In_ ULONG length,
                              _In_ LOCK_OPERATION operation, _Out_ PMDL *mdl, _Out_ PVOID *system);
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertUnlockUserBuffer(_In_opt_ PMDL mdl);
/* The request's data buffer (DeviceIoControl's "output buffer", METHOD_*_DIRECT). */
_IRQL_requires_max_(DISPATCH_LEVEL)
NTSTATUS DivertMapDataBuffer(_In_ PIRP irp, _Out_ PVOID *system, _Out_ ULONG *length);

/* ---- wfp.c ------------------------------------------------------------------------------- */
/* Provider and sub-layers (static objects, each call in a session of its own): added at load
 * and again by a STARTUP that finds them gone after a BFE restart; deleted at unload. */
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertWfpStart(VOID);
_IRQL_requires_(PASSIVE_LEVEL)
VOID DivertWfpStop(VOID);
/* STARTUP: a callout + filter per hook bit, weighted by the internal priority; all or none. */
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertWfpRegister(_Inout_ DIVERT_HANDLE *handle, _In_ UINT32 hooks, _In_ BOOLEAN trackFlows);
/* Cleanup: deletes the handle's filters (closing its dynamic session): no new classify. */
_IRQL_requires_(PASSIVE_LEVEL)
VOID DivertWfpStopCapture(_Inout_ DIVERT_HANDLE *handle);
/* Close: unregisters the run-time callouts. */
_IRQL_requires_(PASSIVE_LEVEL)
VOID DivertWfpUnregister(_Inout_ DIVERT_HANDLE *handle);

/* ---- classify_network.c / classify_ale.c (WFP callout functions) ------------------------- */
VOID NTAPI DivertClassifyNetwork(_In_ const FWPS_INCOMING_VALUES0 *inFixedValues,
    _In_ const FWPS_INCOMING_METADATA_VALUES0 *inMetaValues, _Inout_opt_ void *layerData,
    _In_ const FWPS_FILTER0 *filter, _In_ UINT64 flowContext, _Inout_ FWPS_CLASSIFY_OUT0 *classifyOut);
VOID NTAPI DivertClassifyAle(_In_ const FWPS_INCOMING_VALUES0 *inFixedValues,
    _In_ const FWPS_INCOMING_METADATA_VALUES0 *inMetaValues, _Inout_opt_ void *layerData,
    _In_ const FWPS_FILTER0 *filter, _In_ UINT64 flowContext, _Inout_ FWPS_CLASSIFY_OUT0 *classifyOut);
VOID NTAPI DivertFlowDelete(_In_ UINT16 layerId, _In_ UINT32 calloutId, _In_ UINT64 flowContext);
/* Cleanup: detaches every FLOW context so the callouts can be unregistered. */
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertFlowRemoveAll(_Inout_ DIVERT_HANDLE *handle);

/* ---- reflect.c --------------------------------------------------------------------------- */
/* After STARTUP: OPEN events about this handle, or (REFLECT) the snapshot of open handles. */
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertReflectStarted(_Inout_ DIVERT_HANDLE *handle);
/* At cleanup: CLOSE events about this handle. */
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertReflectStopped(_Inout_ DIVERT_HANDLE *handle);

/* ---- timer.c ----------------------------------------------------------------------------- */
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertTimerInit(_Out_ DIVERT_HANDLE *handle);
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertTimerStart(_Inout_ DIVERT_HANDLE *handle);
/* Cancels the timer and waits for a running expiry DPC. */
_IRQL_requires_(PASSIVE_LEVEL)
VOID DivertTimerStop(_Inout_ DIVERT_HANDLE *handle);

/* ---- inject.c ---------------------------------------------------------------------------- */
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertInjectStart(VOID);
_IRQL_requires_(PASSIVE_LEVEL)
VOID DivertInjectStop(VOID);
/* Copies (through the view: a flat buffer or a NET_BUFFER), prepares (checksums, impostor
 * TTL) and injects one packet with the injector's internal priority as context; NETWORK
 * picks send/receive from address->Outbound. compartment: the routing compartment classify
 * reported (FWPS_METADATA_FIELD_COMPARTMENT_ID), else UNSPECIFIED_COMPARTMENT_ID (SEND). */
_IRQL_requires_max_(DISPATCH_LEVEL)
NTSTATUS DivertInjectCopy(_In_ UINT32 priority, _In_ UINT32 layer, _In_ COMPARTMENT_ID compartment,
                          _In_ const DIVERT_ADDRESS *address, _In_ const divert_packet_view *packet);

/* ---- send.c ------------------------------------------------------------------------------ */
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertSend(_Inout_ DIVERT_HANDLE *handle, _In_ PIRP irp, _In_ const divert_request *request,
                    _Out_ ULONG_PTR *information);

/* ---- checkbuild/shim_check.c -------------------------------------------------------------- */
/* The built-in layer keys equal the literals the check-build shim declares. */
_IRQL_requires_max_(APC_LEVEL)
BOOLEAN DivertShimLayerKeysPinned(VOID);

#endif /* DIVERT4J_DRIVER_H */
