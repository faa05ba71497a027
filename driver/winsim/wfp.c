/*
 * The filter engine: sessions (dynamic ones take their objects with them), transactions,
 * providers, sub-layers, management callouts and filters with the documented errors for
 * out-of-order steps, run-time callouts, classification at the IP packet layers (filters
 * ordered by sub-layer weight, then filter weight; a sub-layer ends at its first terminating
 * action; any BLOCK wins), and injection: handles, FwpsQueryPacketInjectionState0 and the
 * send/receive/forward functions, which record what the stack would see and complete
 * asynchronously (deferred work) with the NBL status set.
 */
#include "winsim_internal.h"

#include <string.h>

#define WINSIM_MAX_OBJECTS 256
#define ENGINE_MAGIC 0x454E474E53495757ULL
#define INJECT_MAGIC 0x4A4E494E53495757ULL

typedef enum object_state { OBJECT_FREE, OBJECT_LIVE, OBJECT_ADDED, OBJECT_DELETED } object_state;

typedef enum object_kind { KIND_PROVIDER, KIND_SUBLAYER, KIND_CALLOUT, KIND_FILTER } object_kind;

typedef struct engine
{
    UINT64 magic;
    bool dynamic;
    bool transaction;
    bool stale;             /* opened before the BFE stopped: only FwpmEngineClose0 works */
} engine;

/* The BFE service: sessions and every management object live in it (winsim_bfe_stop). The
 * WDK pages name no code for a call that cannot reach it; the simulation answers with the
 * RPC status of an unreachable server, as the management API is RPC to the service. */
#define WINSIM_BFE_GONE RPC_NT_SERVER_UNAVAILABLE

typedef struct wfp_object
{
    object_state state;
    object_kind kind;
    engine *owner;          /* the session that added it */
    GUID key;
    GUID layer;             /* callout: applicable layer; filter: layer */
    GUID subLayer;          /* filter */
    GUID calloutKey;        /* filter with a callout action */
    GUID providerKey;       /* sub-layer: its provider, if any */
    bool hasProvider;
    UINT16 weight;          /* sub-layer */
    UINT64 filterWeight;
    UINT64 id;
    FWP_ACTION_TYPE action;
    UINT64 rawContext;
} wfp_object;

typedef struct runtime_callout
{
    bool live;
    GUID key;
    UINT32 id;
    FWPS_CALLOUT0 callout;
    LONG classifying;       /* classifications that may still call it (atomic) */
} runtime_callout;

typedef struct injector
{
    UINT64 magic;
    ADDRESS_FAMILY family;
    UINT32 types;
    LONG inFlight;
} injector;

typedef struct stack_flow
{
    bool live;
    bool classifying;
    UINT64 id;
} stack_flow;

typedef struct flow_context
{
    bool live;
    bool removing;          /* removal pended: flowDeleteFn when the classification ends */
    UINT64 flowId;
    UINT16 layerId;
    UINT32 calloutId;
    UINT64 context;
    FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 deleteFn;
} flow_context;

static stack_flow flows[64];
static flow_context contexts[WINSIM_MAX_OBJECTS];

static winsim_lock wfp_lock;
static bool bfe_stopped;
static engine *engines[WINSIM_MAX_OBJECTS];   /* open sessions, so a BFE stop can reach them */
static wfp_object objects[WINSIM_MAX_OBJECTS];
static runtime_callout runtimes[WINSIM_MAX_OBJECTS];
static LONG live_engines, live_injectors;
static UINT64 next_filter_id = 1000;
static UINT32 next_callout_id = 100;

static winsim_injection *injections[16384];
static injector *injection_injectors[RTL_NUMBER_OF(injections)];   /* who made each */
static UINT32 injection_total;
/* While winsim_stack_reinject runs: the injection whose packet the stack indicates again. */
static _Thread_local injector *reinjector;
static _Thread_local HANDLE reinjection_context;

static bool guid_equal(const GUID *a, const GUID *b)
{
    return memcmp(a, b, sizeof(GUID)) == 0;
}

/* The built-in layers the driver uses and their run-time ids (FWPS_BUILTIN_LAYERS; the socket
 * layers' ids are only reported in FWPS_INCOMING_VALUES0.layerId, which the driver reads for
 * FLOW alone), and how many incoming values classify passes (0: not classified here). */
static const struct { const GUID *key; UINT16 id; UINT32 values; } layers[] =
{
    { &FWPM_LAYER_INBOUND_IPPACKET_V4, 0, 10 },
    { &FWPM_LAYER_INBOUND_IPPACKET_V6, 2, 10 },
    { &FWPM_LAYER_OUTBOUND_IPPACKET_V4, 4, 10 },
    { &FWPM_LAYER_OUTBOUND_IPPACKET_V6, 6, 10 },
    { &FWPM_LAYER_IPFORWARD_V4, 8, 15 },
    { &FWPM_LAYER_IPFORWARD_V6, 10, 15 },
    { &FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4, 52, 16 },   /* the fields up to FLAGS */
    { &FWPM_LAYER_ALE_FLOW_ESTABLISHED_V6, 0xFFFF, 0 },
    { &FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V4, 36, FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V4_FLAGS + 1 },
    { &FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V6, 0xFFFF, 0 },
    { &FWPM_LAYER_ALE_RESOURCE_RELEASE_V4, 70, FWPS_FIELD_ALE_RESOURCE_RELEASE_V4_FLAGS + 1 },
    { &FWPM_LAYER_ALE_RESOURCE_RELEASE_V6, 0xFFFF, 0 },
    { &FWPM_LAYER_ALE_AUTH_CONNECT_V4, 48, FWPS_FIELD_ALE_AUTH_CONNECT_V4_FLAGS + 1 },
    { &FWPM_LAYER_ALE_AUTH_CONNECT_V6, 0xFFFF, 0 },
    { &FWPM_LAYER_ALE_ENDPOINT_CLOSURE_V4, 72, FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4_FLAGS + 1 },
    { &FWPM_LAYER_ALE_ENDPOINT_CLOSURE_V6, 0xFFFF, 0 },
    { &FWPM_LAYER_ALE_AUTH_LISTEN_V4, 40, FWPS_FIELD_ALE_AUTH_LISTEN_V4_FLAGS + 1 },
    { &FWPM_LAYER_ALE_AUTH_LISTEN_V6, 0xFFFF, 0 },
    { &FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4, 44, FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_FLAGS + 1 },
    { &FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V6, 0xFFFF, 0 },
};

static int layer_index(const GUID *key)
{
    size_t i;
    for (i = 0; i < RTL_NUMBER_OF(layers); i++)
    {
        if (guid_equal(layers[i].key, key))
        {
            return (int)i;
        }
    }
    return -1;
}

static engine *engine_check(const char *function, HANDLE handle)
{
    engine *session = handle;
    if (session == NULL || session->magic != ENGINE_MAGIC)
    {
        winsim_fail(function, "%p is not an open engine handle", handle);
    }
    return session;
}

static wfp_object *object_find(object_kind kind, const GUID *key)
{
    size_t i;
    for (i = 0; i < RTL_NUMBER_OF(objects); i++)
    {
        if (objects[i].kind == kind && objects[i].state != OBJECT_FREE && objects[i].state != OBJECT_DELETED &&
            guid_equal(&objects[i].key, key))
        {
            return &objects[i];
        }
    }
    return NULL;
}

static wfp_object *object_add(const char *function, engine *session, object_kind kind, const GUID *key)
{
    size_t i;
    for (i = 0; i < RTL_NUMBER_OF(objects); i++)
    {
        if (objects[i].state == OBJECT_FREE)
        {
            RtlZeroMemory(&objects[i], sizeof(objects[i]));
            objects[i].state = session->transaction ? OBJECT_ADDED : OBJECT_LIVE;
            objects[i].kind = kind;
            objects[i].owner = session;
            objects[i].key = *key;
            return &objects[i];
        }
    }
    winsim_fail(function, "object table full");
}

static void object_delete(engine *session, wfp_object *object)
{
    if (object->state == OBJECT_ADDED || !session->transaction)
    {
        object->state = OBJECT_FREE;
    }
    else
    {
        object->state = OBJECT_DELETED;
    }
}

