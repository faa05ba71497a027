/*
 * The I/O manager and memory manager around the driver: the driver object and DriverEntry /
 * DriverUnload, device objects and symbolic links, file objects and IRPs (create, cleanup,
 * close, device control with METHOD_IN/OUT_DIRECT buffers), completion with the checks Driver
 * Verifier makes (completed twice, completed with a cancel routine set, STATUS_PENDING
 * returned without IoMarkIrpPending, a returned status that differs from the IRP's),
 * cancellation (IoCancelIrp and the cancel-safe queue), MDLs over simulated user memory and
 * pool, and probing of user addresses.
 */
#include "winsim_internal.h"

#define WINSIM_PROCESS_ID 4242
#define MDL_MAGIC 0x4C444D2053495757ULL

extern DRIVER_INITIALIZE DriverEntry;

/* ---- simulated user memory ---------------------------------------------------------------- */
typedef struct user_region
{
    struct user_region *next;
    UINT8 *start;
    SIZE_T length;
} user_region;

static winsim_lock io_lock;
static user_region *user_regions;

void *winsim_user_alloc(size_t length)
{
    user_region *region = winsim_host_alloc(sizeof(*region));
    region->start = winsim_host_alloc(length);
    region->length = length;
    winsim_lock_acquire(&io_lock);
    region->next = user_regions;
    user_regions = region;
    winsim_lock_release(&io_lock);
    return region->start;
}

void winsim_user_free(void *buffer)
{
    user_region **link;
    winsim_lock_acquire(&io_lock);
    for (link = &user_regions; *link != NULL; link = &(*link)->next)
    {
        user_region *region = *link;
        if (region->start == buffer)
        {
            *link = region->next;
            winsim_lock_release(&io_lock);
            winsim_host_free(region->start);
            winsim_host_free(region);
            return;
        }
    }
    winsim_lock_release(&io_lock);
    winsim_fail(__func__, "%p is not simulated user memory", buffer);
}

bool winsim_user_owns(const void *address, size_t length)
{
    const user_region *region;
    bool owned = false;
    winsim_lock_acquire(&io_lock);
    for (region = user_regions; region != NULL && !owned; region = region->next)
    {
        owned = (const UINT8 *)address >= region->start &&
                (const UINT8 *)address + length <= region->start + region->length;
    }
    winsim_lock_release(&io_lock);
    return owned;
}

VOID NTAPI ProbeForRead(CONST VOID *Address, SIZE_T Length, ULONG Alignment)
{
    WINSIM_IRQL_MAX(APC_LEVEL);
    if (Alignment != 1 && Alignment != 2 && Alignment != 4 && Alignment != 8 && Alignment != 16)
    {
        winsim_fail(__func__, "alignment %u is not 1, 2, 4, 8 or 16", (unsigned)Alignment);
    }
    if (Length == 0)
    {
        return;   /* documented: a zero-length probe checks nothing */
    }
    /* Both would raise an exception the driver catches with __try; gcc has no SEH. */
    if (((ULONG_PTR)Address & (Alignment - 1)) != 0)
    {
        winsim_fail(__func__, "%p misaligned: STATUS_DATATYPE_MISALIGNMENT (SEH not simulated)", Address);
    }
    if (!winsim_user_owns(Address, Length))
    {
        winsim_fail(__func__, "%p+%llu not user memory: STATUS_ACCESS_VIOLATION (SEH not simulated)",
                    Address, (unsigned long long)Length);
    }
}

/* ---- MDLs ----------------------------------------------------------------------------------- */
typedef struct mdl_block
{
    UINT64 magic;
    MDL mdl;
} mdl_block;

static LONG64 live_mdls;

static PMDL mdl_create(PVOID address, ULONG length)
{
    mdl_block *block = winsim_host_alloc(sizeof(*block));
    ULONG_PTR va = (ULONG_PTR)address;
    block->magic = MDL_MAGIC;
    block->mdl.Size = (CSHORT)sizeof(MDL);
    block->mdl.StartVa = (PVOID)(va & ~(ULONG_PTR)(PAGE_SIZE - 1));
    block->mdl.ByteOffset = (ULONG)(va & (PAGE_SIZE - 1));
    block->mdl.ByteCount = length;
    __atomic_add_fetch(&live_mdls, 1, __ATOMIC_RELAXED);
    return &block->mdl;
}

static mdl_block *mdl_check(const char *function, PMDL mdl)
{
    mdl_block *block = CONTAINING_RECORD(mdl, mdl_block, mdl);
    if (mdl == NULL || block->magic != MDL_MAGIC)
    {
        winsim_fail(function, "%p is not a live MDL", (void *)mdl);
    }
    return block;
}

