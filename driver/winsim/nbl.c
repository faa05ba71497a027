/*
 * NDIS buffers: NBL pools, NET_BUFFER_LIST / NET_BUFFER / MDL chains with data offsets and
 * retreat/advance, the NBLs the stack indicates (its own memory, split across MDLs where a
 * test asks, so the driver's chain walking is exercised), and the injection bookkeeping
 * FwpsQueryPacketInjectionState0 reads.
 */
#include "winsim_internal.h"

#define NBL_MAGIC  0x204C424E53495757ULL
#define POOL_MAGIC 0x4C4F4F5053495757ULL

typedef struct nbl_pool
{
    UINT64 magic;
    NET_BUFFER_LIST_POOL_PARAMETERS parameters;
    LONG outstanding;
} nbl_pool;

typedef struct nbl_block
{
    UINT64 magic;
    NET_BUFFER_LIST nbl;
    NET_BUFFER nb;
    nbl_pool *pool;         /* NULL: the stack's own NBL */
    HANDLE injector;        /* the injection handle that injected it, or NULL */
    HANDLE context;
    bool inFlight;          /* handed to an injection whose completion has not run */
    struct stack_buffer *stack;   /* the stack's NET_BUFFERs, their MDLs and data */
} nbl_block;

/* One NET_BUFFER of a stack NBL: its data split over at most two MDLs. */
typedef struct stack_buffer
{
    NET_BUFFER nb;
    MDL mdls[2];
    UINT8 *data;
} stack_buffer;

static LONG live_pools, live_nbls;

static nbl_block *nbl_check(const char *function, const NET_BUFFER_LIST *nbl)
{
    nbl_block *block = CONTAINING_RECORD(nbl, nbl_block, nbl);
    if (nbl == NULL || block->magic != NBL_MAGIC)
    {
        winsim_fail(function, "%p is not a live NET_BUFFER_LIST", (const void *)nbl);
    }
    return block;
}

static ULONG chain_length(PMDL mdl)
{
    ULONG total = 0;
    for (; mdl != NULL; mdl = mdl->Next)
    {
        total += mdl->ByteCount;
    }
    return total;
}

/* CurrentMdl/CurrentMdlOffset follow DataOffset, as NDIS keeps them. */
static void nb_locate(PNET_BUFFER nb)
{
    PMDL mdl = nb->MdlChain;
    ULONG offset = nb->DataOffset;
    while (mdl != NULL && offset >= mdl->ByteCount && mdl->Next != NULL)
    {
        offset -= mdl->ByteCount;
        mdl = mdl->Next;
    }
    nb->CurrentMdl = mdl;
    nb->CurrentMdlOffset = offset;
}

NDIS_HANDLE NTAPI NdisAllocateNetBufferListPool(NDIS_HANDLE NdisHandle, PNET_BUFFER_LIST_POOL_PARAMETERS Parameters)
{
    nbl_pool *pool;
    UNREFERENCED_PARAMETER(NdisHandle);
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    if (Parameters->Header.Type != NDIS_OBJECT_TYPE_DEFAULT ||
        Parameters->Header.Revision != NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1 ||
        Parameters->Header.Size < NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1)
    {
        winsim_fail(__func__, "bad NDIS object header");
    }
    if (Parameters->PoolTag == 0)
    {
        winsim_fail(__func__, "zero pool tag");
    }
    if (Parameters->ContextSize != 0 || Parameters->DataSize != 0)
    {
        winsim_fail(__func__, "NBL contexts and pool-owned data buffers are not simulated");
    }
    pool = winsim_host_alloc(sizeof(*pool));
    pool->magic = POOL_MAGIC;
    pool->parameters = *Parameters;
    __atomic_add_fetch(&live_pools, 1, __ATOMIC_RELAXED);
    return pool;
}

VOID NTAPI NdisFreeNetBufferListPool(NDIS_HANDLE PoolHandle)
{
    nbl_pool *pool = PoolHandle;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    if (pool == NULL || pool->magic != POOL_MAGIC)
    {
        winsim_fail(__func__, "%p is not an NBL pool", PoolHandle);
    }
    if (pool->outstanding != 0)
    {
        winsim_fail(__func__, "pool freed with %d NBLs still allocated", (int)pool->outstanding);
    }
    pool->magic = 0;
    __atomic_sub_fetch(&live_pools, 1, __ATOMIC_RELAXED);
    winsim_host_free(pool);
}