/* Is an object of `kind` whose `field` equals key still in use? */
static bool object_referenced(object_kind kind, size_t field, const GUID *key)
{
    size_t i;
    for (i = 0; i < RTL_NUMBER_OF(objects); i++)
    {
        if (objects[i].kind == kind && objects[i].state != OBJECT_FREE && objects[i].state != OBJECT_DELETED &&
            (kind != KIND_SUBLAYER || objects[i].hasProvider) &&
            guid_equal((const GUID *)((const UINT8 *)&objects[i] + field), key))
        {
            return true;
        }
    }
    return false;
}

/* Management calls run at PASSIVE_LEVEL and hold the engine's lock while they change it; a
 * session the BFE no longer knows fails (lock released). */
static NTSTATUS engine_enter(const char *function, HANDLE engineHandle, engine **session)
{
    winsim_irql_exact(function, PASSIVE_LEVEL);
    winsim_lock_acquire(&wfp_lock);
    *session = engine_check(function, engineHandle);
    if ((*session)->stale)
    {
        winsim_lock_release(&wfp_lock);
        return WINSIM_BFE_GONE;
    }
    return STATUS_SUCCESS;
}

/* ---- sessions and transactions ------------------------------------------------------------ */
static void engine_list(engine *session, bool add)
{
    size_t i;
    winsim_lock_acquire(&wfp_lock);
    for (i = 0; i < RTL_NUMBER_OF(engines); i++)
    {
        if (engines[i] == (add ? NULL : session))
        {
            engines[i] = add ? session : NULL;
            winsim_lock_release(&wfp_lock);
            return;
        }
    }
    winsim_fail(__func__, "engine table full");
}

/* The BFE stops: every session ends with it (their handles only close now) and every object
 * goes, static ones too ("static objects live until deleted, the BFE stops, or shutdown");
 * persistent and built-in objects are not simulated. Run-time callouts are the kernel's and
 * stay registered. */
void winsim_bfe_stop(void)
{
    size_t i;
    winsim_lock_acquire(&wfp_lock);
    bfe_stopped = true;
    for (i = 0; i < RTL_NUMBER_OF(engines); i++)
    {
        if (engines[i] != NULL)
        {
            engines[i]->stale = true;
            engines[i]->transaction = false;
        }
    }
    for (i = 0; i < RTL_NUMBER_OF(objects); i++)
    {
        objects[i].state = OBJECT_FREE;
        objects[i].owner = NULL;
    }
    winsim_lock_release(&wfp_lock);
}

void winsim_bfe_start(void)
{
    __atomic_store_n(&bfe_stopped, false, __ATOMIC_RELEASE);
}

NTSTATUS NTAPI FwpmEngineOpen0(const wchar_t *serverName, UINT32 authnService, SEC_WINNT_AUTH_IDENTITY_W *authIdentity,
                               const FWPM_SESSION0 *session, HANDLE *engineHandle)
{
    engine *opened;
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    /* Kernel callers must use the local engine with the default authentication. */
    if (serverName != NULL || authIdentity != NULL ||
        (authnService != RPC_C_AUTHN_DEFAULT && authnService != 10 /* RPC_C_AUTHN_WINNT */))
    {
        return STATUS_INVALID_PARAMETER;
    }
    if (session != NULL && (session->flags & ~FWPM_SESSION_FLAG_DYNAMIC) != 0)
    {
        winsim_fail(__func__, "session flags 0x%x not simulated", (unsigned)session->flags);
    }
    if (__atomic_load_n(&bfe_stopped, __ATOMIC_ACQUIRE))
    {
        return WINSIM_BFE_GONE;   /* "the filter engine must be currently running" */
    }
    opened = winsim_host_alloc(sizeof(*opened));
    opened->magic = ENGINE_MAGIC;
    opened->dynamic = session != NULL && (session->flags & FWPM_SESSION_FLAG_DYNAMIC) != 0;
    engine_list(opened, true);
    __atomic_add_fetch(&live_engines, 1, __ATOMIC_RELAXED);
    *engineHandle = opened;
    return STATUS_SUCCESS;
}

static void transaction_end(engine *session, bool commit)
{
    size_t i;
    for (i = 0; i < RTL_NUMBER_OF(objects); i++)
    {
        wfp_object *object = &objects[i];
        if (object->owner != session && object->state != OBJECT_DELETED)
        {
            continue;
        }
        if (object->state == OBJECT_ADDED)
        {
            object->state = commit ? OBJECT_LIVE : OBJECT_FREE;
        }
        else if (object->state == OBJECT_DELETED)
        {
            object->state = commit ? OBJECT_FREE : OBJECT_LIVE;
        }
    }
    session->transaction = false;
}