static PVOID mdl_address(PMDL mdl)
{
    return (UINT8 *)mdl->StartVa + mdl->ByteOffset;
}

PMDL NTAPI IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota,
                         PIRP Irp)
{
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    if (SecondaryBuffer || ChargeQuota || Irp != NULL)
    {
        winsim_fail(__func__, "secondary buffers, quota charging and IRP association are not simulated");
    }
    if (Length == 0)
    {
        winsim_fail(__func__, "zero-length MDL");
    }
    return mdl_create(VirtualAddress, Length);
}

VOID NTAPI IoFreeMdl(PMDL Mdl)
{
    mdl_block *block;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    block = mdl_check(__func__, Mdl);
    if (Mdl->MdlFlags & MDL_PAGES_LOCKED)
    {
        winsim_fail(__func__, "MDL %p freed with its pages still locked", (void *)Mdl);
    }
    block->magic = 0;
    __atomic_sub_fetch(&live_mdls, 1, __ATOMIC_RELAXED);
    winsim_host_free(block);
}

VOID NTAPI MmProbeAndLockPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode, LOCK_OPERATION Operation)
{
    PMDL mdl = MemoryDescriptorList;
    WINSIM_IRQL_MAX(APC_LEVEL);
    mdl_check(__func__, mdl);
    if (mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL))
    {
        winsim_fail(__func__, "MDL %p already locked or built for nonpaged pool", (void *)mdl);
    }
    if (Operation != IoReadAccess && Operation != IoWriteAccess && Operation != IoModifyAccess)
    {
        winsim_fail(__func__, "lock operation %d", (int)Operation);
    }
    if (AccessMode == UserMode && !winsim_user_owns(mdl_address(mdl), mdl->ByteCount))
    {
        winsim_fail(__func__, "%p+%u not user memory: STATUS_ACCESS_VIOLATION (SEH not simulated)",
                    mdl_address(mdl), (unsigned)mdl->ByteCount);
    }
    mdl->MdlFlags |= MDL_PAGES_LOCKED;
}

VOID NTAPI MmUnlockPages(PMDL MemoryDescriptorList)
{
    PMDL mdl = MemoryDescriptorList;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    mdl_check(__func__, mdl);
    if ((mdl->MdlFlags & MDL_PAGES_LOCKED) == 0)
    {
        winsim_fail(__func__, "MDL %p is not locked", (void *)mdl);
    }
    mdl->MdlFlags &= ~(MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA);
    mdl->MappedSystemVa = NULL;
}

VOID NTAPI MmBuildMdlForNonPagedPool(PMDLX MemoryDescriptorList)
{
    PMDL mdl = MemoryDescriptorList;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    mdl_check(__func__, mdl);
    if (!winsim_pool_owns(mdl_address(mdl), mdl->ByteCount))
    {
        winsim_fail(__func__, "%p+%u is not nonpaged pool", mdl_address(mdl), (unsigned)mdl->ByteCount);
    }
    mdl->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
    mdl->MappedSystemVa = mdl_address(mdl);
}

PVOID NTAPI MmMapLockedPagesSpecifyCache(PMDLX MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                         MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress,
                                         ULONG BugCheckOnFailure, ULONG Priority)
{
    PMDL mdl = MemoryDescriptorList;
    UNREFERENCED_PARAMETER(CacheType);
    UNREFERENCED_PARAMETER(BugCheckOnFailure);
    UNREFERENCED_PARAMETER(Priority);
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    mdl_check(__func__, mdl);
    if (AccessMode != KernelMode || RequestedAddress != NULL)
    {
        winsim_fail(__func__, "only kernel-mode system mappings are simulated");
    }
    if ((mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL)) == 0)
    {
        winsim_fail(__func__, "MDL %p maps pages that are not locked", (void *)mdl);
    }
    mdl->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
    mdl->MappedSystemVa = mdl_address(mdl);
    return mdl->MappedSystemVa;
}

/* ---- process ------------------------------------------------------------------------------ */
HANDLE NTAPI PsGetCurrentProcessId(VOID)
{
    return (HANDLE)(ULONG_PTR)WINSIM_PROCESS_ID;
}

/* The simulated caller is a 64-bit process. */
BOOLEAN NTAPI IoIs32bitProcess(PIRP Irp)
{
    UNREFERENCED_PARAMETER(Irp);
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    return FALSE;
}

