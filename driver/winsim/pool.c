/*
 * Pool: tagged allocations with a header the free path checks (a live block, its tag),
 * ExAllocatePool2's documented flags (zeroed unless POOL_FLAG_UNINITIALIZED; uninitialised
 * blocks are filled with a pattern so a read of an unwritten byte is visible), and the list
 * of live blocks behind the leak report at unload.
 */
#include "winsim_internal.h"

#define POOL_UNINITIALIZED_FILL 0xA5

typedef struct pool_header
{
    struct pool_header *prev, *next;
    SIZE_T size;
    ULONG tag;
    POOL_FLAGS flags;
} __attribute__((aligned(16))) pool_header;

static winsim_lock pool_lock;
static pool_header *live;
static UINT64 live_bytes, live_blocks;
static UINT64 dispatch_zeroed;   /* bytes zeroed for callers at DISPATCH_LEVEL */
static UINT32 fail_after, fail_count;   /* winsim_pool_fail */

void winsim_pool_fail(uint32_t after, uint32_t count)
{
    winsim_lock_acquire(&pool_lock);
    fail_after = after;
    fail_count = count;
    winsim_lock_release(&pool_lock);
}

static bool pool_should_fail(void)
{
    bool fail = false;
    winsim_lock_acquire(&pool_lock);
    if (fail_count != 0)
    {
        if (fail_after != 0)
        {
            fail_after--;
        }
        else
        {
            fail_count--;
            fail = true;
        }
    }
    winsim_lock_release(&pool_lock);
    return fail;
}

static bool pool_block_live(const void *block)
{
    const pool_header *header;
    winsim_lock_acquire(&pool_lock);
    for (header = live; header != NULL && (const void *)(header + 1) != block; header = header->next)
    {
    }
    winsim_lock_release(&pool_lock);
    return header != NULL;
}

PVOID NTAPI ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
    const POOL_FLAGS known = POOL_FLAG_NON_PAGED | POOL_FLAG_UNINITIALIZED;
    pool_header *header;
    WINSIM_IRQL_MAX((Flags & POOL_FLAG_NON_PAGED) ? DISPATCH_LEVEL : APC_LEVEL);
    if ((Flags & POOL_FLAG_NON_PAGED) == 0)
    {
        winsim_fail(__func__, "paged pool is not simulated (flags 0x%llx)", (unsigned long long)Flags);
    }
    if ((Flags & ~known) != 0)
    {
        winsim_fail(__func__, "pool flags 0x%llx not simulated", (unsigned long long)(Flags & ~known));
    }
    /* ExAllocatePool2 rejects a zero tag; Verifier flags zero-byte requests. */
    if (Tag == 0 || NumberOfBytes == 0)
    {
        winsim_fail(__func__, "tag 0x%08x, %llu bytes", (unsigned)Tag, (unsigned long long)NumberOfBytes);
    }
    if (pool_should_fail())
    {
        return NULL;
    }
    header = winsim_host_alloc(sizeof(*header) + NumberOfBytes);
    if ((Flags & POOL_FLAG_UNINITIALIZED) != 0)
    {
        RtlFillMemory(header + 1, NumberOfBytes, POOL_UNINITIALIZED_FILL);
    }
    else if (winsim_irql() == DISPATCH_LEVEL)
    {
        /* The host allocation is already zero: this is the work the real pool would do. */
        __atomic_add_fetch(&dispatch_zeroed, NumberOfBytes, __ATOMIC_RELAXED);
    }
    header->size = NumberOfBytes;
    header->tag = Tag;
    header->flags = Flags;
    winsim_lock_acquire(&pool_lock);
    header->next = live;
    if (live != NULL)
    {
        live->prev = header;
    }
    live = header;
    live_bytes += NumberOfBytes;
    live_blocks++;
    winsim_lock_release(&pool_lock);
    return header + 1;
}

VOID NTAPI ExFreePoolWithTag(PVOID P, ULONG Tag)
{
    const char *live_object;
    pool_header *header;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    if (P == NULL)
    {
        winsim_fail(__func__, "NULL pointer");
    }
    /* Looked up among the live blocks before its header is read: a double free, or memory the
     * pool did not hand out (e.g. an NBL, which goes back through FwpsFreeNetBufferList0),
     * has no header to read. */
    if (!pool_block_live(P))
    {
        winsim_fail(__func__, "%p is not a live pool block (freed already, or not from ExAllocatePool2)", P);
    }
    header = (pool_header *)P - 1;
    if (header->tag != Tag)
    {
        winsim_fail(__func__, "%p allocated with tag 0x%08x, freed with 0x%08x", P, (unsigned)header->tag,
                    (unsigned)Tag);
    }
    /* Driver Verifier's TIMER_OR_DPC_INVALID: the kernel would later touch freed memory. */
    live_object = winsim_ke_live_object_in(P, header->size);
    if (live_object != NULL)
    {
        winsim_fail(__func__, "%p (%llu bytes) freed while it holds %s", P, (unsigned long long)header->size,
                    live_object);
    }
    winsim_lock_acquire(&pool_lock);
    if (header->prev != NULL)
    {
        header->prev->next = header->next;
    }
    else
    {
        live = header->next;
    }
    if (header->next != NULL)
    {
        header->next->prev = header->prev;
    }
    live_bytes -= header->size;
    live_blocks--;
    winsim_lock_release(&pool_lock);
    winsim_host_free(header);
}

bool winsim_pool_owns(const void *address, size_t length)
{
    const pool_header *header;
    bool owned = false;
    winsim_lock_acquire(&pool_lock);
    for (header = live; header != NULL && !owned; header = header->next)
    {
        const UINT8 *start = (const UINT8 *)(header + 1);
        owned = (const UINT8 *)address >= start && (const UINT8 *)address + length <= start + header->size;
    }
    winsim_lock_release(&pool_lock);
    return owned;
}

uint64_t winsim_pool_report(void)
{
    const pool_header *header;
    UINT64 bytes;
    winsim_lock_acquire(&pool_lock);
    for (header = live; header != NULL; header = header->next)
    {
        winsim_host_print("winsim: leak: pool block %p tag '%c%c%c%c' %llu bytes\n", (const void *)(header + 1),
                          (char)(header->tag & 0xFF), (char)((header->tag >> 8) & 0xFF),
                          (char)((header->tag >> 16) & 0xFF), (char)(header->tag >> 24), (unsigned long long)header->size);
    }
    bytes = live_bytes;
    winsim_host_print("winsim: pool at unload: %llu blocks, %llu bytes outstanding\n",
                      (unsigned long long)live_blocks, (unsigned long long)bytes);
    winsim_lock_release(&pool_lock);
    return bytes;
}

uint64_t winsim_pool_dispatch_zeroed(void)
{
    return __atomic_load_n(&dispatch_zeroed, __ATOMIC_RELAXED);
}
