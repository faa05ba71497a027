/*
 * REFLECT for the Linux host (reflect.c, docs/spec/device-abi.md 12): the handles of this process.
 */
#ifndef DIVERT4J_LINUX_REFLECT_H
#define DIVERT4J_LINUX_REFLECT_H

#include "handles.h"

/* After STARTUP: OPEN events for REFLECT handles, or a new REFLECT handle's snapshot. */
void reflect_started(handle *h);
/* At close: CLOSE events for the REFLECT handles. */
void reflect_closing(handle *h);

#endif