/* ---- driver, devices, links ---------------------------------------------------------------- */
typedef struct link_entry
{
    struct link_entry *next;
    WCHAR name[128];
    PDEVICE_OBJECT device;
} link_entry;

static DRIVER_OBJECT driver_object;
static bool driver_loaded;
static link_entry *links;
static LONG open_files;

static void name_copy(const char *function, WCHAR *out, size_t capacity, PCUNICODE_STRING name)
{
    size_t count = name->Length / sizeof(WCHAR);
    if (count + 1 > capacity)
    {
        winsim_fail(function, "name too long");
    }
    RtlCopyMemory(out, name->Buffer, count * sizeof(WCHAR));
    out[count] = 0;
}

static bool name_equal(const WCHAR *a, const WCHAR *b)
{
    while (*a != 0 && *a == *b)
    {
        a++;
        b++;
    }
    return *a == *b;
}

typedef struct device_record
{
    WCHAR name[128];
    WCHAR sddl[128];
    GUID deviceClass;
} device_record;

static PDEVICE_OBJECT device_find(const WCHAR *name)
{
    PDEVICE_OBJECT device;
    for (device = driver_object.DeviceObject; device != NULL; device = device->NextDevice)
    {
        if (name_equal(((device_record *)device->DeviceExtension - 1)->name, name))
        {
            return device;
        }
    }
    return NULL;
}

bool winsim_device_live(const void *address)
{
    PDEVICE_OBJECT device;
    for (device = driver_object.DeviceObject; device != NULL; device = device->NextDevice)
    {
        if ((const void *)device == address)
        {
            return true;
        }
    }
    return false;
}

/* Layout of one device allocation: DEVICE_OBJECT, our record, then the extension. */
typedef struct device_block
{
    DEVICE_OBJECT device;
    device_record record;
} device_block;

NTSTATUS NTAPI IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize, PUNICODE_STRING DeviceName,
                              DEVICE_TYPE DeviceType, ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                              PDEVICE_OBJECT *DeviceObject)
{
    device_block *block;
    WCHAR name[128] = { 0 };
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    if (DriverObject != &driver_object)
    {
        winsim_fail(__func__, "unknown driver object %p", (void *)DriverObject);
    }
    if (DeviceName != NULL)
    {
        name_copy(__func__, name, RTL_NUMBER_OF(name), DeviceName);
        if (device_find(name) != NULL)
        {
            return STATUS_OBJECT_NAME_COLLISION;
        }
    }
    block = winsim_host_alloc(sizeof(*block) + DeviceExtensionSize);
    RtlCopyMemory(block->record.name, name, sizeof(name));
    block->device.Type = IO_TYPE_DEVICE;
    block->device.Size = (USHORT)sizeof(DEVICE_OBJECT);
    block->device.DriverObject = DriverObject;
    block->device.DeviceType = DeviceType;
    block->device.Characteristics = DeviceCharacteristics;
    block->device.Flags = DO_DEVICE_INITIALIZING | (Exclusive ? DO_EXCLUSIVE : 0);
    block->device.StackSize = 1;
    block->device.DeviceExtension = &block->record + 1;
    block->device.NextDevice = DriverObject->DeviceObject;
    DriverObject->DeviceObject = &block->device;
    *DeviceObject = &block->device;
    return STATUS_SUCCESS;
}

/* wdmsec.lib's routine (linked into the driver by the WDK; the simulation provides it). */
NTSTATUS NTAPI WdmlibIoCreateDeviceSecure(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize,
                                          PUNICODE_STRING DeviceName, DEVICE_TYPE DeviceType,
                                          ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                                          PCUNICODE_STRING DefaultSDDLString, LPCGUID DeviceClassGuid,
                                          PDEVICE_OBJECT *DeviceObject)
{
    device_record *record;
    NTSTATUS status;
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    /* The SDDL must be a DACL-only string ("D:..."), as IoCreateDeviceSecure requires. */
    if (DefaultSDDLString == NULL || DefaultSDDLString->Length < 2 * sizeof(WCHAR) ||
        DefaultSDDLString->Buffer[0] != L'D' || DefaultSDDLString->Buffer[1] != L':')
    {
        return STATUS_INVALID_PARAMETER;
    }
    if (DeviceClassGuid == NULL)
    {
        winsim_fail(__func__, "no device class GUID (the WDK documents it as required for new drivers)");
    }
    status = IoCreateDevice(DriverObject, DeviceExtensionSize, DeviceName, DeviceType, DeviceCharacteristics,
                            Exclusive, DeviceObject);
    if (NT_SUCCESS(status))
    {
        record = (device_record *)(*DeviceObject)->DeviceExtension - 1;
        name_copy(__func__, record->sddl, RTL_NUMBER_OF(record->sddl), DefaultSDDLString);
        record->deviceClass = *DeviceClassGuid;
    }
    return status;
}

