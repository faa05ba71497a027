/*
 * Entry points of libdivert4j.so, loaded by the Java side through JNA. Only what is marked
 * DIVERT4J_EXPORT is visible; everything else stays inside the library.
 */
#include <stdint.h>

#include "abi_version.h"

#define DIVERT4J_EXPORT __attribute__((visibility("default")))

/* Lets the Java side check that the bundled library speaks the ABI it was built for. */
DIVERT4J_EXPORT uint32_t divert4j_abi_version(void)
{
    return divert_core_abi_version();
}
