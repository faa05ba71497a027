/*
 * The one place the driver picks its kernel headers: the WDK's for real builds, the
 * check-build shim (checkbuild/divert4j_shim.h) for tests/checks/check-windows-driver.sh on Linux.
 */
#ifndef DIVERT4J_KERNEL_H
#define DIVERT4J_KERNEL_H

#ifdef DIVERT4J_CHECK_BUILD
#include "checkbuild/divert4j_shim.h"
#else
#define NDIS630 1
#include <ntddk.h>
#include <wdmsec.h>
#include <ndis.h>
#include <fwpsk.h>
#include <fwpmk.h>

#define DIVERT_TRY             __try
#define DIVERT_EXCEPT          __except (EXCEPTION_EXECUTE_HANDLER)
#define DIVERT_EXCEPTION_CODE  GetExceptionCode()
#endif

#endif /* DIVERT4J_KERNEL_H */
