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

#define DIVERT_POOL_TAG        ((ULONG)0x6A347644)  /* 'j4vD': "Dv4j" in pool dumps */

/* One callout + filter per WFP layer a handle can need (device-abi.md 4.2): at most 12 for a
 * SOCKET handle (bind/connect/listen/accept x 2 families + 2 close layers x 2 families). */
#define DIVERT_MAX_CALLOUTS    12

/* The 20 WFP layers of device-abi.md 1.2, each with its own sub-layer. */
typedef enum DIVERT_WFP_LAYER
{
    DIVERT_WFP_INBOUND_IPPACKET_V4 = 0,
    DIVERT_WFP_OUTBOUND_IPPACKET_V4,
    DIVERT_WFP_INBOUND_IPPACKET_V6,
    DIVERT_WFP_OUTBOUND_IPPACKET_V6,
    DIVERT_WFP_IPFORWARD_V4,
    DIVERT_WFP_IPFORWARD_V6,
    DIVERT_WFP_FLOW_ESTABLISHED_V4,
    DIVERT_WFP_FLOW_ESTABLISHED_V6,
    DIVERT_WFP_RESOURCE_ASSIGNMENT_V4,
    DIVERT_WFP_RESOURCE_ASSIGNMENT_V6,
    DIVERT_WFP_RESOURCE_RELEASE_V4,
    DIVERT_WFP_RESOURCE_RELEASE_V6,
    DIVERT_WFP_AUTH_CONNECT_V4,
    DIVERT_WFP_AUTH_CONNECT_V6,
    DIVERT_WFP_ENDPOINT_CLOSURE_V4,
    DIVERT_WFP_ENDPOINT_CLOSURE_V6,
    DIVERT_WFP_AUTH_LISTEN_V4,
    DIVERT_WFP_AUTH_LISTEN_V6,
    DIVERT_WFP_AUTH_RECV_ACCEPT_V4,
    DIVERT_WFP_AUTH_RECV_ACCEPT_V6,
    DIVERT_WFP_LAYER_COUNT
} DIVERT_WFP_LAYER;

/* Constant keys (guids.c): ours, generated once; never WinDivert's. */
extern const GUID DIVERT_PROVIDER_KEY;
extern const GUID DIVERT_SUBLAYER_KEYS[DIVERT_WFP_LAYER_COUNT];
/* The built-in WFP layer each of ours maps to. */
extern const GUID *const DIVERT_WFP_LAYER_KEYS[DIVERT_WFP_LAYER_COUNT];

/* Driver-wide state: created in DriverEntry, destroyed in DriverUnload. */
typedef struct DIVERT_GLOBALS
{
    PDEVICE_OBJECT Device;
    BOOLEAN SymbolicLinkCreated;
    HANDLE Engine;                 /* the driver-owned (non-dynamic) engine session */
    BOOLEAN SubLayersAdded;
    HANDLE Injection[2];           /* [0] IPv4, [1] IPv6: network + forward injection */
    NDIS_HANDLE NblPool;           /* NBLs for injected packets */
    EX_RUNDOWN_REF InjectRundown;  /* one reference per injection still in flight */
    KSPIN_LOCK HandlesLock;        /* guards Handles */
    LIST_ENTRY Handles;            /* every open DIVERT_HANDLE, for REFLECT */
    volatile LONG PriorityCounter; /* low 16 bits of internal priorities (device-abi.md 6.4) */
    LARGE_INTEGER QpcFrequency;
} DIVERT_GLOBALS;

extern DIVERT_GLOBALS g_divert;

/* Per file object (user handle). Freed when RefCount drops to zero. */
typedef struct DIVERT_HANDLE
{
    LIST_ENTRY Link;               /* in g_divert.Handles, under HandlesLock */
    volatile LONG RefCount;        /* the file object's + one per borrower (timer, reflect) */
    EX_RUNDOWN_REF Rundown;        /* classify/inject paths that may run after cleanup began */
    KSPIN_LOCK Lock;               /* guards the core state below and PendingRecvs */
    PFILE_OBJECT FileObject;

    IO_CSQ RecvCsq;                /* RECV requests waiting for packets */
    LIST_ENTRY PendingRecvs;

    KTIMER ExpiryTimer;            /* queue expiry (QUEUE_TIME) */
    KDPC ExpiryDpc;

    HANDLE Engine;                 /* dynamic session holding this handle's callouts/filters */
    ULONG CalloutCount;
    UINT32 CalloutIds[DIVERT_MAX_CALLOUTS];     /* FwpsCalloutRegister ids */
    UINT32 MgmtCalloutIds[DIVERT_MAX_CALLOUTS]; /* FwpmCalloutAdd ids */
    UINT64 FilterIds[DIVERT_MAX_CALLOUTS];
    DIVERT_WFP_LAYER CalloutLayers[DIVERT_MAX_CALLOUTS];
} DIVERT_HANDLE;

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

/* Cleanup: stop capturing, flush the queue, cancel pending RECVs (device-abi.md 12, Close). */
_IRQL_requires_(PASSIVE_LEVEL)
VOID DivertHandleCleanup(_Inout_ DIVERT_HANDLE *handle);
/* Close: unregister callouts and drop the file object's reference. */
_IRQL_requires_(PASSIVE_LEVEL)
VOID DivertHandleClose(_Inout_ DIVERT_HANDLE *handle);

/* ---- ioctl.c ----------------------------------------------------------------------------- */
/* Runs one request; STATUS_PENDING means the IRP was queued and must not be completed. */
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertIoctl(_Inout_ DIVERT_HANDLE *handle, _Inout_ PIRP irp, _In_ ULONG code,
                     _In_ const DIVERT_IOCTL *header, _Out_ ULONG_PTR *information);

/* ---- csq.c ------------------------------------------------------------------------------- */
_IRQL_requires_max_(DISPATCH_LEVEL)
NTSTATUS DivertCsqInit(_Inout_ DIVERT_HANDLE *handle);

/* ---- usermem.c --------------------------------------------------------------------------- */
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertReadUserU32(_In_ PIRP irp, _In_ UINT64 pointer, _Out_ UINT32 *value);
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertLockUserBuffer(_In_ PIRP irp, _In_ UINT64 pointer, _In_ ULONG length,
                              _In_ LOCK_OPERATION operation, _Out_ PMDL *mdl, _Out_ PVOID *system);
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID DivertUnlockUserBuffer(_In_opt_ PMDL mdl);
/* The request's data buffer (DeviceIoControl's "output buffer", METHOD_*_DIRECT). */
_IRQL_requires_max_(DISPATCH_LEVEL)
NTSTATUS DivertMapDataBuffer(_In_ PIRP irp, _Out_ PVOID *system, _Out_ ULONG *length);

/* ---- wfp.c ------------------------------------------------------------------------------- */
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertWfpStart(VOID);
_IRQL_requires_(PASSIVE_LEVEL)
VOID DivertWfpStop(VOID);

/* ---- inject.c ---------------------------------------------------------------------------- */
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS DivertInjectStart(VOID);
_IRQL_requires_(PASSIVE_LEVEL)
VOID DivertInjectStop(VOID);

/* ---- shim_check.c ------------------------------------------------------------------------- */
/* The built-in layer keys equal the literals the check-build shim declares. */
_IRQL_requires_max_(APC_LEVEL)
BOOLEAN DivertShimLayerKeysPinned(VOID);

#endif /* DIVERT4J_DRIVER_H */
