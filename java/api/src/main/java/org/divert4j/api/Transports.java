package org.divert4j.api;

import java.util.Locale;
import org.divert4j.api.linux.LinuxTransport;
import org.divert4j.api.spi.DeviceTransport;
import org.divert4j.api.windows.WindowsTransport;

/** The transport of the running platform. */
public final class Transports {
    private Transports() {
    }

    /**
     * The platform's transport: Windows talks to the kernel driver, Linux (x86-64) to the
     * NFQUEUE host in the bundled {@code libdivert4j.so}.
     *
     * @return the transport
     * @throws DivertException.DriverUnavailableException (error 50) on a platform without one
     */
    public static DeviceTransport platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            return new WindowsTransport();
        }
        if (os.startsWith("linux")) {
            return new LinuxTransport();
        }
        throw new DivertException.DriverUnavailableException(WinError.NOT_SUPPORTED.code(), "open",
                "no divert transport for " + System.getProperty("os.name") + " in this build", null);
    }
}
