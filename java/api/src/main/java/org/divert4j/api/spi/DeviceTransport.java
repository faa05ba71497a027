package org.divert4j.api.spi;

import java.util.Optional;

/**
 * How a handle reaches the divert device: the Windows transport talks to the driver with
 * {@code CreateFile}/{@code DeviceIoControl}; a Linux transport passes the very same requests
 * (IOCTL code, 16-byte header, data buffer) to the user-space host. The client builds every
 * buffer; a transport only moves them.
 */
public interface DeviceTransport {

    /** {@return a short name for messages, e.g. {@code "windows"}} */
    String name();

    /**
     * Opens the device.
     *
     * @param devicePath the device path, e.g. {@code \\.\Divert4j}
     * @return the channel
     * @throws DeviceOpenException with the Windows error if the device cannot be opened (2 or 3
     *     when the driver is not loaded)
     */
    DeviceChannel open(String devicePath) throws DeviceOpenException;

    /**
     * Ticks per second of the clock address-record timestamps count (Windows: the performance
     * counter). The default is a nanosecond clock.
     *
     * @return the frequency
     */
    default long counterFrequency() {
        return 1_000_000_000L;
    }

    /**
     * The current value of that clock (Windows: QueryPerformanceCounter). The default is
     * {@link System#nanoTime()}.
     *
     * @return the current tick count
     */
    default long counterNow() {
        return System.nanoTime();
    }

    /** {@return the driver manager of this platform, if drivers are installed there} */
    Optional<DriverManager> driverManager();
}