VOID NTAPI IoDeleteDevice(PDEVICE_OBJECT DeviceObject)
{
    PDEVICE_OBJECT *link;
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    for (link = &driver_object.DeviceObject; *link != NULL; link = &(*link)->NextDevice)
    {
        if (*link == DeviceObject)
        {
            *link = DeviceObject->NextDevice;
            winsim_host_free(CONTAINING_RECORD(DeviceObject, device_block, device));
            return;
        }
    }
    winsim_fail(__func__, "%p is not a device of the driver", (void *)DeviceObject);
}

NTSTATUS NTAPI IoCreateSymbolicLink(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName)
{
    link_entry *entry, *existing;
    WCHAR target[128];
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    entry = winsim_host_alloc(sizeof(*entry));
    name_copy(__func__, entry->name, RTL_NUMBER_OF(entry->name), SymbolicLinkName);
    name_copy(__func__, target, RTL_NUMBER_OF(target), DeviceName);
    for (existing = links; existing != NULL; existing = existing->next)
    {
        if (name_equal(existing->name, entry->name))
        {
            winsim_host_free(entry);
            return STATUS_OBJECT_NAME_COLLISION;
        }
    }
    entry->device = device_find(target);
    if (entry->device == NULL)
    {
        /* A link to a missing target is legal, but then nothing can be opened through it. */
        winsim_fail(__func__, "link target is not a device of the driver");
    }
    entry->next = links;
    links = entry;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI IoDeleteSymbolicLink(PUNICODE_STRING SymbolicLinkName)
{
    link_entry **link;
    WCHAR name[128];
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    name_copy(__func__, name, RTL_NUMBER_OF(name), SymbolicLinkName);
    for (link = &links; *link != NULL; link = &(*link)->next)
    {
        if (name_equal((*link)->name, name))
        {
            link_entry *entry = *link;
            *link = entry->next;
            winsim_host_free(entry);
            return STATUS_SUCCESS;
        }
    }
    return STATUS_OBJECT_NAME_NOT_FOUND;
}

int32_t winsim_load(void)
{
    static WCHAR registry[] = L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\divert4j";
    UNICODE_STRING path;
    NTSTATUS status;
    if (driver_loaded)
    {
        winsim_fail(__func__, "driver already loaded");
    }
    RtlZeroMemory(&driver_object, sizeof(driver_object));
    driver_object.Type = IO_TYPE_DRIVER;
    driver_object.Size = (CSHORT)sizeof(driver_object);
    RtlInitUnicodeString(&path, registry);
    status = DriverEntry(&driver_object, &path);
    if (winsim_irql() != PASSIVE_LEVEL)
    {
        winsim_fail("DriverEntry", "returned above PASSIVE_LEVEL");
    }
    if (!NT_SUCCESS(status))
    {
        /* A failed DriverEntry must leave nothing behind: the driver is never unloaded. */
        if (driver_object.DeviceObject != NULL || links != NULL)
        {
            winsim_fail("DriverEntry", "failed (0x%08x) but left a device or link", (unsigned)status);
        }
        return status;
    }
    if (driver_object.DriverUnload == NULL)
    {
        winsim_fail("DriverEntry", "no DriverUnload: the driver could never be stopped");
    }
    driver_loaded = true;
    return status;
}

uint64_t winsim_io_leaks(void)
{
    uint64_t leaks = (uint64_t)__atomic_load_n(&live_mdls, __ATOMIC_RELAXED);
    const link_entry *link;
    PDEVICE_OBJECT device;
    if (leaks != 0)
    {
        winsim_host_print("winsim: leak: %llu MDLs\n", (unsigned long long)leaks);
    }
    for (link = links; link != NULL; link = link->next, leaks++)
    {
        winsim_host_print("winsim: leak: symbolic link not deleted\n");
    }
    for (device = driver_object.DeviceObject; device != NULL; device = device->NextDevice, leaks++)
    {
        winsim_host_print("winsim: leak: device object %p not deleted\n", (void *)device);
    }
    return leaks;
}

uint64_t winsim_unload(void)
{
    uint64_t leaks;
    if (!driver_loaded)
    {
        winsim_fail(__func__, "driver not loaded");
    }
    if (open_files != 0)
    {
        winsim_fail(__func__, "%d files still open: the I/O manager would not unload", (int)open_files);
    }
    driver_object.DriverUnload(&driver_object);
    if (winsim_irql() != PASSIVE_LEVEL)
    {
        winsim_fail("DriverUnload", "returned above PASSIVE_LEVEL");
    }
    driver_loaded = false;
    leaks = winsim_ke_leaks() + winsim_io_leaks() + winsim_nbl_leaks() + winsim_wfp_leaks();
    leaks += winsim_pool_report();
    winsim_host_print("winsim: unload: %llu leaked\n", (unsigned long long)leaks);
    return leaks;
}

/* ---- files and IRPs ------------------------------------------------------------------------- */
struct winsim_file
{
    FILE_OBJECT object;
    PDEVICE_OBJECT device;
    LONG outstanding;       /* IRPs not completed yet */
    bool cleaned;           /* IRP_MJ_CLEANUP sent */
};

struct winsim_request
{
    winsim_file *file;
    PIRP irp;               /* NULL once completed */
    void *completed;        /* the completed IRP's memory, kept until the request is freed so a
                             * second completion is reported as one, not as a use after free */
    IO_STATUS_BLOCK iosb;
    bool done;
    bool markedPending;
    NTSTATUS dispatchStatus;    /* what the dispatch routine returned */
    PVOID systemBuffer;
};

/* IRP + one stack location, as IoAllocateIrp(StackSize = 1) lays it out. */
typedef struct irp_block
{
    IRP irp;
    IO_STACK_LOCATION stack;
    winsim_request *request;
} irp_block;

/* Held by winsim_cancel and the dispatch check while they look at an IRP another thread may be
 * completing; completion unpublishes the IRP under it, after which a waiter may free the
 * request and the IRP with it (the I/O manager keeps an IRP alive while NtCancelIoFile looks
 * at it). */
static KSPIN_LOCK cancel_lock;

static winsim_request *irp_create(winsim_file *file, UCHAR major)
{
    winsim_request *request = winsim_host_alloc(sizeof(*request));
    irp_block *block = winsim_host_alloc(sizeof(*block));
    block->irp.Type = IO_TYPE_IRP;
    block->irp.Size = (USHORT)sizeof(*block);
    block->irp.StackCount = 1;
    block->irp.CurrentLocation = 1;
    block->irp.RequestorMode = UserMode;
    block->irp.UserIosb = &request->iosb;
    block->irp.Tail.Overlay.CurrentStackLocation = &block->stack;
    block->irp.Tail.Overlay.OriginalFileObject = &file->object;
    block->stack.MajorFunction = major;
    block->stack.DeviceObject = file->device;
    block->stack.FileObject = &file->object;
    block->request = request;
    request->file = file;
    request->irp = &block->irp;
    __atomic_add_fetch(&file->outstanding, 1, __ATOMIC_ACQ_REL);
    return request;
}

VOID FASTCALL IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost)
{
    irp_block *block = CONTAINING_RECORD(Irp, irp_block, irp);
    winsim_request *request;
    UNREFERENCED_PARAMETER(PriorityBoost);
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    if (Irp->Type != IO_TYPE_IRP)
    {
        winsim_fail(__func__, "%p is not a live IRP (completed twice?)", (void *)Irp);
    }
    if (Irp->CancelRoutine != NULL)
    {
        winsim_fail(__func__, "IRP %p completed with its cancel routine still set", (void *)Irp);
    }
    if (Irp->IoStatus.Status == STATUS_PENDING)
    {
        winsim_fail(__func__, "IRP %p completed with STATUS_PENDING", (void *)Irp);
    }
    request = block->request;
    request->iosb = Irp->IoStatus;
    /* The I/O manager's own teardown of a METHOD_*_DIRECT request. */
    if (Irp->MdlAddress != NULL)
    {
        if (Irp->MdlAddress->MdlFlags & MDL_PAGES_LOCKED)
        {
            MmUnlockPages(Irp->MdlAddress);
        }
        IoFreeMdl(Irp->MdlAddress);
    }
    winsim_spin_acquire(__func__, &cancel_lock);
    request->markedPending = (block->stack.Control & SL_PENDING_RETURNED) != 0;
    __atomic_store_n(&request->irp, NULL, __ATOMIC_RELEASE);
    Irp->Type = 0;
    winsim_spin_release(__func__, &cancel_lock);
    request->completed = block;
    winsim_host_free(request->systemBuffer);
    request->systemBuffer = NULL;
    /* Last: a thread that sees the request done may free it at once. */
    __atomic_sub_fetch(&request->file->outstanding, 1, __ATOMIC_ACQ_REL);
    __atomic_store_n(&request->done, true, __ATOMIC_RELEASE);
}

