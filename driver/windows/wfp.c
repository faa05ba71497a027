/*
 * WFP management: divert4j's provider and its 20 sub-layers (docs/spec/device-abi.md 1.2), static
 * objects re-created after a BFE restart, and per handle a dynamic session with one callout and one
 * filter per needed layer, weighted by the handle's internal priority (6.4). Every change is
 * made inside a transaction that is aborted on the first failure.
 */
#include "driver.h"

/* Sub-layers are weighted 0xFFFF like the original so they sort the same against others. */
#define DIVERT_SUBLAYER_WEIGHT 0xFFFF

static const wchar_t *const DIVERT_SUBLAYER_NAMES[DIVERT_HOOK_COUNT] =
{
    L"divert4j sub-layer inbound IPv4",
    L"divert4j sub-layer outbound IPv4",
    L"divert4j sub-layer inbound IPv6",
    L"divert4j sub-layer outbound IPv6",
    L"divert4j sub-layer forward IPv4",
    L"divert4j sub-layer forward IPv6",
    L"divert4j sub-layer flow established IPv4",
    L"divert4j sub-layer flow established IPv6",
    L"divert4j sub-layer socket bind IPv4",
    L"divert4j sub-layer socket bind IPv6",
    L"divert4j sub-layer socket release IPv4",
    L"divert4j sub-layer socket release IPv6",
    L"divert4j sub-layer socket connect IPv4",
    L"divert4j sub-layer socket connect IPv6",
    L"divert4j sub-layer socket closure IPv4",
    L"divert4j sub-layer socket closure IPv6",
    L"divert4j sub-layer socket listen IPv4",
    L"divert4j sub-layer socket listen IPv6",
    L"divert4j sub-layer socket accept IPv4",
    L"divert4j sub-layer socket accept IPv6",
};

/* Objects left behind by an earlier instance (e.g. after a crash) are reused, not an error. */
static BOOLEAN DivertWfpAddOk(NTSTATUS status)
{
    return NT_SUCCESS(status) || status == STATUS_FWP_ALREADY_EXISTS;
}

/* A session for the driver's own (static) objects: they outlive it, and it is opened per use,
 * so no handle to the BFE is held that a BFE restart could leave dead. */
_IRQL_requires_(PASSIVE_LEVEL)
static NTSTATUS DivertWfpOpenDriverSession(_Out_ HANDLE *engine)
{
    FWPM_SESSION0 session;

    RtlZeroMemory(&session, sizeof(session));
    session.displayData.name = (wchar_t *)L"divert4j";
    session.displayData.description = (wchar_t *)L"divert4j driver session";
    return FwpmEngineOpen0(NULL, RPC_C_AUTHN_DEFAULT, NULL, &session, engine);
}

/*
 * Adds the provider and the sub-layers; those that exist (an earlier instance, a concurrent
 * re-creation) are kept. Called at load and again when a STARTUP finds the sub-layers gone:
 * they are static objects, which live "until deleted, the BFE stops, or shutdown".
 */
_Use_decl_annotations_
NTSTATUS DivertWfpStart(VOID)
{
    FWPM_PROVIDER0 provider;
    FWPM_SUBLAYER0 subLayer;
    HANDLE engine;
    NTSTATUS status;
    ULONG i;

    status = DivertWfpOpenDriverSession(&engine);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    status = FwpmTransactionBegin0(engine, 0);
    if (!NT_SUCCESS(status))
    {
        FwpmEngineClose0(engine);
        return status;
    }

    RtlZeroMemory(&provider, sizeof(provider));
    provider.providerKey = DIVERT_PROVIDER_KEY;
    provider.displayData.name = (wchar_t *)L"divert4j";
    provider.displayData.description = (wchar_t *)L"divert4j packet divert driver";
    /* As the original: the provider is cosmetic, a failure to add it is not fatal. */
    (void)FwpmProviderAdd0(engine, &provider, NULL);

    for (i = 0; i < DIVERT_HOOK_COUNT; i++)
    {
        RtlZeroMemory(&subLayer, sizeof(subLayer));
        subLayer.subLayerKey = DIVERT_SUBLAYER_KEYS[i];
        subLayer.displayData.name = (wchar_t *)DIVERT_SUBLAYER_NAMES[i];
        subLayer.displayData.description = (wchar_t *)DIVERT_SUBLAYER_NAMES[i];
        subLayer.weight = DIVERT_SUBLAYER_WEIGHT;
        status = FwpmSubLayerAdd0(engine, &subLayer, NULL);
        if (!DivertWfpAddOk(status))
        {
            break;
        }
        status = STATUS_SUCCESS;
    }
    if (NT_SUCCESS(status))
    {
        status = FwpmTransactionCommit0(engine);
    }
    else
    {
        FwpmTransactionAbort0(engine);
    }
    FwpmEngineClose0(engine);
    return status;
}