NTSTATUS NTAPI FwpmEngineClose0(HANDLE engineHandle)
{
    engine *session;
    size_t i;
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    winsim_lock_acquire(&wfp_lock);
    session = engine_check(__func__, engineHandle);   /* also a session the BFE lost */
    if (session->transaction)
    {
        transaction_end(session, false);
    }
    for (i = 0; i < RTL_NUMBER_OF(objects); i++)
    {
        if (objects[i].owner == session)
        {
            /* A dynamic session's objects go with it; others stay, owned by nobody. */
            if (session->dynamic)
            {
                objects[i].state = OBJECT_FREE;
            }
            objects[i].owner = NULL;
        }
    }
    session->magic = 0;
    winsim_lock_release(&wfp_lock);
    engine_list(session, false);
    __atomic_sub_fetch(&live_engines, 1, __ATOMIC_RELAXED);
    winsim_host_free(session);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI FwpmTransactionBegin0(HANDLE engineHandle, UINT32 flags)
{
    engine *session;
    NTSTATUS status = STATUS_SUCCESS;
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    if (flags != 0)
    {
        winsim_fail(__func__, "read-only transactions are not simulated");
    }
    status = engine_enter(__func__, engineHandle, &session);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    if (session->transaction)
    {
        status = STATUS_FWP_TXN_IN_PROGRESS;
    }
    session->transaction = true;
    winsim_lock_release(&wfp_lock);
    return status;
}

static NTSTATUS transaction_finish(const char *function, HANDLE engineHandle, bool commit)
{
    engine *session;
    NTSTATUS status = STATUS_SUCCESS;
    status = engine_enter(function, engineHandle, &session);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    if (!session->transaction)
    {
        status = STATUS_FWP_NO_TXN_IN_PROGRESS;
    }
    else
    {
        transaction_end(session, commit);
    }
    winsim_lock_release(&wfp_lock);
    return status;
}

NTSTATUS NTAPI FwpmTransactionCommit0(HANDLE engineHandle)
{
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    return transaction_finish(__func__, engineHandle, true);
}

NTSTATUS NTAPI FwpmTransactionAbort0(HANDLE engineHandle)
{
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    return transaction_finish(__func__, engineHandle, false);
}

/* ---- providers and sub-layers --------------------------------------------------------------- */
NTSTATUS NTAPI FwpmProviderAdd0(HANDLE engineHandle, const FWPM_PROVIDER0 *provider, PSECURITY_DESCRIPTOR sd)
{
    NTSTATUS status = STATUS_SUCCESS;
    engine *session;
    UNREFERENCED_PARAMETER(sd);
    status = engine_enter(__func__, engineHandle, &session);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    if (object_find(KIND_PROVIDER, &provider->providerKey) != NULL)
    {
        status = STATUS_FWP_ALREADY_EXISTS;
    }
    else
    {
        object_add(__func__, session, KIND_PROVIDER, &provider->providerKey);
    }
    winsim_lock_release(&wfp_lock);
    return status;
}

/* Deletes an object unless another still names it (a sub-layer its provider, a filter its sub-layer). */
static NTSTATUS delete_by_key(const char *function, HANDLE engineHandle, object_kind kind, const GUID *key,
                              NTSTATUS notFound, object_kind user, size_t userField)
{
    NTSTATUS status = STATUS_SUCCESS;
    wfp_object *object;
    engine *session;
    winsim_irql_exact(function, PASSIVE_LEVEL);
    status = engine_enter(function, engineHandle, &session);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    object = object_find(kind, key);
    if (object == NULL)
    {
        status = notFound;
    }
    else if (object_referenced(user, userField, key))
    {
        status = STATUS_FWP_IN_USE;
    }
    else
    {
        object_delete(session, object);
    }
    winsim_lock_release(&wfp_lock);
    return status;
}

NTSTATUS NTAPI FwpmProviderDeleteByKey0(HANDLE engineHandle, const GUID *key)
{
    return delete_by_key(__func__, engineHandle, KIND_PROVIDER, key, STATUS_FWP_PROVIDER_NOT_FOUND, KIND_SUBLAYER,
                         offsetof(wfp_object, providerKey));
}

NTSTATUS NTAPI FwpmSubLayerAdd0(HANDLE engineHandle, const FWPM_SUBLAYER0 *subLayer, PSECURITY_DESCRIPTOR sd)
{
    NTSTATUS status = STATUS_SUCCESS;
    wfp_object *object;
    engine *session;
    UNREFERENCED_PARAMETER(sd);
    status = engine_enter(__func__, engineHandle, &session);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    if (object_find(KIND_SUBLAYER, &subLayer->subLayerKey) != NULL)
    {
        status = STATUS_FWP_ALREADY_EXISTS;
    }
    else if (subLayer->providerKey != NULL && object_find(KIND_PROVIDER, subLayer->providerKey) == NULL)
    {
        status = STATUS_FWP_PROVIDER_NOT_FOUND;
    }
    else
    {
        object = object_add(__func__, session, KIND_SUBLAYER, &subLayer->subLayerKey);
        object->weight = subLayer->weight;
        object->hasProvider = subLayer->providerKey != NULL;
        if (object->hasProvider)
        {
            object->providerKey = *subLayer->providerKey;
        }
    }
    winsim_lock_release(&wfp_lock);
    return status;
}

NTSTATUS NTAPI FwpmSubLayerDeleteByKey0(HANDLE engineHandle, const GUID *key)
{
    return delete_by_key(__func__, engineHandle, KIND_SUBLAYER, key, STATUS_FWP_SUBLAYER_NOT_FOUND, KIND_FILTER,
                         offsetof(wfp_object, subLayer));
}

/* ---- callouts and filters -------------------------------------------------------------------- */
static UINT32 callout_id_for(const GUID *key)
{
    size_t i;
    for (i = 0; i < RTL_NUMBER_OF(runtimes); i++)
    {
        if (runtimes[i].live && guid_equal(&runtimes[i].key, key))
        {
            return runtimes[i].id;
        }
    }
    return 0;
}

NTSTATUS NTAPI FwpmCalloutAdd0(HANDLE engineHandle, const FWPM_CALLOUT0 *callout, PSECURITY_DESCRIPTOR sd, UINT32 *id)
{
    NTSTATUS status = STATUS_SUCCESS;
    wfp_object *object;
    engine *session;
    UNREFERENCED_PARAMETER(sd);
    status = engine_enter(__func__, engineHandle, &session);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    if (layer_index(&callout->applicableLayer) < 0)
    {
        status = STATUS_FWP_LAYER_NOT_FOUND;
    }
    else if (object_find(KIND_CALLOUT, &callout->calloutKey) != NULL)
    {
        status = STATUS_FWP_ALREADY_EXISTS;
    }
    else
    {
        object = object_add(__func__, session, KIND_CALLOUT, &callout->calloutKey);
        object->layer = callout->applicableLayer;
        object->id = callout_id_for(&callout->calloutKey);
        if (id != NULL)
        {
            *id = (UINT32)object->id;
        }
    }
    winsim_lock_release(&wfp_lock);
    return status;
}

NTSTATUS NTAPI FwpmFilterAdd0(HANDLE engineHandle, const FWPM_FILTER0 *filter, PSECURITY_DESCRIPTOR sd, UINT64 *id)
{
    NTSTATUS status = STATUS_SUCCESS;
    const wfp_object *callout = NULL;
    wfp_object *object;
    engine *session;
    UNREFERENCED_PARAMETER(sd);
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    if (filter->numFilterConditions != 0)
    {
        winsim_fail(__func__, "filter conditions are not simulated");
    }
    if (filter->weight.type != FWP_UINT64 && filter->weight.type != FWP_EMPTY)
    {
        winsim_fail(__func__, "weight type %d not simulated", (int)filter->weight.type);
    }
    status = engine_enter(__func__, engineHandle, &session);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    if (filter->action.type & FWP_ACTION_FLAG_CALLOUT)
    {
        callout = object_find(KIND_CALLOUT, &filter->action.calloutKey);
    }
    if (layer_index(&filter->layerKey) < 0)
    {
        status = STATUS_FWP_LAYER_NOT_FOUND;
    }
    else if (object_find(KIND_SUBLAYER, &filter->subLayerKey) == NULL)
    {
        status = STATUS_FWP_SUBLAYER_NOT_FOUND;
    }
    else if ((filter->action.type & FWP_ACTION_FLAG_CALLOUT) && callout == NULL)
    {
        status = STATUS_FWP_CALLOUT_NOT_FOUND;
    }
    else if (callout != NULL && !guid_equal(&callout->layer, &filter->layerKey))
    {
        status = STATUS_FWP_INCOMPATIBLE_LAYER;
    }
    else if (filter->weight.type == FWP_UINT64 && filter->weight.uint64 == NULL)
    {
        status = STATUS_FWP_NULL_POINTER;
    }
    else
    {
        object = object_add(__func__, session, KIND_FILTER, &filter->filterKey);
        object->layer = filter->layerKey;
        object->subLayer = filter->subLayerKey;
        object->action = filter->action.type;
        object->calloutKey = filter->action.calloutKey;
        object->filterWeight = filter->weight.type == FWP_UINT64 ? *filter->weight.uint64 : 0;
        object->rawContext = filter->rawContext;
        object->id = next_filter_id++;
        if (id != NULL)
        {
            *id = object->id;
        }
    }
    winsim_lock_release(&wfp_lock);
    return status;
}

NTSTATUS NTAPI FwpsCalloutRegister0(void *deviceObject, const FWPS_CALLOUT0 *callout, UINT32 *calloutId)
{
    NTSTATUS status = STATUS_SUCCESS;
    size_t i, slot = RTL_NUMBER_OF(runtimes);
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    if (!winsim_device_live(deviceObject))
    {
        winsim_fail(__func__, "%p is not a device object of the driver", deviceObject);
    }
    if (callout->classifyFn == NULL || callout->notifyFn == NULL)
    {
        return STATUS_INVALID_PARAMETER;
    }
    if (callout->flags != 0)
    {
        winsim_fail(__func__, "callout flags 0x%x not simulated", (unsigned)callout->flags);
    }
    winsim_lock_acquire(&wfp_lock);
    for (i = 0; i < RTL_NUMBER_OF(runtimes); i++)
    {
        if (runtimes[i].live && guid_equal(&runtimes[i].key, &callout->calloutKey))
        {
            status = STATUS_FWP_ALREADY_EXISTS;
        }
        if (!runtimes[i].live && __atomic_load_n(&runtimes[i].classifying, __ATOMIC_ACQUIRE) == 0 &&
            slot == RTL_NUMBER_OF(runtimes))
        {
            slot = i;
        }
    }
    if (NT_SUCCESS(status))
    {
        if (slot == RTL_NUMBER_OF(runtimes))
        {
            winsim_fail(__func__, "callout table full");
        }
        runtimes[slot].live = true;
        runtimes[slot].key = callout->calloutKey;
        runtimes[slot].id = next_callout_id++;
        runtimes[slot].callout = *callout;
        if (calloutId != NULL)
        {
            *calloutId = runtimes[slot].id;
        }
    }
    winsim_lock_release(&wfp_lock);
    return status;
}

NTSTATUS NTAPI FwpsCalloutUnregisterById0(const UINT32 calloutId)
{
    size_t i;
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    winsim_lock_acquire(&wfp_lock);
    for (i = 0; i < RTL_NUMBER_OF(runtimes); i++)
    {
        if (runtimes[i].live && runtimes[i].id == calloutId)
        {
            size_t c;
            for (c = 0; c < RTL_NUMBER_OF(contexts); c++)
            {
                if (contexts[c].live && contexts[c].calloutId == calloutId)
                {
                    /* Stays registered: the driver must remove the contexts and call again. */
                    winsim_lock_release(&wfp_lock);
                    return STATUS_DEVICE_BUSY;
                }
            }
            runtimes[i].live = false;
            winsim_lock_release(&wfp_lock);
            /* A driver may free what its classifyFn uses (and unload) once this returns, so the
             * filter engine lets a classification already calling the callout finish first. */
            if (__atomic_load_n(&runtimes[i].classifying, __ATOMIC_ACQUIRE) != 0)
            {
                winsim_wait_begin();
                while (__atomic_load_n(&runtimes[i].classifying, __ATOMIC_ACQUIRE) != 0)
                {
                    winsim_host_yield();
                }
                winsim_wait_end();
            }
            return STATUS_SUCCESS;
        }
    }
    winsim_lock_release(&wfp_lock);
    return STATUS_FWP_CALLOUT_NOT_FOUND;
}

/* ---- flows and flow contexts ----------------------------------------------------------------
 * A flow lives from winsim_flow_established to winsim_flow_end. Contexts are keyed by (flow,
 * layer, callout). FwpsFlowRemoveContext0 calls flowDeleteFn at once, or - while a
 * classification of the flow is in progress (winsim_flow_classifying) - returns STATUS_PENDING
 * and calls it when that classification ends. A callout with contexts attached cannot be
 * unregistered (STATUS_DEVICE_BUSY). */
static stack_flow *flow_find(UINT64 id)
{
    size_t i;
    for (i = 0; i < RTL_NUMBER_OF(flows); i++)
    {
        if (flows[i].live && flows[i].id == id)
        {
            return &flows[i];
        }
    }
    return NULL;
}

static flow_context *context_find(UINT64 flowId, UINT16 layerId, UINT32 calloutId)
{
    size_t i;
    for (i = 0; i < RTL_NUMBER_OF(contexts); i++)
    {
        if (contexts[i].live && contexts[i].flowId == flowId && contexts[i].layerId == layerId &&
            contexts[i].calloutId == calloutId)
        {
            return &contexts[i];
        }
    }
    return NULL;
}

/* Detaches a context (wfp_lock held by the caller, released here) and tells its callout. */
static void context_delete(flow_context *entry)
{
    FWPS_CALLOUT_FLOW_DELETE_NOTIFY_FN0 deleteFn = entry->deleteFn;
    UINT16 layerId = entry->layerId;
    UINT32 calloutId = entry->calloutId;
    UINT64 context = entry->context;
    entry->live = false;
    winsim_lock_release(&wfp_lock);
    deleteFn(layerId, calloutId, context);
}

NTSTATUS NTAPI FwpsFlowAssociateContext0(UINT64 flowId, UINT16 layerId, UINT32 calloutId, UINT64 flowContext)
{
    const runtime_callout *callout = NULL;
    size_t i, slot = RTL_NUMBER_OF(contexts);
    NTSTATUS status = STATUS_SUCCESS;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    winsim_lock_acquire(&wfp_lock);
    for (i = 0; i < RTL_NUMBER_OF(runtimes); i++)
    {
        if (runtimes[i].live && runtimes[i].id == calloutId)
        {
            callout = &runtimes[i];
        }
    }
    if (flow_find(flowId) == NULL)
    {
        winsim_fail(__func__, "flow %llu is not a live flow", (unsigned long long)flowId);
    }
    if (flowContext == 0 || callout == NULL || callout->callout.flowDeleteFn == NULL)
    {
        status = STATUS_INVALID_PARAMETER;
    }
    else if (context_find(flowId, layerId, calloutId) != NULL)
    {
        status = STATUS_OBJECT_NAME_EXISTS;
    }
    else
    {
        for (i = 0; i < RTL_NUMBER_OF(contexts) && slot == RTL_NUMBER_OF(contexts); i++)
        {
            slot = contexts[i].live ? slot : i;
        }
        if (slot == RTL_NUMBER_OF(contexts))
        {
            winsim_fail(__func__, "flow context table full");
        }
        contexts[slot].live = true;
        contexts[slot].removing = false;
        contexts[slot].flowId = flowId;
        contexts[slot].layerId = layerId;
        contexts[slot].calloutId = calloutId;
        contexts[slot].context = flowContext;
        contexts[slot].deleteFn = callout->callout.flowDeleteFn;
    }
    winsim_lock_release(&wfp_lock);
    return status;
}

NTSTATUS NTAPI FwpsFlowRemoveContext0(UINT64 flowId, UINT16 layerId, UINT32 calloutId)
{
    flow_context *entry;
    const stack_flow *flow;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    winsim_lock_acquire(&wfp_lock);
    entry = context_find(flowId, layerId, calloutId);
    if (entry == NULL || entry->removing)
    {
        winsim_lock_release(&wfp_lock);
        return STATUS_UNSUCCESSFUL;   /* no context associated (any more) */
    }
    flow = flow_find(flowId);
    if (flow != NULL && flow->classifying)
    {
        entry->removing = true;
        winsim_lock_release(&wfp_lock);
        return STATUS_PENDING;
    }
    context_delete(entry);
    return STATUS_SUCCESS;
}

/* Deferred: a pended removal completes once the classification is over. */
static void context_delete_deferred(void *argument)
{
    flow_context *entry = argument;
    winsim_lock_acquire(&wfp_lock);
    if (!entry->live)
    {
        winsim_lock_release(&wfp_lock);
        return;
    }
    context_delete(entry);
}

void winsim_flow_classifying(uint64_t id, bool active)
{
    stack_flow *flow;
    size_t i;
    winsim_lock_acquire(&wfp_lock);
    flow = flow_find(id);
    if (flow == NULL)
    {
        winsim_fail(__func__, "flow %llu is not live", (unsigned long long)id);
    }
    flow->classifying = active;
    for (i = 0; i < RTL_NUMBER_OF(contexts) && !active; i++)
    {
        if (contexts[i].live && contexts[i].removing && contexts[i].flowId == id)
        {
            winsim_defer(context_delete_deferred, &contexts[i]);
        }
    }
    winsim_lock_release(&wfp_lock);
}

void winsim_flow_end(uint64_t id)
{
    stack_flow *flow;
    KIRQL old;
    size_t i;
    winsim_lock_acquire(&wfp_lock);
    flow = flow_find(id);
    if (flow == NULL || flow->classifying)
    {
        winsim_fail(__func__, "flow %llu is not live or still being classified", (unsigned long long)id);
    }
    flow->live = false;
    winsim_lock_release(&wfp_lock);
    /* The stack tears a flow down at DISPATCH_LEVEL, each callout's context in turn. */
    old = winsim_irql_raise(__func__, DISPATCH_LEVEL);
    for (i = 0; i < RTL_NUMBER_OF(contexts); i++)
    {
        winsim_lock_acquire(&wfp_lock);
        if (contexts[i].live && contexts[i].flowId == id)
        {
            context_delete(&contexts[i]);
        }
        else
        {
            winsim_lock_release(&wfp_lock);
        }
    }
    winsim_irql_lower(__func__, old);
}

winsim_verdict winsim_flow_established(const winsim_flow *flow)
{
    FWPS_INCOMING_VALUE0 value[16];
    FWPS_INCOMING_VALUES0 values;
    FWPS_INCOMING_METADATA_VALUES0 metadata;
    size_t i, slot = RTL_NUMBER_OF(flows);
    winsim_lock_acquire(&wfp_lock);
    if (flow_find(flow->id) != NULL)
    {
        winsim_fail(__func__, "flow %llu already live", (unsigned long long)flow->id);
    }
    for (i = 0; i < RTL_NUMBER_OF(flows) && slot == RTL_NUMBER_OF(flows); i++)
    {
        slot = flows[i].live ? slot : i;
    }
    if (slot == RTL_NUMBER_OF(flows))
    {
        winsim_fail(__func__, "flow table full");
    }
    flows[slot].live = true;
    flows[slot].classifying = false;
    flows[slot].id = flow->id;
    winsim_lock_release(&wfp_lock);

    /* fwpsk.h FWPS_FIELDS_ALE_FLOW_ESTABLISHED_V4 order; the unset ones stay FWP_EMPTY. */
    RtlZeroMemory(value, sizeof(value));
    RtlZeroMemory(&metadata, sizeof(metadata));
    value[2].value.type = FWP_UINT32;
    value[2].value.uint32 = flow->local_addr;
    value[3].value.type = FWP_UINT8;
    value[3].value.uint8 = 1;   /* NlatUnicast */
    value[4].value.type = FWP_UINT16;
    value[4].value.uint16 = flow->local_port;
    value[5].value.type = FWP_UINT8;
    value[5].value.uint8 = flow->protocol;
    value[6].value.type = FWP_UINT32;
    value[6].value.uint32 = flow->remote_addr;
    value[7].value.type = FWP_UINT16;
    value[7].value.uint16 = flow->remote_port;
    value[12].value.type = FWP_UINT32;
    value[12].value.uint32 = flow->outbound ? FWP_DIRECTION_OUTBOUND : FWP_DIRECTION_INBOUND;
    value[15].value.type = FWP_UINT32;
    value[15].value.uint32 = 0;
    values.layerId = 52;
    values.valueCount = RTL_NUMBER_OF(value);
    values.incomingValue = value;
    metadata.currentMetadataValues = FWPS_METADATA_FIELD_FLOW_HANDLE | FWPS_METADATA_FIELD_PROCESS_ID |
                                     FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE;
    metadata.flowHandle = flow->id;
    metadata.processId = flow->process_id;
    metadata.transportEndpointHandle = flow->endpoint;
    return winsim_classify(&FWPM_LAYER_ALE_FLOW_ESTABLISHED_V4, &values, &metadata, NULL);
}

/* ---- classification ----------------------------------------------------------------------------- */
typedef struct candidate
{
    UINT16 subLayerWeight;
    UINT64 weight;
    UINT64 filterId;
    FWP_ACTION_TYPE action;
    UINT64 context;
    GUID subLayer;
    FWPS_CALLOUT0 callout;
    UINT32 calloutId;
    runtime_callout *runtime;   /* registered: held (classifying) until the classification ends */
} candidate;

winsim_verdict winsim_classify(const GUID *layer, const FWPS_INCOMING_VALUES0 *values,
                               const FWPS_INCOMING_METADATA_VALUES0 *meta, void *layerData)
{
    candidate list[WINSIM_MAX_OBJECTS];
    winsim_verdict verdict = { false, false, 0 };
    size_t count = 0, i, j;
    int index = layer_index(layer);
    KIRQL old;
    if (index < 0 || layers[index].values == 0)
    {
        winsim_fail(__func__, "classification at this layer is not simulated yet");
    }
    /* Snapshot the committed filters, then call out without the engine's lock. */
    winsim_lock_acquire(&wfp_lock);
    for (i = 0; i < RTL_NUMBER_OF(objects); i++)
    {
        const wfp_object *filter = &objects[i];
        const wfp_object *subLayer;
        candidate *entry;
        if (filter->kind != KIND_FILTER || (filter->state != OBJECT_LIVE && filter->state != OBJECT_DELETED) ||
            !guid_equal(&filter->layer, layer))
        {
            continue;
        }
        subLayer = object_find(KIND_SUBLAYER, &filter->subLayer);
        entry = &list[count++];
        RtlZeroMemory(entry, sizeof(*entry));
        entry->subLayerWeight = subLayer != NULL ? subLayer->weight : 0;
        entry->subLayer = filter->subLayer;
        entry->weight = filter->filterWeight;
        entry->filterId = filter->id;
        entry->action = filter->action;
        entry->context = filter->rawContext;
        for (j = 0; j < RTL_NUMBER_OF(runtimes); j++)
        {
            if (runtimes[j].live && guid_equal(&runtimes[j].key, &filter->calloutKey))
            {
                entry->callout = runtimes[j].callout;
                entry->calloutId = runtimes[j].id;
                entry->runtime = &runtimes[j];
                __atomic_add_fetch(&runtimes[j].classifying, 1, __ATOMIC_ACQ_REL);
            }
        }
    }
    winsim_lock_release(&wfp_lock);
    /* Order: sub-layer weight, then filter weight, both descending (insertion sort). */
    for (i = 1; i < count; i++)
    {
        candidate key = list[i];
        for (j = i; j > 0 && (list[j - 1].subLayerWeight < key.subLayerWeight ||
                              (list[j - 1].subLayerWeight == key.subLayerWeight && list[j - 1].weight < key.weight));
             j--)
        {
            list[j] = list[j - 1];
        }
        list[j] = key;
    }
    /* The network layers classify at DISPATCH_LEVEL on the sending/receiving path. */
    old = winsim_irql_raise(__func__, DISPATCH_LEVEL);
    for (i = 0; i < count;)
    {
        FWPS_CLASSIFY_OUT0 out = { FWP_ACTION_CONTINUE, 0, 0, FWPS_RIGHT_ACTION_WRITE, 0, 0 };
        bool decided = false;
        for (j = i; j < count && guid_equal(&list[j].subLayer, &list[i].subLayer); j++)
        {
            FWPS_FILTER0 filter;
            if (decided)
            {
                continue;
            }
            if (!(list[j].action & FWP_ACTION_FLAG_CALLOUT))
            {
                out.actionType = list[j].action;
            }
            else if (list[j].runtime == NULL)
            {
                out.actionType = FWP_ACTION_BLOCK;   /* an unregistered callout's filter blocks */
            }
            else
            {
                RtlZeroMemory(&filter, sizeof(filter));
                filter.filterId = list[j].filterId;
                filter.weight.type = FWP_UINT64;
                filter.weight.uint64 = &list[j].weight;
                filter.subLayerWeight = list[j].subLayerWeight;
                filter.action.type = list[j].action;
                filter.action.calloutId = list[j].calloutId;
                filter.context = list[j].context;
                list[j].callout.classifyFn(values, meta, layerData, &filter, 0, &out);
                verdict.callouts++;
                if (winsim_irql() != DISPATCH_LEVEL)
                {
                    winsim_fail("classifyFn", "returned at another IRQL");
                }
            }
            if (out.actionType == FWP_ACTION_BLOCK || out.actionType == FWP_ACTION_PERMIT)
            {
                decided = true;
            }
            else if (out.actionType != FWP_ACTION_CONTINUE)
            {
                winsim_fail("classifyFn", "returned action 0x%x", (unsigned)out.actionType);
            }
        }
        if (out.flags & FWPS_CLASSIFY_OUT_FLAG_ABSORB)
        {
            if (out.actionType != FWP_ACTION_BLOCK)
            {
                winsim_fail("classifyFn", "FWPS_CLASSIFY_OUT_FLAG_ABSORB without FWP_ACTION_BLOCK");
            }
            verdict.absorbed = true;
        }
        if (out.actionType == FWP_ACTION_BLOCK)
        {
            verdict.blocked = true;
        }
        i = j;
    }
    for (i = 0; i < count; i++)
    {
        if (list[i].runtime != NULL)
        {
            __atomic_sub_fetch(&list[i].runtime->classifying, 1, __ATOMIC_ACQ_REL);
        }
    }
    winsim_irql_lower(__func__, old);
    return verdict;
}

/* ---- injection --------------------------------------------------------------------------------- */
static injector *injector_check(const char *function, HANDLE handle)
{
    injector *injecting = handle;
    if (injecting == NULL || injecting->magic != INJECT_MAGIC)
    {
        winsim_fail(function, "%p is not an injection handle", handle);
    }
    return injecting;
}

NTSTATUS NTAPI FwpsInjectionHandleCreate0(ADDRESS_FAMILY addressFamily, UINT32 flags, HANDLE *injectionHandle)
{
    injector *created;
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    if (addressFamily != AF_INET && addressFamily != AF_INET6 && addressFamily != 0)
    {
        return STATUS_INVALID_PARAMETER;
    }
    if (flags == 0 || (flags & ~(UINT32)(FWPS_INJECTION_TYPE_NETWORK | FWPS_INJECTION_TYPE_FORWARD)) != 0)
    {
        winsim_fail(__func__, "injection types 0x%x not simulated", (unsigned)flags);
    }
    created = winsim_host_alloc(sizeof(*created));
    created->magic = INJECT_MAGIC;
    created->family = addressFamily;
    created->types = flags;
    __atomic_add_fetch(&live_injectors, 1, __ATOMIC_RELAXED);
    *injectionHandle = created;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI FwpsInjectionHandleDestroy0(HANDLE injectionHandle)
{
    injector *injecting;
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    injecting = injector_check(__func__, injectionHandle);
    if (__atomic_load_n(&injecting->inFlight, __ATOMIC_ACQUIRE) != 0)
    {
        winsim_fail(__func__, "destroyed with %d injections still in flight", (int)injecting->inFlight);
    }
    injecting->magic = 0;
    __atomic_sub_fetch(&live_injectors, 1, __ATOMIC_RELAXED);
    winsim_host_free(injecting);
    return STATUS_SUCCESS;
}

FWPS_PACKET_INJECTION_STATE NTAPI FwpsQueryPacketInjectionState0(HANDLE injectionHandle,
                                                                 const NET_BUFFER_LIST *netBufferList,
                                                                 HANDLE *injectionContext)
{
    HANDLE context = NULL, by;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    injector_check(__func__, injectionHandle);
    by = winsim_nbl_injector(netBufferList, &context);
    if (by == NULL)
    {
        return FWPS_PACKET_NOT_INJECTED;
    }
    if (by != injectionHandle)
    {
        return FWPS_PACKET_INJECTED_BY_OTHER;
    }
    if (injectionContext != NULL)
    {
        *injectionContext = context;
    }
    return FWPS_PACKET_INJECTED_BY_SELF;
}

typedef struct completion
{
    injector *injecting;
    NET_BUFFER_LIST *nbl;
    FWPS_INJECT_COMPLETE0 *function;
    HANDLE context;
} completion;

static void injection_complete(void *argument)
{
    completion *done = argument;
    winsim_nbl_mark_injected(done->nbl, done->injecting, NULL, false);
    NET_BUFFER_LIST_STATUS(done->nbl) = STATUS_SUCCESS;
    __atomic_sub_fetch(&done->injecting->inFlight, 1, __ATOMIC_ACQ_REL);
    done->function(done->context, done->nbl, TRUE);
    winsim_host_free(done);
}

static NTSTATUS inject(const char *function, winsim_inject_kind kind, HANDLE injectionHandle, HANDLE injectionContext,
                       UINT32 flags, COMPARTMENT_ID compartmentId, IF_INDEX ifIndex, IF_INDEX subIfIndex,
                       NET_BUFFER_LIST *nbl, FWPS_INJECT_COMPLETE0 *completionFn, HANDLE completionContext)
{
    injector *injecting;
    winsim_injection *record;
    completion *done;
    PNET_BUFFER buffer;
    UINT32 version;
    winsim_irql_max(function, DISPATCH_LEVEL);
    injecting = injector_check(function, injectionHandle);
    if (flags != 0)
    {
        winsim_fail(function, "injection flags 0x%x not simulated", (unsigned)flags);
    }
    if (completionFn == NULL)
    {
        winsim_fail(function, "no completion function (required for driver-built NBLs)");
    }
    if ((injecting->types & (kind == WINSIM_INJECT_FORWARD ? FWPS_INJECTION_TYPE_FORWARD : FWPS_INJECTION_TYPE_NETWORK)) == 0)
    {
        return STATUS_FWP_INVALID_PARAMETER;
    }
    buffer = NET_BUFFER_LIST_FIRST_NB(nbl);
    if (buffer == NULL || NET_BUFFER_NEXT_NB(buffer) != NULL)
    {
        winsim_fail(function, "only single-NET_BUFFER lists are simulated");
    }
    record = winsim_host_alloc(sizeof(*record) + NET_BUFFER_DATA_LENGTH(buffer));
    record->kind = kind;
    record->compartment = compartmentId;
    record->if_index = ifIndex;
    record->sub_if_index = subIfIndex;
    record->context = (uint64_t)(ULONG_PTR)injectionContext;
    if (!winsim_nb_copy(buffer, record->data, NET_BUFFER_DATA_LENGTH(buffer), &record->length) ||
        record->length == 0)
    {
        winsim_fail(function, "NET_BUFFER data not readable");
    }
    version = record->data[0] >> 4;
    if ((injecting->family == AF_INET && version != 4) || (injecting->family == AF_INET6 && version != 6))
    {
        winsim_fail(function, "IPv%u packet on an injection handle of the other family", (unsigned)version);
    }
    winsim_lock_acquire(&wfp_lock);
    if (injection_total == RTL_NUMBER_OF(injections))
    {
        winsim_fail(function, "injection record full");
    }
    injection_injectors[injection_total] = injecting;
    injections[injection_total] = record;
    /* Published: winsim_injection_count/get read without the lock. */
    __atomic_store_n(&injection_total, injection_total + 1, __ATOMIC_RELEASE);
    winsim_lock_release(&wfp_lock);
    winsim_nbl_mark_injected(nbl, injecting, injectionContext, true);
    __atomic_add_fetch(&injecting->inFlight, 1, __ATOMIC_ACQ_REL);
    done = winsim_host_alloc(sizeof(*done));
    done->injecting = injecting;
    done->nbl = nbl;
    done->function = completionFn;
    done->context = completionContext;
    winsim_defer(injection_complete, done);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI FwpsInjectNetworkSendAsync0(HANDLE injectionHandle, HANDLE injectionContext, UINT32 flags,
                                           COMPARTMENT_ID compartmentId, NET_BUFFER_LIST *netBufferList,
                                           FWPS_INJECT_COMPLETE0 completionFn, HANDLE completionContext)
{
    return inject(__func__, WINSIM_INJECT_SEND, injectionHandle, injectionContext, flags, compartmentId, 0, 0,
                  netBufferList, completionFn, completionContext);
}

NTSTATUS NTAPI FwpsInjectNetworkReceiveAsync0(HANDLE injectionHandle, HANDLE injectionContext, UINT32 flags,
                                              COMPARTMENT_ID compartmentId, IF_INDEX interfaceIndex,
                                              IF_INDEX subInterfaceIndex, NET_BUFFER_LIST *netBufferList,
                                              FWPS_INJECT_COMPLETE0 completionFn, HANDLE completionContext)
{
    return inject(__func__, WINSIM_INJECT_RECEIVE, injectionHandle, injectionContext, flags, compartmentId,
                  interfaceIndex, subInterfaceIndex, netBufferList, completionFn, completionContext);
}

NTSTATUS NTAPI FwpsInjectForwardAsync0(HANDLE injectionHandle, HANDLE injectionContext, UINT32 flags,
                                       ADDRESS_FAMILY addressFamily, COMPARTMENT_ID compartmentId,
                                       IF_INDEX targetInterfaceIndex, NET_BUFFER_LIST *netBufferList,
                                       FWPS_INJECT_COMPLETE0 completionFn, HANDLE completionContext)
{
    if (addressFamily != AF_INET && addressFamily != AF_INET6)
    {
        return STATUS_INVALID_PARAMETER;
    }
    return inject(__func__, WINSIM_INJECT_FORWARD, injectionHandle, injectionContext, flags, compartmentId,
                  targetInterfaceIndex, 0, netBufferList, completionFn, completionContext);
}

uint32_t winsim_injection_count(void)
{
    return __atomic_load_n(&injection_total, __ATOMIC_ACQUIRE);
}

const winsim_injection *winsim_injection_get(uint32_t index)
{
    if (index >= winsim_injection_count())
    {
        winsim_fail(__func__, "no injection %u", (unsigned)index);
    }
    return injections[index];
}

/* ---- the stack's packets -------------------------------------------------------------------- */
static UINT32 read_be32(const uint8_t *p)
{
    return ((UINT32)p[0] << 24) | ((UINT32)p[1] << 16) | ((UINT32)p[2] << 8) | p[3];
}

/* The IP header's size as WFP reports it for the indication: IPv4's IHL; IPv6's fixed header
 * (an IPv6 packet with extension headers is not simulated: the stack would count them too). */
static UINT32 ip_header_size(const char *function, const winsim_buffer *buffer, uint32_t index)
{
    const uint8_t *p = buffer->packet;
    UINT32 version = buffer->length != 0 ? (UINT32)(p[0] >> 4) : 0;
    if (version == 4 && buffer->length >= 20 && (UINT32)(p[0] & 0x0F) * 4 >= 20 &&
        (UINT32)(p[0] & 0x0F) * 4 <= buffer->length)
    {
        return (UINT32)(p[0] & 0x0F) * 4;
    }
    if (version == 6 && buffer->length >= 40)
    {
        if (p[6] == 0 || p[6] == 43 || p[6] == 44 || p[6] == 60)
        {
            winsim_fail(function, "buffer %u: IPv6 extension headers are not simulated", (unsigned)index);
        }
        return 40;
    }
    winsim_fail(function, "buffer %u is not an IP packet", (unsigned)index);
    return 0;
}

/*
 * An address value as the IP packet and forward layers give it: IPv4 as FWP_UINT32 in host
 * order, IPv6 as FWP_BYTE_ARRAY16_TYPE pointing at the 16 bytes (network order), which must
 * live until classify returns (the caller's storage).
 */
static void address_value(FWPS_INCOMING_VALUE0 *value, const uint8_t *address, bool ipv6, FWP_BYTE_ARRAY16 *storage)
{
    if (ipv6)
    {
        RtlCopyMemory(storage->byteArray16, address, 16);
        value->value.type = FWP_BYTE_ARRAY16_TYPE;
        value->value.byteArray16 = storage;
    }
    else
    {
        value->value.type = FWP_UINT32;
        value->value.uint32 = read_be32(address);
    }
}

static void uint32_value(FWPS_INCOMING_VALUE0 *value, UINT32 number)
{
    value->value.type = FWP_UINT32;
    value->value.uint32 = number;
}

/* Classifies an NBL of the stack's (marked as re-indicated while winsim_stack_reinject runs). */
static winsim_verdict stack_classify(const GUID *layer, const FWPS_INCOMING_VALUES0 *values,
                                     const FWPS_INCOMING_METADATA_VALUES0 *metadata, const winsim_buffer *buffers,
                                     uint32_t count, const uint32_t *offsets)
{
    PNET_BUFFER_LIST nbl = winsim_nbl_from_stack(buffers, count, offsets);
    winsim_verdict verdict;
    if (reinjector != NULL)
    {
        winsim_nbl_mark_injected(nbl, reinjector, reinjection_context, false);
    }
    verdict = winsim_classify(layer, values, metadata, nbl);
    winsim_nbl_stack_free(nbl, count);
    return verdict;
}

winsim_verdict winsim_stack_packets(bool outbound, const winsim_buffer *buffers, uint32_t count,
                                    const winsim_packet_meta *meta)
{
    const uint8_t *packet = buffers[0].packet;
    uint32_t offsets[64], b;
    FWPS_INCOMING_VALUE0 value[10];
    FWPS_INCOMING_VALUES0 values;
    FWPS_INCOMING_METADATA_VALUES0 metadata;
    FWP_BYTE_ARRAY16 local, remote;
    UINT64 luid = meta->if_index;
    UINT32 header;
    bool ipv6;
    if (count == 0 || count > RTL_NUMBER_OF(offsets))
    {
        winsim_fail(__func__, "%u NET_BUFFERs (1 to %u are simulated)", (unsigned)count,
                    (unsigned)RTL_NUMBER_OF(offsets));
    }
    header = ip_header_size(__func__, &buffers[0], 0);
    ipv6 = (packet[0] >> 4) == 6;
    for (b = 0; b < count; b++)
    {
        UINT32 size = ip_header_size(__func__, &buffers[b], b);
        if (((buffers[b].packet[0] >> 4) == 6) != ipv6)
        {
            winsim_fail(__func__, "buffer %u is of the other IP version than the list's layer", (unsigned)b);
        }
        /* Inbound NET_BUFFERs start after their own IP header. */
        offsets[b] = outbound ? 0 : size;
    }
    RtlZeroMemory(value, sizeof(value));
    RtlZeroMemory(&metadata, sizeof(metadata));
    /* Outbound: LOCAL_ADDRESS, LOCAL_ADDRESS_TYPE, REMOTE_ADDRESS; inbound: LOCAL, REMOTE, TYPE
     * (the same order for V4 and V6). */
    address_value(&value[0], packet + (ipv6 ? (outbound ? 8 : 24) : (outbound ? 12 : 16)), ipv6, &local);
    address_value(&value[outbound ? 2 : 1], packet + (ipv6 ? (outbound ? 24 : 8) : (outbound ? 16 : 12)), ipv6,
                  &remote);
    value[outbound ? 1 : 2].value.type = FWP_UINT8;
    value[outbound ? 1 : 2].value.uint8 = 1;   /* NlatUnicast */
    value[3].value.type = FWP_UINT64;
    value[3].value.uint64 = &luid;
    uint32_value(&value[4], meta->if_index);
    uint32_value(&value[5], meta->sub_if_index);
    uint32_value(&value[6], meta->loopback ? FWP_CONDITION_FLAG_IS_LOOPBACK : 0);
    uint32_value(&value[7], meta->loopback ? 24 : 6);   /* IANA: softwareLoopback / ethernetCsmacd */
    uint32_value(&value[8], 0);
    uint32_value(&value[9], meta->compartment);
    values.layerId = (UINT16)((outbound ? 4 : 0) + (ipv6 ? 2 : 0));
    values.valueCount = 10;
    values.incomingValue = value;
    metadata.currentMetadataValues = FWPS_METADATA_FIELD_COMPARTMENT_ID;
    metadata.compartmentId = meta->compartment;
    if (!outbound)
    {
        metadata.currentMetadataValues |= FWPS_METADATA_FIELD_IP_HEADER_SIZE;
        metadata.ipHeaderSize = header;
    }
    return stack_classify(outbound ? (ipv6 ? &FWPM_LAYER_OUTBOUND_IPPACKET_V6 : &FWPM_LAYER_OUTBOUND_IPPACKET_V4)
                                   : (ipv6 ? &FWPM_LAYER_INBOUND_IPPACKET_V6 : &FWPM_LAYER_INBOUND_IPPACKET_V4),
                          &values, &metadata, buffers, count, offsets);
}

/*
 * fwpsk.h FWPS_FIELDS_IPFORWARD_V4/V6 (the same order for both): IP_SOURCE_ADDRESS,
 * IP_DESTINATION_ADDRESS, IP_DESTINATION_ADDRESS_TYPE, IP_LOCAL_INTERFACE, IP_FORWARD_INTERFACE,
 * SOURCE_INTERFACE_INDEX, SOURCE_SUB_INTERFACE_INDEX, DESTINATION_INTERFACE_INDEX,
 * DESTINATION_SUB_INTERFACE_INDEX, FLAGS, IP_PHYSICAL_ARRIVAL_INTERFACE,
 * ARRIVAL_INTERFACE_PROFILE_ID, IP_PHYSICAL_NEXTHOP_INTERFACE, NEXTHOP_INTERFACE_PROFILE_ID,
 * COMPARTMENT_ID. The forward layer indicates the packet from its IP header; the metadata
 * carries the compartment.
 */
winsim_verdict winsim_stack_forward(const uint8_t *packet, uint32_t length, const winsim_forward_meta *meta,
                                    uint32_t split)
{
    const winsim_buffer buffer = { packet, length, split };
    const uint32_t offset = 0;
    FWPS_INCOMING_VALUE0 value[15];
    FWPS_INCOMING_VALUES0 values;
    FWPS_INCOMING_METADATA_VALUES0 metadata;
    FWP_BYTE_ARRAY16 source, destination;
    UINT64 arrival = meta->source_if_index, nexthop = meta->destination_if_index;
    bool ipv6;
    (void)ip_header_size(__func__, &buffer, 0);
    ipv6 = (packet[0] >> 4) == 6;
    RtlZeroMemory(value, sizeof(value));
    RtlZeroMemory(&metadata, sizeof(metadata));
    address_value(&value[0], packet + (ipv6 ? 8 : 12), ipv6, &source);
    address_value(&value[1], packet + (ipv6 ? 24 : 16), ipv6, &destination);
    value[2].value.type = FWP_UINT8;
    value[2].value.uint8 = 1;   /* NlatUnicast */
    value[3].value.type = FWP_UINT64;
    value[3].value.uint64 = &arrival;
    value[4].value.type = FWP_UINT64;
    value[4].value.uint64 = &nexthop;
    uint32_value(&value[5], meta->source_if_index);
    uint32_value(&value[6], 0);
    uint32_value(&value[FWPS_FIELD_IPFORWARD_V4_DESTINATION_INTERFACE_INDEX], meta->destination_if_index);
    uint32_value(&value[8], 0);
    uint32_value(&value[FWPS_FIELD_IPFORWARD_V4_FLAGS], 0);
    value[10].value.type = FWP_UINT64;
    value[10].value.uint64 = &arrival;
    uint32_value(&value[11], 0);
    value[12].value.type = FWP_UINT64;
    value[12].value.uint64 = &nexthop;
    uint32_value(&value[13], 0);
    uint32_value(&value[14], meta->compartment);
    values.layerId = ipv6 ? 10 : 8;
    values.valueCount = RTL_NUMBER_OF(value);
    values.incomingValue = value;
    metadata.currentMetadataValues = FWPS_METADATA_FIELD_COMPARTMENT_ID;
    metadata.compartmentId = meta->compartment;
    return stack_classify(ipv6 ? &FWPM_LAYER_IPFORWARD_V6 : &FWPM_LAYER_IPFORWARD_V4, &values, &metadata, &buffer, 1,
                          &offset);
}

/* The ALE layers a socket operation is authorised or reported at, with their run-time fields. */
static const struct
{
    const GUID *layer;
    UINT8 localAddress, localPort, protocol, remoteAddress, remotePort, flags;
} socket_layers[] =
{
    [WINSIM_SOCKET_BIND] = { &FWPM_LAYER_ALE_RESOURCE_ASSIGNMENT_V4,
        FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V4_IP_LOCAL_ADDRESS, FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V4_IP_LOCAL_PORT,
        FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V4_IP_PROTOCOL, 0xFF, 0xFF, FWPS_FIELD_ALE_RESOURCE_ASSIGNMENT_V4_FLAGS },
    [WINSIM_SOCKET_LISTEN] = { &FWPM_LAYER_ALE_AUTH_LISTEN_V4,
        FWPS_FIELD_ALE_AUTH_LISTEN_V4_IP_LOCAL_ADDRESS, FWPS_FIELD_ALE_AUTH_LISTEN_V4_IP_LOCAL_PORT,
        0xFF, 0xFF, 0xFF, FWPS_FIELD_ALE_AUTH_LISTEN_V4_FLAGS },
    [WINSIM_SOCKET_CONNECT] = { &FWPM_LAYER_ALE_AUTH_CONNECT_V4,
        FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_LOCAL_ADDRESS, FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_LOCAL_PORT,
        FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_PROTOCOL, FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_ADDRESS,
        FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_PORT, FWPS_FIELD_ALE_AUTH_CONNECT_V4_FLAGS },
    [WINSIM_SOCKET_ACCEPT] = { &FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4,
        FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_LOCAL_ADDRESS, FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_LOCAL_PORT,
        FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_PROTOCOL, FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_REMOTE_ADDRESS,
        FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_REMOTE_PORT, FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_FLAGS },
    [WINSIM_SOCKET_CLOSE] = { &FWPM_LAYER_ALE_ENDPOINT_CLOSURE_V4,
        FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4_IP_LOCAL_ADDRESS, FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4_IP_LOCAL_PORT,
        FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4_IP_PROTOCOL, FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4_IP_REMOTE_ADDRESS,
        FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4_IP_REMOTE_PORT, FWPS_FIELD_ALE_ENDPOINT_CLOSURE_V4_FLAGS },
    [WINSIM_SOCKET_RELEASE] = { &FWPM_LAYER_ALE_RESOURCE_RELEASE_V4,
        FWPS_FIELD_ALE_RESOURCE_RELEASE_V4_IP_LOCAL_ADDRESS, FWPS_FIELD_ALE_RESOURCE_RELEASE_V4_IP_LOCAL_PORT,
        FWPS_FIELD_ALE_RESOURCE_RELEASE_V4_IP_PROTOCOL, 0xFF, 0xFF, FWPS_FIELD_ALE_RESOURCE_RELEASE_V4_FLAGS },
};

/* The unset fields (application id, user id, interface ...) stay FWP_EMPTY. */
winsim_verdict winsim_socket_event(winsim_socket_op op, const winsim_flow *socket, uint32_t flags)
{
    FWPS_INCOMING_VALUE0 value[16];
    FWPS_INCOMING_VALUES0 values;
    FWPS_INCOMING_METADATA_VALUES0 metadata;
    int index;
    if ((unsigned)op >= RTL_NUMBER_OF(socket_layers))
    {
        winsim_fail(__func__, "socket operation %d", (int)op);
    }
    index = layer_index(socket_layers[op].layer);
    RtlZeroMemory(value, sizeof(value));
    RtlZeroMemory(&metadata, sizeof(metadata));
    uint32_value(&value[socket_layers[op].localAddress], socket->local_addr);
    value[socket_layers[op].localPort].value.type = FWP_UINT16;
    value[socket_layers[op].localPort].value.uint16 = socket->local_port;
    if (socket_layers[op].protocol != 0xFF)
    {
        value[socket_layers[op].protocol].value.type = FWP_UINT8;
        value[socket_layers[op].protocol].value.uint8 = socket->protocol;
    }
    if (socket_layers[op].remoteAddress != 0xFF)
    {
        uint32_value(&value[socket_layers[op].remoteAddress], socket->remote_addr);
        value[socket_layers[op].remotePort].value.type = FWP_UINT16;
        value[socket_layers[op].remotePort].value.uint16 = socket->remote_port;
    }
    uint32_value(&value[socket_layers[op].flags], flags);
    values.layerId = layers[index].id;
    values.valueCount = layers[index].values;
    values.incomingValue = value;
    metadata.currentMetadataValues = FWPS_METADATA_FIELD_PROCESS_ID | FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE;
    metadata.processId = socket->process_id;
    metadata.transportEndpointHandle = socket->endpoint;
    return winsim_classify(socket_layers[op].layer, &values, &metadata, NULL);
}

winsim_verdict winsim_stack_packet(bool outbound, const uint8_t *packet, uint32_t length,
                                   const winsim_packet_meta *meta, uint32_t split)
{
    const winsim_buffer buffer = { packet, length, split };
    return winsim_stack_packets(outbound, &buffer, 1, meta);
}

winsim_verdict winsim_stack_reinject(uint32_t index, const winsim_packet_meta *meta)
{
    const winsim_injection *record = winsim_injection_get(index);
    winsim_verdict verdict;
    reinjector = injector_check(__func__, injection_injectors[index]);
    reinjection_context = (HANDLE)(ULONG_PTR)record->context;
    if (record->kind == WINSIM_INJECT_FORWARD)
    {
        /* A forwarded injection is indicated at the forward layer, towards the interface it named. */
        const winsim_forward_meta forward = { meta->if_index, record->if_index, record->compartment };
        verdict = winsim_stack_forward(record->data, record->length, &forward, 0);
    }
    else
    {
        verdict = winsim_stack_packet(record->kind == WINSIM_INJECT_SEND, record->data, record->length, meta, 0);
    }
    reinjector = NULL;
    return verdict;
}

uint64_t winsim_wfp_leaks(void)
{
    uint64_t leaks = (uint64_t)live_engines + (uint64_t)live_injectors;
    size_t i;
    for (i = 0; i < RTL_NUMBER_OF(objects); i++)
    {
        if (objects[i].state != OBJECT_FREE)
        {
            winsim_host_print("winsim: leak: WFP object kind %d still in the engine\n", (int)objects[i].kind);
            leaks++;
        }
    }
    for (i = 0; i < RTL_NUMBER_OF(runtimes); i++)
    {
        if (runtimes[i].live)
        {
            winsim_host_print("winsim: leak: callout %u still registered\n", (unsigned)runtimes[i].id);
            leaks++;
        }
    }
    for (i = 0; i < RTL_NUMBER_OF(contexts); i++)
    {
        if (contexts[i].live)
        {
            winsim_host_print("winsim: leak: flow %llu still has a context of callout %u\n",
                              (unsigned long long)contexts[i].flowId, (unsigned)contexts[i].calloutId);
            leaks++;
        }
    }
    if (live_engines != 0 || live_injectors != 0)
    {
        winsim_host_print("winsim: leak: %d engine sessions, %d injection handles\n", (int)live_engines,
                          (int)live_injectors);
    }
    return leaks;
}