NTSTATUS NTAPI FwpsAllocateNetBufferAndNetBufferList0(NDIS_HANDLE poolHandle, USHORT contextSize,
                                                      USHORT contextBackFill, MDL *mdlChain, ULONG dataOffset,
                                                      SIZE_T dataLength, NET_BUFFER_LIST **netBufferList)
{
    nbl_pool *pool = poolHandle;
    nbl_block *block;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    if (pool == NULL || pool->magic != POOL_MAGIC)
    {
        winsim_fail(__func__, "%p is not an NBL pool", poolHandle);
    }
    if (contextSize != 0 || contextBackFill != 0)
    {
        winsim_fail(__func__, "NBL contexts are not simulated");
    }
    if ((UINT64)dataOffset + dataLength > chain_length(mdlChain))
    {
        winsim_fail(__func__, "offset %u + length %llu beyond the %u-byte MDL chain", (unsigned)dataOffset,
                    (unsigned long long)dataLength, (unsigned)chain_length(mdlChain));
    }
    block = winsim_host_alloc(sizeof(*block));
    block->magic = NBL_MAGIC;
    block->pool = pool;
    block->nbl.FirstNetBuffer = &block->nb;
    block->nbl.NdisPoolHandle = pool;
    block->nb.MdlChain = mdlChain;
    block->nb.DataOffset = dataOffset;
    block->nb.DataLength = (ULONG)dataLength;
    block->nb.NdisPoolHandle = pool;
    nb_locate(&block->nb);
    __atomic_add_fetch(&pool->outstanding, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&live_nbls, 1, __ATOMIC_RELAXED);
    *netBufferList = &block->nbl;
    return STATUS_SUCCESS;
}

void NTAPI FwpsFreeNetBufferList0(NET_BUFFER_LIST *netBufferList)
{
    nbl_block *block;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    block = nbl_check(__func__, netBufferList);
    if (block->pool == NULL)
    {
        winsim_fail(__func__, "NBL %p belongs to the stack, not to an FwpsAllocate* pool", (void *)netBufferList);
    }
    if (block->inFlight)
    {
        winsim_fail(__func__, "NBL %p freed while its injection is in flight", (void *)netBufferList);
    }
    __atomic_sub_fetch(&block->pool->outstanding, 1, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&live_nbls, 1, __ATOMIC_RELAXED);
    block->magic = 0;
    winsim_host_free(block);
}

NDIS_STATUS NTAPI NdisRetreatNetBufferDataStart(PNET_BUFFER NetBuffer, ULONG DataOffsetDelta, ULONG DataBackFill,
                                                NET_BUFFER_ALLOCATE_MDL_HANDLER AllocateMdlHandler)
{
    UNREFERENCED_PARAMETER(DataBackFill);
    UNREFERENCED_PARAMETER(AllocateMdlHandler);
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    if (DataOffsetDelta > NetBuffer->DataOffset)
    {
        winsim_fail(__func__, "retreat by %u past the %u bytes of used data space: MDL allocation not simulated",
                    (unsigned)DataOffsetDelta, (unsigned)NetBuffer->DataOffset);
    }
    NetBuffer->DataOffset -= DataOffsetDelta;
    NetBuffer->DataLength += DataOffsetDelta;
    nb_locate(NetBuffer);
    return NDIS_STATUS_SUCCESS;
}

VOID NTAPI NdisAdvanceNetBufferDataStart(PNET_BUFFER NetBuffer, ULONG DataOffsetDelta, BOOLEAN FreeMdl,
                                         NET_BUFFER_FREE_MDL_HANDLER FreeMdlHandler)
{
    UNREFERENCED_PARAMETER(FreeMdlHandler);
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    if (FreeMdl)
    {
        winsim_fail(__func__, "freeing MDLs on advance is not simulated");
    }
    if (DataOffsetDelta > NetBuffer->DataLength)
    {
        winsim_fail(__func__, "advance by %u past the %u data bytes", (unsigned)DataOffsetDelta,
                    (unsigned)NetBuffer->DataLength);
    }
    NetBuffer->DataOffset += DataOffsetDelta;
    NetBuffer->DataLength -= DataOffsetDelta;
    nb_locate(NetBuffer);
}