_Use_decl_annotations_
VOID DivertWfpStop(VOID)
{
    HANDLE engine;
    ULONG i;

    /* Nothing to delete when the BFE is not running: its objects went with it. */
    if (!NT_SUCCESS(DivertWfpOpenDriverSession(&engine)))
    {
        return;
    }
    if (NT_SUCCESS(FwpmTransactionBegin0(engine, 0)))
    {
        for (i = 0; i < DIVERT_HOOK_COUNT; i++)
        {
            (void)FwpmSubLayerDeleteByKey0(engine, &DIVERT_SUBLAYER_KEYS[i]);
        }
        (void)FwpmProviderDeleteByKey0(engine, &DIVERT_PROVIDER_KEY);
        /* A failed commit rolls back by itself; closing the session is all that is left. */
        (void)FwpmTransactionCommit0(engine);
    }
    FwpmEngineClose0(engine);
}

static NTSTATUS NTAPI DivertNotify(_In_ FWPS_CALLOUT_NOTIFY_TYPE type, _In_ const GUID *filterKey,
                                   _In_ const FWPS_FILTER0 *filter);

_Use_decl_annotations_
static NTSTATUS NTAPI DivertNotify(FWPS_CALLOUT_NOTIFY_TYPE type, const GUID *filterKey,
                                   const FWPS_FILTER0 *filter)
{
    UNREFERENCED_PARAMETER(type);
    UNREFERENCED_PARAMETER(filterKey);
    UNREFERENCED_PARAMETER(filter);
    return STATUS_SUCCESS;
}

/* The first hooks (IP packet and forward layers) see packets; the rest are ALE layers. */
static BOOLEAN DivertHookIsNetwork(divert_hook hook)
{
    return hook < DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V4;
}

static BOOLEAN DivertHookIsFlow(divert_hook hook)
{
    return hook == DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V4 || hook == DIVERT_HOOK_ALE_FLOW_ESTABLISHED_V6;
}

_IRQL_requires_(PASSIVE_LEVEL)
static NTSTATUS DivertWfpAddHook(_Inout_ DIVERT_HANDLE *handle, _In_ divert_hook hook,
                                 _In_ BOOLEAN trackFlows, _In_ UINT64 *weight)
{
    DIVERT_CALLOUT *callout = &handle->Callouts[handle->CalloutCount];
    FWPS_CALLOUT0 runtime;
    FWPM_CALLOUT0 managed;
    FWPM_FILTER0 filter;
    GUID key;
    NTSTATUS status;

    status = ExUuidCreate(&key);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    RtlZeroMemory(&runtime, sizeof(runtime));
    runtime.calloutKey = key;
    runtime.classifyFn = DivertHookIsNetwork(hook) ? DivertClassifyNetwork : DivertClassifyAle;
    runtime.notifyFn = DivertNotify;
    runtime.flowDeleteFn = (trackFlows && DivertHookIsFlow(hook)) ? DivertFlowDelete : NULL;
    status = FwpsCalloutRegister0(g_divert.Device, &runtime, &callout->CalloutId);
    if (!NT_SUCCESS(status))
    {
        return status;
    }
    callout->Handle = handle;
    callout->Hook = hook;
    handle->CalloutCount++;   /* from here on DivertWfpUnregister undoes it */

    RtlZeroMemory(&managed, sizeof(managed));
    managed.calloutKey = key;
    managed.displayData.name = (wchar_t *)L"divert4j callout";
    managed.displayData.description = (wchar_t *)L"divert4j per-handle callout";
    managed.applicableLayer = *DIVERT_WFP_LAYER_KEYS[hook];
    status = FwpmCalloutAdd0(handle->Engine, &managed, NULL, NULL);
    if (!NT_SUCCESS(status))
    {
        return status;
    }

    RtlZeroMemory(&filter, sizeof(filter));
    filter.displayData.name = (wchar_t *)L"divert4j filter";
    filter.displayData.description = (wchar_t *)L"divert4j per-handle filter";
    filter.layerKey = *DIVERT_WFP_LAYER_KEYS[hook];
    filter.subLayerKey = DIVERT_SUBLAYER_KEYS[hook];
    filter.weight.type = FWP_UINT64;
    filter.weight.uint64 = weight;              /* higher weight = classified earlier (6.4) */
    filter.action.type = FWP_ACTION_CALLOUT_UNKNOWN;
    filter.action.calloutKey = key;
    filter.rawContext = (UINT64)(ULONG_PTR)callout;
    return FwpmFilterAdd0(handle->Engine, &filter, NULL, NULL);
}

