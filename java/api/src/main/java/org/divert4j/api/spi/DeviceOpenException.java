package org.divert4j.api.spi;

/** The device could not be opened; carries the Windows error of the failed call. */
public final class DeviceOpenException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The Windows error code. */
    private final int errorCode;

    /**
     * @param errorCode the Windows error code
     * @param message what failed
     */
    public DeviceOpenException(int errorCode, String message) {
        super(message + " (error " + errorCode + ")");
        this.errorCode = errorCode;
    }

    /** {@return the Windows error code} */
    public int errorCode() {
        return errorCode;
    }
}
