/*
 * IRQL tracking, spin locks and rundown protection.
 *
 * Each thread carries a simulated IRQL. Acquiring a spin lock raises it to DISPATCH_LEVEL and
 * releasing restores the saved value, as on Windows, so a routine documented for PASSIVE_LEVEL
 * called while a spin lock is held fails its WINSIM_IRQL_MAX check. Spin locks are real
 * (atomic, owner-tagged) so two harness threads exclude each other; re-acquiring a lock the
 * thread holds, or releasing one it does not, fails the run instead of hanging.
 */
#include "winsim_internal.h"

#include <string.h>


static _Thread_local KIRQL current_irql = PASSIVE_LEVEL;
static _Thread_local char thread_token;

/* winsim_hook_before: one routine name and what to run when it is next entered. */
static winsim_lock hook_lock;
static const char *volatile hook_routine;
static winsim_hook_fn *hook_function;
static void *hook_context;
static LONG waiters;

void winsim_hook_before(const char *routine, winsim_hook_fn *function, void *context)
{
    winsim_lock_acquire(&hook_lock);
    hook_function = function;
    hook_context = context;
    __atomic_store_n(&hook_routine, routine, __ATOMIC_RELEASE);
    winsim_lock_release(&hook_lock);
}

/* Every simulated routine passes its IRQL check first: the hook runs there, once. */
static void hook_check(const char *function)
{
    winsim_hook_fn *run = NULL;
    void *context = NULL;
    const char *routine = __atomic_load_n(&hook_routine, __ATOMIC_ACQUIRE);
    if (routine == NULL || strcmp(routine, function) != 0)
    {
        return;
    }
    winsim_lock_acquire(&hook_lock);
    if (hook_routine != NULL && strcmp(hook_routine, function) == 0)
    {
        run = hook_function;
        context = hook_context;
        hook_routine = NULL;
    }
    winsim_lock_release(&hook_lock);
    if (run != NULL)
    {
        run(context);
    }
}

uint32_t winsim_waiters(void)
{
    return (uint32_t)__atomic_load_n(&waiters, __ATOMIC_ACQUIRE);
}

static const char *irql_name(KIRQL level)
{
    switch (level)
    {
    case PASSIVE_LEVEL:  return "PASSIVE_LEVEL";
    case APC_LEVEL:      return "APC_LEVEL";
    case DISPATCH_LEVEL: return "DISPATCH_LEVEL";
    default:             return "HIGH";
    }
}

void winsim_fail(const char *function, const char *format, ...)
{
    __builtin_va_list args;
    winsim_host_print("winsim: FAIL in %s: ", function);
    __builtin_va_start(args, format);
    winsim_host_vprint(format, args);
    __builtin_va_end(args);
    winsim_host_print("\n");
    winsim_host_abort();
}

KIRQL winsim_irql(void)
{
    return current_irql;
}

void winsim_irql_max(const char *function, KIRQL max)
{
    hook_check(function);
    if (current_irql > max)
    {
        winsim_fail(function, "called at %s, documented maximum %s", irql_name(current_irql),
                    irql_name(max));
    }
}

void winsim_irql_exact(const char *function, KIRQL level)
{
    hook_check(function);
    if (current_irql != level)
    {
        winsim_fail(function, "called at %s, documented %s", irql_name(current_irql), irql_name(level));
    }
}

KIRQL winsim_irql_raise(const char *function, KIRQL level)
{
    KIRQL old = current_irql;
    if (level < old)
    {
        winsim_fail(function, "raising IRQL from %s to lower %s", irql_name(old), irql_name(level));
    }
    current_irql = level;
    return old;
}

void winsim_irql_lower(const char *function, KIRQL level)
{
    if (level > current_irql)
    {
        winsim_fail(function, "lowering IRQL from %s to higher %s", irql_name(current_irql),
                    irql_name(level));
    }
    current_irql = level;
}