PNET_BUFFER_LIST winsim_nbl_from_stack(const winsim_buffer *buffers, uint32_t count, const uint32_t *offsets)
{
    nbl_block *block = winsim_host_alloc(sizeof(*block));
    uint32_t b;
    block->magic = NBL_MAGIC;
    block->stack = winsim_host_alloc(sizeof(stack_buffer) * count);
    for (b = 0; b < count; b++)
    {
        stack_buffer *part = &block->stack[b];
        uint32_t length = buffers[b].length, split = buffers[b].split;
        ULONG i, parts = (split != 0 && split < length) ? 2 : 1;
        part->data = winsim_host_alloc(length);
        RtlCopyMemory(part->data, buffers[b].packet, length);
        for (i = 0; i < parts; i++)
        {
            PMDL mdl = &part->mdls[i];
            ULONG start = (i == 0) ? 0 : split;
            ULONG end = (parts == 1 || i == 1) ? length : split;
            mdl->Size = (CSHORT)sizeof(MDL);
            mdl->StartVa = part->data + start;
            mdl->ByteCount = end - start;
            mdl->MappedSystemVa = mdl->StartVa;
            mdl->MdlFlags = MDL_SOURCE_IS_NONPAGED_POOL;
            mdl->Next = (i + 1 < parts) ? &part->mdls[i + 1] : NULL;
        }
        part->nb.MdlChain = &part->mdls[0];
        part->nb.DataOffset = offsets[b];
        part->nb.DataLength = length - offsets[b];
        part->nb.Next = (b + 1 < count) ? &block->stack[b + 1].nb : NULL;
        nb_locate(&part->nb);
    }
    block->nbl.FirstNetBuffer = &block->stack[0].nb;
    return &block->nbl;
}

void winsim_nbl_stack_free(PNET_BUFFER_LIST nbl, uint32_t count)
{
    nbl_block *block = nbl_check(__func__, nbl);
    uint32_t b;
    if (block->pool != NULL)
    {
        winsim_fail(__func__, "not a stack NBL");
    }
    block->magic = 0;
    for (b = 0; b < count; b++)
    {
        winsim_host_free(block->stack[b].data);
    }
    winsim_host_free(block->stack);
    winsim_host_free(block);
}

bool winsim_nb_copy(PNET_BUFFER buffer, uint8_t *out, uint32_t capacity, uint32_t *length)
{
    PMDL mdl = buffer->CurrentMdl;
    ULONG skip = buffer->CurrentMdlOffset, left = buffer->DataLength;
    *length = 0;
    if (left > capacity)
    {
        return false;
    }
    while (left > 0)
    {
        ULONG chunk;
        if (mdl == NULL)
        {
            return false;
        }
        chunk = mdl->ByteCount - skip;
        if (chunk > left)
        {
            chunk = left;
        }
        RtlCopyMemory(out + *length, (UINT8 *)mdl->StartVa + mdl->ByteOffset + skip, chunk);
        *length += chunk;
        left -= chunk;
        skip = 0;
        mdl = mdl->Next;
    }
    return true;
}

void winsim_nbl_mark_injected(PNET_BUFFER_LIST nbl, HANDLE injector, HANDLE context, bool inFlight)
{
    nbl_block *block = nbl_check(__func__, nbl);
    block->injector = injector;
    block->context = context;
    block->inFlight = inFlight;
}

HANDLE winsim_nbl_injector(const NET_BUFFER_LIST *nbl, HANDLE *context)
{
    nbl_block *block = nbl_check(__func__, nbl);
    *context = block->context;
    return block->injector;
}

uint64_t winsim_nbl_leaks(void)
{
    uint64_t leaks = (uint64_t)live_pools + (uint64_t)live_nbls;
    if (leaks != 0)
    {
        winsim_host_print("winsim: leak: %d NBL pools, %d NBLs\n", (int)live_pools, (int)live_nbls);
    }
    return leaks;
}
