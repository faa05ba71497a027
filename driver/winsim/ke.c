/*
 * Kernel services with time or deferral in them: the performance counter (a simulated clock
 * the harness moves), timers and DPCs, the deferred-work queue ("other processors": DPCs and
 * injection completions run when the harness or a waiting driver lets them), and the Rtl/Ex
 * utility routines the driver calls.
 */
#include "winsim_internal.h"


/* 10 MHz, the usual QueryPerformanceFrequency of current Windows. */
#define WINSIM_QPC_FREQUENCY 10000000ULL

typedef struct deferred
{
    struct deferred *next;
    winsim_deferred_fn *function;
    void *context;
} deferred;

static winsim_lock ke_mutex;
static deferred *deferred_head, **deferred_tail = &deferred_head;
static uint64_t now_ticks = 1000000;   /* not zero: a zero timestamp would look unset */
static LIST_ENTRY timers = { &timers, &timers };
static ULONG uuid_counter;

void winsim_defer(winsim_deferred_fn *function, void *context)
{
    deferred *work = winsim_host_alloc(sizeof(*work));
    work->next = NULL;
    work->function = function;
    work->context = context;
    winsim_lock_acquire(&ke_mutex);
    *deferred_tail = work;
    deferred_tail = &work->next;
    winsim_lock_release(&ke_mutex);
}

void winsim_run_deferred(void)
{
    for (;;)
    {
        deferred *work;
        KIRQL old;
        winsim_lock_acquire(&ke_mutex);
        work = deferred_head;
        if (work != NULL)
        {
            deferred_head = work->next;
            if (deferred_head == NULL)
            {
                deferred_tail = &deferred_head;
            }
        }
        winsim_lock_release(&ke_mutex);
        if (work == NULL)
        {
            return;
        }
        old = winsim_irql_raise(__func__, DISPATCH_LEVEL);
        work->function(work->context);
        if (winsim_irql() != DISPATCH_LEVEL)
        {
            winsim_fail(__func__, "deferred routine returned at another IRQL");
        }
        winsim_irql_lower(__func__, old);
        winsim_host_free(work);
    }
}

uint64_t winsim_counter(uint64_t *frequency)
{
    *frequency = WINSIM_QPC_FREQUENCY;
    return __atomic_load_n(&now_ticks, __ATOMIC_ACQUIRE);
}

LARGE_INTEGER NTAPI KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency)
{
    LARGE_INTEGER now;
    if (PerformanceFrequency != NULL)
    {
        PerformanceFrequency->QuadPart = (LONGLONG)WINSIM_QPC_FREQUENCY;
    }
    now.QuadPart = (LONGLONG)__atomic_load_n(&now_ticks, __ATOMIC_ACQUIRE);
    return now;
}

/* ---- DPCs -------------------------------------------------------------------------------- */
VOID NTAPI KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    RtlZeroMemory(Dpc, sizeof(*Dpc));
    Dpc->DeferredRoutine = DeferredRoutine;
    Dpc->DeferredContext = DeferredContext;
}

static void dpc_run(void *context)
{
    PKDPC dpc = context;
    __atomic_store_n(&dpc->DpcData, NULL, __ATOMIC_RELEASE);
    dpc->DeferredRoutine(dpc, dpc->DeferredContext, dpc->SystemArgument1, dpc->SystemArgument2);
}

/* KeInsertQueueDpc's rule: a DPC already queued is not queued twice. */
static void dpc_queue(PKDPC dpc)
{
    if (__atomic_exchange_n(&dpc->DpcData, (PVOID)dpc, __ATOMIC_ACQ_REL) == NULL)
    {
        winsim_defer(dpc_run, dpc);
    }
}

VOID NTAPI KeFlushQueuedDpcs(VOID)
{
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    winsim_run_deferred();
}

/* ---- Timers: DueTime holds the absolute due tick; TimerListEntry links armed timers ------- */
VOID NTAPI KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type)
{
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    RtlZeroMemory(Timer, sizeof(*Timer));
    Timer->Header.Type = (UCHAR)Type;
    Timer->TimerListEntry.Flink = NULL;
}

static BOOLEAN timer_disarm(PKTIMER timer)
{
    if (timer->TimerListEntry.Flink == NULL)
    {
        return FALSE;
    }
    RemoveEntryList(&timer->TimerListEntry);
    timer->TimerListEntry.Flink = NULL;
    return TRUE;
}

BOOLEAN NTAPI KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, PKDPC Dpc)
{
    uint64_t due;
    BOOLEAN wasSet;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    if (Period < 0)
    {
        winsim_fail(__func__, "negative period %d", (int)Period);
    }
    /* Negative: relative, in 100 ns units; positive: absolute system time (not simulated). */
    if (DueTime.QuadPart > 0)
    {
        winsim_fail(__func__, "absolute due times are not simulated");
    }
    winsim_lock_acquire(&ke_mutex);
    due = now_ticks + (uint64_t)(-DueTime.QuadPart) * WINSIM_QPC_FREQUENCY / 10000000ULL;
    wasSet = timer_disarm(Timer);
    Timer->DueTime.QuadPart = due;
    Timer->Period = (ULONG)Period;
    Timer->Dpc = Dpc;
    InsertTailList(&timers, &Timer->TimerListEntry);
    winsim_lock_release(&ke_mutex);
    return wasSet;
}

