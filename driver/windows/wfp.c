/*
 * WFP management: the driver-owned engine session with divert4j's provider and its 20
 * sub-layers (device-abi.md 1.2), and per handle a dynamic session with one callout and one
 * filter per needed layer, weighted by the handle's internal priority (6.4). Every change is
 * made inside a transaction that is aborted on the first failure.
 */
#include "driver.h"

/* Sub-layers are weighted 0xFFFF like the original so they sort the same against others. */
#define DIVERT_SUBLAYER_WEIGHT 0xFFFF

static const wchar_t *const DIVERT_SUBLAYER_NAMES[DIVERT_WFP_LAYER_COUNT] =
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

_Use_decl_annotations_
NTSTATUS DivertWfpStart(VOID)
{
    FWPM_SESSION0 session;
    FWPM_PROVIDER0 provider;
    FWPM_SUBLAYER0 subLayer;
    NTSTATUS status;
    ULONG i;

    RtlZeroMemory(&session, sizeof(session));
    session.displayData.name = (wchar_t *)L"divert4j";
    session.displayData.description = (wchar_t *)L"divert4j driver session";
    status = FwpmEngineOpen0(NULL, RPC_C_AUTHN_DEFAULT, NULL, &session, &g_divert.Engine);
    if (!NT_SUCCESS(status))
    {
        g_divert.Engine = NULL;
        return status;
    }

    status = FwpmTransactionBegin0(g_divert.Engine, 0);
    if (!NT_SUCCESS(status))
    {
        FwpmEngineClose0(g_divert.Engine);
        g_divert.Engine = NULL;
        return status;
    }

    RtlZeroMemory(&provider, sizeof(provider));
    provider.providerKey = DIVERT_PROVIDER_KEY;
    provider.displayData.name = (wchar_t *)L"divert4j";
    provider.displayData.description = (wchar_t *)L"divert4j packet divert driver";
    /* As the original: the provider is cosmetic, a failure to add it is not fatal. */
    (void)FwpmProviderAdd0(g_divert.Engine, &provider, NULL);

    for (i = 0; i < DIVERT_WFP_LAYER_COUNT; i++)
    {
        RtlZeroMemory(&subLayer, sizeof(subLayer));
        subLayer.subLayerKey = DIVERT_SUBLAYER_KEYS[i];
        subLayer.displayData.name = (wchar_t *)DIVERT_SUBLAYER_NAMES[i];
        subLayer.displayData.description = (wchar_t *)DIVERT_SUBLAYER_NAMES[i];
        subLayer.weight = DIVERT_SUBLAYER_WEIGHT;
        status = FwpmSubLayerAdd0(g_divert.Engine, &subLayer, NULL);
        if (!DivertWfpAddOk(status))
        {
            break;
        }
        status = STATUS_SUCCESS;
    }
    if (NT_SUCCESS(status))
    {
        status = FwpmTransactionCommit0(g_divert.Engine);
    }
    else
    {
        FwpmTransactionAbort0(g_divert.Engine);
    }
    if (!NT_SUCCESS(status))
    {
        FwpmEngineClose0(g_divert.Engine);
        g_divert.Engine = NULL;
        return status;
    }
    g_divert.SubLayersAdded = TRUE;
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID DivertWfpStop(VOID)
{
    ULONG i;

    if (g_divert.Engine == NULL)
    {
        return;
    }
    if (g_divert.SubLayersAdded && NT_SUCCESS(FwpmTransactionBegin0(g_divert.Engine, 0)))
    {
        for (i = 0; i < DIVERT_WFP_LAYER_COUNT; i++)
        {
            (void)FwpmSubLayerDeleteByKey0(g_divert.Engine, &DIVERT_SUBLAYER_KEYS[i]);
        }
        (void)FwpmProviderDeleteByKey0(g_divert.Engine, &DIVERT_PROVIDER_KEY);
        /* A failed commit rolls back by itself; closing the session below is all that is left. */
        (void)FwpmTransactionCommit0(g_divert.Engine);
    }
    g_divert.SubLayersAdded = FALSE;
    FwpmEngineClose0(g_divert.Engine);
    g_divert.Engine = NULL;
}