/* Calls the dispatch routine at PASSIVE_LEVEL and checks what it returned against the IRP. */
static void irp_dispatch(winsim_request *request)
{
    PIRP irp = request->irp;
    UCHAR major = IoGetCurrentIrpStackLocation(irp)->MajorFunction;
    PDRIVER_DISPATCH dispatch = driver_object.MajorFunction[major];
    NTSTATUS status;
    if (dispatch == NULL)
    {
        /* The I/O manager's default for an unhandled major function. */
        irp->IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
        request->dispatchStatus = STATUS_INVALID_DEVICE_REQUEST;
        IofCompleteRequest(irp, IO_NO_INCREMENT);
        return;
    }
    status = dispatch(request->file->device, irp);
    request->dispatchStatus = status;
    if (winsim_irql() != PASSIVE_LEVEL)
    {
        winsim_fail("dispatch", "IRP_MJ %u returned above PASSIVE_LEVEL", (unsigned)major);
    }
    if (status == STATUS_PENDING)
    {
        /* Another thread may be completing the IRP: its completion records the mark under the
         * lock before the IRP is freed. */
        bool marked;
        winsim_spin_acquire("dispatch", &cancel_lock);
        marked = __atomic_load_n(&request->irp, __ATOMIC_ACQUIRE) == NULL
            ? request->markedPending
            : (IoGetCurrentIrpStackLocation(irp)->Control & SL_PENDING_RETURNED) != 0;
        winsim_spin_release("dispatch", &cancel_lock);
        if (!marked)
        {
            winsim_fail("dispatch", "IRP_MJ %u returned STATUS_PENDING without IoMarkIrpPending", (unsigned)major);
        }
        return;
    }
    if (!__atomic_load_n(&request->done, __ATOMIC_ACQUIRE))
    {
        winsim_fail("dispatch", "IRP_MJ %u returned 0x%08x without completing the IRP", (unsigned)major,
                    (unsigned)status);
    }
    if (request->markedPending)
    {
        winsim_fail("dispatch", "IRP_MJ %u marked pending but returned 0x%08x", (unsigned)major, (unsigned)status);
    }
    if (request->iosb.Status != status)
    {
        winsim_fail("dispatch", "IRP_MJ %u returned 0x%08x, completed with 0x%08x", (unsigned)major,
                    (unsigned)status, (unsigned)request->iosb.Status);
    }
}