BOOLEAN NTAPI KeCancelTimer(PKTIMER Timer)
{
    BOOLEAN wasSet;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    winsim_lock_acquire(&ke_mutex);
    wasSet = timer_disarm(Timer);
    winsim_lock_release(&ke_mutex);
    return wasSet;
}

void winsim_advance_ms(uint64_t milliseconds)
{
    PLIST_ENTRY entry;
    winsim_lock_acquire(&ke_mutex);
    /* Atomic: KeQueryPerformanceCounter and winsim_counter read it without the lock. */
    __atomic_add_fetch(&now_ticks, milliseconds * (WINSIM_QPC_FREQUENCY / 1000), __ATOMIC_ACQ_REL);
    for (entry = timers.Flink; entry != &timers;)
    {
        PKTIMER timer = CONTAINING_RECORD(entry, KTIMER, TimerListEntry);
        entry = entry->Flink;
        if (timer->DueTime.QuadPart > now_ticks)
        {
            continue;
        }
        if (timer->Period != 0)
        {
            /* A periodic timer fires once per expiry however late it is noticed. */
            timer->DueTime.QuadPart = now_ticks + (uint64_t)timer->Period * (WINSIM_QPC_FREQUENCY / 1000);
        }
        else
        {
            timer_disarm(timer);
        }
        if (timer->Dpc != NULL)
        {
            winsim_lock_release(&ke_mutex);
            dpc_queue(timer->Dpc);
            winsim_lock_acquire(&ke_mutex);
        }
    }
    winsim_lock_release(&ke_mutex);
    winsim_run_deferred();
}

static bool inside(const void *object, const void *start, size_t length)
{
    return (const UINT8 *)object >= (const UINT8 *)start && (const UINT8 *)object < (const UINT8 *)start + length;
}

const char *winsim_ke_live_object_in(const void *start, size_t length)
{
    const char *found = NULL;
    const deferred *work;
    PLIST_ENTRY entry;
    winsim_lock_acquire(&ke_mutex);
    for (entry = timers.Flink; entry != &timers && found == NULL; entry = entry->Flink)
    {
        if (inside(CONTAINING_RECORD(entry, KTIMER, TimerListEntry), start, length))
        {
            found = "an armed KTIMER";
        }
    }
    for (work = deferred_head; work != NULL && found == NULL; work = work->next)
    {
        if (work->function == dpc_run && inside(work->context, start, length))
        {
            found = "a queued KDPC";
        }
    }
    winsim_lock_release(&ke_mutex);
    return found;
}

uint64_t winsim_ke_leaks(void)
{
    uint64_t leaks = 0;
    PLIST_ENTRY entry;
    winsim_run_deferred();
    winsim_lock_acquire(&ke_mutex);
    for (entry = timers.Flink; entry != &timers; entry = entry->Flink)
    {
        winsim_host_print("winsim: leak: timer %p still armed\n", (void *)CONTAINING_RECORD(entry, KTIMER, TimerListEntry));
        leaks++;
    }
    winsim_lock_release(&ke_mutex);
    return leaks;
}

/* ---- Rtl / Ex utilities ------------------------------------------------------------------ */
VOID NTAPI RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString)
{
    size_t length = 0;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    if (SourceString != NULL)
    {
        while (SourceString[length] != 0)
        {
            length++;
        }
    }
    if (length * sizeof(WCHAR) > 0xFFFC)
    {
        winsim_fail(__func__, "string longer than UNICODE_STRING allows");
    }
    DestinationString->Buffer = (PWSTR)SourceString;
    DestinationString->Length = (USHORT)(length * sizeof(WCHAR));
    DestinationString->MaximumLength = (USHORT)(SourceString == NULL ? 0 : (length + 1) * sizeof(WCHAR));
}

SIZE_T NTAPI RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length)
{
    const UCHAR *a = Source1, *b = Source2;
    SIZE_T same = 0;
    while (same < Length && a[same] == b[same])
    {
        same++;
    }
    return same;
}

/* Unique within the run; the time-based fields of real UUIDs carry no meaning to the driver. */
NTSTATUS NTAPI ExUuidCreate(UUID *Uuid)
{
    ULONG serial;
    WINSIM_IRQL_EXACT(PASSIVE_LEVEL);
    serial = __atomic_add_fetch(&uuid_counter, 1, __ATOMIC_RELAXED);
    RtlZeroMemory(Uuid, sizeof(*Uuid));
    Uuid->Data1 = serial;
    Uuid->Data2 = 0x5157;     /* "WS" */
    Uuid->Data3 = 0x4000;     /* version 4 layout */
    Uuid->Data4[0] = 0x80;
    return STATUS_SUCCESS;
}
