/* The ABI version this core implements, for hosts that must refuse a mismatched peer. */
#ifndef DIVERT_CORE_ABI_VERSION_H
#define DIVERT_CORE_ABI_VERSION_H

#include <stdint.h>

/* (major << 16) | minor of the device ABI (divert_abi.h). */
uint32_t divert_core_abi_version(void);

#endif