static void name_from_ascii(WCHAR *out, size_t capacity, const char *in)
{
    size_t i;
    for (i = 0; in[i] != 0 && i + 1 < capacity; i++)
    {
        out[i] = (WCHAR)(UCHAR)in[i];
    }
    out[i] = 0;
}

winsim_file *winsim_open(const char *dos_name, int32_t *status)
{
    WCHAR name[128];
    const link_entry *link;
    winsim_file *file;
    winsim_request *request;
    /* "\\.\X" is the Win32 spelling of the object name "\??\X". */
    if (dos_name[0] == '\\' && dos_name[1] == '\\' && dos_name[2] == '.' && dos_name[3] == '\\')
    {
        name_from_ascii(name, RTL_NUMBER_OF(name), "\\??\\");
        name_from_ascii(name + 4, RTL_NUMBER_OF(name) - 4, dos_name + 4);
    }
    else
    {
        name_from_ascii(name, RTL_NUMBER_OF(name), dos_name);
    }
    for (link = links; link != NULL && !name_equal(link->name, name); link = link->next)
    {
    }
    if (link == NULL)
    {
        *status = STATUS_OBJECT_NAME_NOT_FOUND;
        return NULL;
    }
    if (link->device->Flags & DO_DEVICE_INITIALIZING)
    {
        winsim_fail(__func__, "device still DO_DEVICE_INITIALIZING: opens would fail");
    }
    file = winsim_host_alloc(sizeof(*file));
    file->device = link->device;
    file->object.Type = IO_TYPE_FILE;
    file->object.Size = (CSHORT)sizeof(FILE_OBJECT);
    file->object.DeviceObject = link->device;
    request = irp_create(file, IRP_MJ_CREATE);
    irp_dispatch(request);
    *status = request->iosb.Status;
    winsim_request_free(request);
    if (!NT_SUCCESS(*status))
    {
        winsim_host_free(file);
        return NULL;
    }
    __atomic_add_fetch(&open_files, 1, __ATOMIC_ACQ_REL);
    return file;
}

