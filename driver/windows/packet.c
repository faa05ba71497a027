/*
 * Packet records (DIVERT_PACKET: the core's queue entry + address + data) and reading a
 * NET_BUFFER's bytes for the core's packet view without flattening the MDL chain first.
 */
#include "driver.h"

_Use_decl_annotations_
DIVERT_PACKET *DivertPacketAllocate(UINT32 length)
{
    DIVERT_PACKET *packet;

    if (length > DIVERT_MTU_MAX)
    {
        return NULL;
    }
    /* Up to 64 KiB per packet at DISPATCH_LEVEL: not zeroed by the pool, since every caller
     * writes all `length` data bytes (or frees the record); only the record is cleared. */
    packet = (DIVERT_PACKET *)ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_UNINITIALIZED,
                                              sizeof(*packet) + length, DIVERT_POOL_TAG);
    if (packet != NULL)
    {
        RtlZeroMemory(packet, sizeof(*packet));
        packet->Entry.length = length;
    }
    return packet;
}

_Use_decl_annotations_
VOID DivertPacketFreeList(divert_queue_entry *entry)
{
    divert_queue_entry *next;

    for (; entry != NULL; entry = next)
    {
        next = entry->next;
        ExFreePoolWithTag(DIVERT_PACKET_FROM_ENTRY(entry), DIVERT_POOL_TAG);
    }
}

/*
 * divert_read_fn over a NET_BUFFER: walks the MDL chain from the buffer's current position.
 * Mapping can fail under memory pressure; the core then treats the bytes as unavailable.
 */
static bool DivertNetBufferRead(void *context, uint32_t offset, uint32_t length, uint8_t *out)
{
    PNET_BUFFER buffer = (PNET_BUFFER)context;
    PMDL mdl = NET_BUFFER_CURRENT_MDL(buffer);
    ULONG skip = NET_BUFFER_CURRENT_MDL_OFFSET(buffer) + offset;

    while (length > 0)
    {
        ULONG available, chunk;
        PUCHAR base;

        if (mdl == NULL)
        {
            return false;
        }
        available = MmGetMdlByteCount(mdl);
        if (skip >= available)
        {
            skip -= available;
            mdl = mdl->Next;
            continue;
        }
        base = (PUCHAR)MmGetSystemAddressForMdlSafe(mdl, LowPagePriority | MdlMappingNoExecute);
        if (base == NULL)
        {
            return false;
        }
        chunk = available - skip;
        if (chunk > length)
        {
            chunk = length;
        }
        RtlCopyMemory(out, base + skip, chunk);
        out += chunk;
        length -= chunk;
        skip = 0;
        mdl = mdl->Next;
    }
    return true;
}

_Use_decl_annotations_
divert_packet_view DivertNetBufferView(PNET_BUFFER buffer)
{
    return divert_view_callback(DivertNetBufferRead, buffer, NET_BUFFER_DATA_LENGTH(buffer));
}
