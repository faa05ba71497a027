/*
 * Check build only. In the WDK, IoCreateDeviceSecure is not an ntoskrnl export but code in
 * the static library wdmsec.lib, linked into the driver; mingw has no such library. This
 * stand-in keeps the check link honest about imports (IoCreateDevice and the ntoskrnl
 * security calls wdmsec.lib itself uses) without pretending to apply the SDDL: the check
 * image is never loaded.
 */
#include "divert4j_shim.h"

NTSTATUS IoCreateDeviceSecure(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize,
                               PUNICODE_STRING DeviceName, DEVICE_TYPE DeviceType,
                                    ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                                    PCUNICODE_STRING DefaultSDDLString, LPCGUID DeviceClassGuid,
                                    PDEVICE_OBJECT *DeviceObject)
{
    UNREFERENCED_PARAMETER(DefaultSDDLString);
    UNREFERENCED_PARAMETER(DeviceClassGuid);
    return IoCreateDevice(DriverObject, DeviceExtensionSize, DeviceName, DeviceType,
                          DeviceCharacteristics, Exclusive, DeviceObject);
}