void winsim_spin_acquire(const char *function, PKSPIN_LOCK lock)
{
    KSPIN_LOCK mine = (KSPIN_LOCK)(ULONG_PTR)&thread_token;
    for (;;)
    {
        KSPIN_LOCK expected = 0;
        if (__atomic_compare_exchange_n(lock, &expected, mine, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        {
            return;
        }
        if (expected == mine)
        {
            winsim_fail(function, "spin lock %p already held by this thread (deadlock)", (void *)lock);
        }
        winsim_host_yield();
    }
}

void winsim_spin_release(const char *function, PKSPIN_LOCK lock)
{
    KSPIN_LOCK mine = (KSPIN_LOCK)(ULONG_PTR)&thread_token;
    KSPIN_LOCK expected = mine;
    if (!__atomic_compare_exchange_n(lock, &expected, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
    {
        winsim_fail(function, "spin lock %p released but not held by this thread", (void *)lock);
    }
}

/* ---- KeAcquireSpinLock (amd64: KeAcquireSpinLockRaiseToDpc) / KeReleaseSpinLock ---------- */
KIRQL NTAPI KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock)
{
    KIRQL old;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    old = winsim_irql_raise(__func__, DISPATCH_LEVEL);
    winsim_spin_acquire(__func__, SpinLock);
    return old;
}

VOID NTAPI KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql)
{
    WINSIM_IRQL_EXACT(DISPATCH_LEVEL);
    winsim_spin_release(__func__, SpinLock);
    winsim_irql_lower(__func__, NewIrql);
}

/* ---- Queued spin locks ------------------------------------------------------------------- */
VOID FASTCALL KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    LockHandle->OldIrql = winsim_irql_raise(__func__, DISPATCH_LEVEL);
    winsim_spin_acquire(__func__, SpinLock);
    LockHandle->LockQueue.Lock = SpinLock;
    LockHandle->LockQueue.Next = NULL;
}

static void queued_release(const char *function, PKLOCK_QUEUE_HANDLE LockHandle)
{
    winsim_irql_exact(function, DISPATCH_LEVEL);
    if (LockHandle->LockQueue.Lock == NULL)
    {
        winsim_fail(function, "lock handle %p does not hold a lock", (void *)LockHandle);
    }
    winsim_spin_release(function, LockHandle->LockQueue.Lock);
    LockHandle->LockQueue.Lock = NULL;
}

VOID FASTCALL KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle)
{
    queued_release(__func__, LockHandle);
    winsim_irql_lower(__func__, LockHandle->OldIrql);
}

VOID FASTCALL KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    WINSIM_IRQL_EXACT(DISPATCH_LEVEL);
    winsim_spin_acquire(__func__, SpinLock);
    LockHandle->LockQueue.Lock = SpinLock;
    LockHandle->LockQueue.Next = NULL;
    LockHandle->OldIrql = DISPATCH_LEVEL;
}

VOID FASTCALL KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle)
{
    queued_release(__func__, LockHandle);
}

/* ---- Rundown protection: Count = 2 x references, bit 0 = run-down started ---------------- */
VOID FASTCALL ExInitializeRundownProtection(PEX_RUNDOWN_REF RunRef)
{
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    __atomic_store_n(&RunRef->Count, 0, __ATOMIC_RELEASE);
}

BOOLEAN FASTCALL ExAcquireRundownProtection(PEX_RUNDOWN_REF RunRef)
{
    ULONG_PTR value;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    value = __atomic_load_n(&RunRef->Count, __ATOMIC_ACQUIRE);
    do
    {
        if (value & 1)
        {
            return FALSE;
        }
    } while (!__atomic_compare_exchange_n(&RunRef->Count, &value, value + 2, false, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE));
    return TRUE;
}

VOID FASTCALL ExReleaseRundownProtection(PEX_RUNDOWN_REF RunRef)
{
    ULONG_PTR before;
    WINSIM_IRQL_MAX(DISPATCH_LEVEL);
    before = __atomic_fetch_sub(&RunRef->Count, 2, __ATOMIC_ACQ_REL);
    if (before < 2)
    {
        winsim_fail(__func__, "rundown %p released more often than acquired", (void *)RunRef);
    }
}

void winsim_wait_begin(void)
{
    __atomic_add_fetch(&waiters, 1, __ATOMIC_ACQ_REL);
}

void winsim_wait_end(void)
{
    __atomic_sub_fetch(&waiters, 1, __ATOMIC_ACQ_REL);
}

/* Waits as the kernel does, while other processors keep running: deferred work proceeds. A
 * thread counts as waiting only if it has to (no reference is held: it passes at once). */
VOID FASTCALL ExWaitForRundownProtectionRelease(PEX_RUNDOWN_REF RunRef)
{
    WINSIM_IRQL_MAX(APC_LEVEL);
    if (__atomic_or_fetch(&RunRef->Count, 1, __ATOMIC_ACQ_REL) == 1)
    {
        return;
    }
    winsim_wait_begin();
    while (__atomic_load_n(&RunRef->Count, __ATOMIC_ACQUIRE) != 1)
    {
        winsim_run_deferred();
        winsim_host_yield();
    }
    winsim_wait_end();
}