void winsim_cleanup(winsim_file *file)
{
    winsim_request *request;
    if (__atomic_exchange_n(&file->cleaned, true, __ATOMIC_ACQ_REL))
    {
        winsim_fail(__func__, "IRP_MJ_CLEANUP sent twice");
    }
    request = irp_create(file, IRP_MJ_CLEANUP);
    irp_dispatch(request);
    winsim_request_free(request);
}

void winsim_close(winsim_file *file)
{
    winsim_request *request;
    if (!__atomic_load_n(&file->cleaned, __ATOMIC_ACQUIRE))
    {
        winsim_cleanup(file);
    }
    /* IRP_MJ_CLOSE comes when the last reference goes: every IRP holds one. */
    if (__atomic_load_n(&file->outstanding, __ATOMIC_ACQUIRE) != 0)
    {
        winsim_fail(__func__, "%d IRPs still outstanding after IRP_MJ_CLEANUP", (int)file->outstanding);
    }
    request = irp_create(file, IRP_MJ_CLOSE);
    irp_dispatch(request);
    winsim_request_free(request);
    __atomic_sub_fetch(&open_files, 1, __ATOMIC_ACQ_REL);
    winsim_host_free(file);
}

winsim_request *winsim_ioctl(winsim_file *file, uint32_t code, const void *input, uint32_t input_length,
                             void *output, uint32_t output_length)
{
    ULONG method = code & 3;
    winsim_request *request;
    PIO_STACK_LOCATION stack;
    PIRP irp;
    if (method != METHOD_IN_DIRECT && method != METHOD_OUT_DIRECT)
    {
        winsim_fail(__func__, "IOCTL 0x%08x: only METHOD_IN_DIRECT / METHOD_OUT_DIRECT are simulated",
                    (unsigned)code);
    }
    if ((input != NULL && !winsim_user_owns(input, input_length)) ||
        (output != NULL && !winsim_user_owns(output, output_length)))
    {
        winsim_fail(__func__, "buffers must be simulated user memory (winsim_user_alloc)");
    }
    request = irp_create(file, IRP_MJ_DEVICE_CONTROL);
    irp = request->irp;
    stack = IoGetCurrentIrpStackLocation(irp);
    stack->Parameters.DeviceIoControl.IoControlCode = code;
    stack->Parameters.DeviceIoControl.InputBufferLength = input_length;
    stack->Parameters.DeviceIoControl.OutputBufferLength = output_length;
    if (input != NULL && input_length != 0)
    {
        request->systemBuffer = winsim_host_alloc(input_length);
        RtlCopyMemory(request->systemBuffer, input, input_length);
        irp->AssociatedIrp.SystemBuffer = request->systemBuffer;
    }
    if (output != NULL && output_length != 0)
    {
        irp->MdlAddress = mdl_create(output, output_length);
        MmProbeAndLockPages(irp->MdlAddress, UserMode, method == METHOD_IN_DIRECT ? IoReadAccess : IoWriteAccess);
    }
    irp_dispatch(request);
    return request;
}

bool winsim_request_done(const winsim_request *request)
{
    return __atomic_load_n(&request->done, __ATOMIC_ACQUIRE);
}

int32_t winsim_request_status(const winsim_request *request)
{
    if (!winsim_request_done(request))
    {
        winsim_fail(__func__, "request still pending");
    }
    return request->iosb.Status;
}

uint64_t winsim_request_information(const winsim_request *request)
{
    if (!winsim_request_done(request))
    {
        winsim_fail(__func__, "request still pending");
    }
    return request->iosb.Information;
}

int32_t winsim_request_dispatch_status(const winsim_request *request)
{
    return request->dispatchStatus;
}

void winsim_request_free(winsim_request *request)
{
    if (!winsim_request_done(request))
    {
        winsim_fail(__func__, "request still pending");
    }
    winsim_host_free(request->completed);
    winsim_host_free(request);
}

/* ---- cancellation ----------------------------------------------------------------------------- */
/* IoReleaseCancelSpinLock, for cancel routines (entered holding the lock). */
static void cancel_lock_release(KIRQL irql)
{
    winsim_spin_release(__func__, &cancel_lock);
    winsim_irql_lower(__func__, irql);
}

