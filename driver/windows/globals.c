/*
 * The driver's one global state (driver.h). Its own file at the bottom of the floor plan:
 * every file reads it, and defining it in entry.c, the top, made each of them depend on the
 * file that depends on all of them (tests/checks/check-imports.py).
 */
#include "driver.h"

DIVERT_GLOBALS g_divert;
