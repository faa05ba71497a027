/** The Windows transport (kernel32 DeviceIoControl) and driver manager (service control manager), through JNA. */
package org.divert4j.api.windows;
