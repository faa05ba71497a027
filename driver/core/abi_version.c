#include "core/abi_version.h"

#include "divert_abi.h"

uint32_t divert_core_abi_version(void)
{
    return ((uint32_t)DIVERT_VERSION_MAJOR << 16) | (uint32_t)DIVERT_VERSION_MINOR;
}