void winsim_cancel(winsim_request *request)
{
    PDRIVER_CANCEL routine;
    KIRQL old;
    PIRP irp;
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    old = winsim_irql_raise(__func__, DISPATCH_LEVEL);
    winsim_spin_acquire(__func__, &cancel_lock);
    irp = __atomic_load_n(&request->irp, __ATOMIC_ACQUIRE);
    if (irp == NULL)
    {
        cancel_lock_release(old);
        return;   /* completed already: CancelIo has nothing to do */
    }
    irp->Cancel = TRUE;
    routine = IoSetCancelRoutine(irp, NULL);
    if (routine == NULL)
    {
        cancel_lock_release(old);
        return;
    }
    irp->CancelIrql = old;
    routine(IoGetCurrentIrpStackLocation(irp)->DeviceObject, irp);
    if (winsim_irql() != old)
    {
        winsim_fail(__func__, "cancel routine did not release the cancel spin lock");
    }
}

/* ---- cancel-safe queue (IoCsq*): the kernel's half, over the driver's callbacks --------------- */
#define CSQ_OF(irp) ((PIO_CSQ)(irp)->Tail.Overlay.DriverContext[3])

static VOID NTAPI csq_cancel(PDEVICE_OBJECT device, PIRP irp)
{
    PIO_CSQ csq = CSQ_OF(irp);
    KIRQL irql;
    UNREFERENCED_PARAMETER(device);
    cancel_lock_release(irp->CancelIrql);
    csq->CsqAcquireLock(csq, &irql);
    csq->CsqRemoveIrp(csq, irp);
    irp->Tail.Overlay.DriverContext[3] = NULL;
    csq->CsqReleaseLock(csq, irql);
    csq->CsqCompleteCanceledIrp(csq, irp);
}

NTSTATUS NTAPI IoCsqInitialize(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP CsqInsertIrp, PIO_CSQ_REMOVE_IRP CsqRemoveIrp,
                               PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp, PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock,
                               PIO_CSQ_RELEASE_LOCK CsqReleaseLock,
                               PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp)
{
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    if (!CsqInsertIrp || !CsqRemoveIrp || !CsqPeekNextIrp || !CsqAcquireLock || !CsqReleaseLock ||
        !CsqCompleteCanceledIrp)
    {
        winsim_fail(__func__, "every callback is required");
    }
    Csq->Type = IO_TYPE_CSQ;
    Csq->CsqInsertIrp = CsqInsertIrp;
    Csq->CsqRemoveIrp = CsqRemoveIrp;
    Csq->CsqPeekNextIrp = CsqPeekNextIrp;
    Csq->CsqAcquireLock = CsqAcquireLock;
    Csq->CsqReleaseLock = CsqReleaseLock;
    Csq->CsqCompleteCanceledIrp = CsqCompleteCanceledIrp;
    Csq->ReservePointer = NULL;
    return STATUS_SUCCESS;
}

VOID NTAPI IoCsqInsertIrp(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context)
{
    KIRQL irql;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    if (Csq->Type != IO_TYPE_CSQ)
    {
        winsim_fail(__func__, "queue %p not initialised", (void *)Csq);
    }
    if (Context != NULL)
    {
        winsim_fail(__func__, "IRP contexts are not simulated");
    }
    Csq->CsqAcquireLock(Csq, &irql);
    Irp->Tail.Overlay.DriverContext[3] = Csq;
    IoMarkIrpPending(Irp);
    IoSetCancelRoutine(Irp, csq_cancel);
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL)
    {
        /* Cancelled before it was queued: complete it as cancelled, outside the lock. */
        Irp->Tail.Overlay.DriverContext[3] = NULL;
        Csq->CsqReleaseLock(Csq, irql);
        Csq->CsqCompleteCanceledIrp(Csq, Irp);
        return;
    }
    Csq->CsqInsertIrp(Csq, Irp);
    Csq->CsqReleaseLock(Csq, irql);
}

PIRP NTAPI IoCsqRemoveNextIrp(PIO_CSQ Csq, PVOID PeekContext)
{
    KIRQL irql;
    PIRP irp;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    if (Csq->Type != IO_TYPE_CSQ)
    {
        winsim_fail(__func__, "queue %p not initialised", (void *)Csq);
    }
    Csq->CsqAcquireLock(Csq, &irql);
    for (irp = Csq->CsqPeekNextIrp(Csq, NULL, PeekContext); irp != NULL;
         irp = Csq->CsqPeekNextIrp(Csq, irp, PeekContext))
    {
        /* A NULL cancel routine means cancellation owns this IRP: skip it. */
        if (IoSetCancelRoutine(irp, NULL) != NULL)
        {
            Csq->CsqRemoveIrp(Csq, irp);
            irp->Tail.Overlay.DriverContext[3] = NULL;
            break;
        }
    }
    Csq->CsqReleaseLock(Csq, irql);
    return irp;
}