_IRQL_requires_(PASSIVE_LEVEL)
static NTSTATUS DivertWfpRegisterOnce(_Inout_ DIVERT_HANDLE *handle, _In_ UINT32 hooks,
                                      _In_ BOOLEAN trackFlows)
{
    FWPM_SESSION0 session;
    UINT64 weight = handle->Core.internal_priority;
    NTSTATUS status;
    ULONG hook;

    if (hooks == 0)
    {
        return STATUS_SUCCESS;   /* e.g. a send-only handle's "false" filter registers nothing */
    }
    RtlZeroMemory(&session, sizeof(session));
    session.flags = FWPM_SESSION_FLAG_DYNAMIC;   /* its objects vanish with the session */
    session.displayData.name = (wchar_t *)L"divert4j handle";
    session.displayData.description = (wchar_t *)L"divert4j per-handle session";
    status = FwpmEngineOpen0(NULL, RPC_C_AUTHN_DEFAULT, NULL, &session, &handle->Engine);
    if (!NT_SUCCESS(status))
    {
        handle->Engine = NULL;
        return status;
    }
    status = FwpmTransactionBegin0(handle->Engine, 0);
    if (NT_SUCCESS(status))
    {
        for (hook = 0; hook < DIVERT_HOOK_COUNT && NT_SUCCESS(status); hook++)
        {
            if ((hooks & (1u << hook)) == 0)
            {
                continue;
            }
            if (handle->CalloutCount == DIVERT_MAX_CALLOUTS)
            {
                status = STATUS_INTERNAL_ERROR;
                break;
            }
            status = DivertWfpAddHook(handle, (divert_hook)hook, trackFlows, &weight);
        }
        if (NT_SUCCESS(status))
        {
            status = FwpmTransactionCommit0(handle->Engine);
        }
        else
        {
            FwpmTransactionAbort0(handle->Engine);
        }
    }
    if (!NT_SUCCESS(status))
    {
        DivertWfpStopCapture(handle);
        DivertWfpUnregister(handle);
    }
    return status;
}

_Use_decl_annotations_
NTSTATUS DivertWfpRegister(DIVERT_HANDLE *handle, UINT32 hooks, BOOLEAN trackFlows)
{
    NTSTATUS status = DivertWfpRegisterOnce(handle, hooks, trackFlows);

    if (status == STATUS_FWP_SUBLAYER_NOT_FOUND)
    {
        /* The BFE restarted since load and took the sub-layers with it (the failed attempt
         * has undone itself): re-create them and try once more. */
        status = DivertWfpStart();
        if (NT_SUCCESS(status))
        {
            status = DivertWfpRegisterOnce(handle, hooks, trackFlows);
        }
    }
    return status;
}

_Use_decl_annotations_
VOID DivertWfpStopCapture(DIVERT_HANDLE *handle)
{
    if (handle->Engine != NULL)
    {
        FwpmEngineClose0(handle->Engine);
        handle->Engine = NULL;
    }
}

_Use_decl_annotations_
VOID DivertWfpUnregister(DIVERT_HANDLE *handle)
{
    ULONG i;

    for (i = 0; i < handle->CalloutCount; i++)
    {
        NTSTATUS status = FwpsCalloutUnregisterById0(handle->Callouts[i].CalloutId);

        if (status == STATUS_DEVICE_BUSY)
        {
            /* Flow contexts are still attached: cleanup asked for their removal, which pended
             * while a classification of the flow ran; their flowDeleteFn (DivertFlowDelete)
             * comes when it ends. Wait for the last, then unregister again, as documented. */
            ExWaitForRundownProtectionRelease(&handle->FlowRundown);
            status = FwpsCalloutUnregisterById0(handle->Callouts[i].CalloutId);
        }
#if DBG
        NT_ASSERT(NT_SUCCESS(status));
#else
        UNREFERENCED_PARAMETER(status);
#endif
    }
    handle->CalloutCount = 0;
}
