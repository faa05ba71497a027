package org.divert4j.abi;

/** The device control codes (docs/spec/device-abi.md §2). */
public enum Ioctl {
    /** Version handshake. */
    INITIALIZE(0x921, Ioctl.METHOD_OUT_DIRECT, Ioctl.ACCESS_READ | Ioctl.ACCESS_WRITE),
    /** Filter program upload; the handle becomes OPEN. */
    STARTUP(0x922, Ioctl.METHOD_IN_DIRECT, Ioctl.ACCESS_READ | Ioctl.ACCESS_WRITE),
    /** Receive packets or events. */
    RECV(0x923, Ioctl.METHOD_OUT_DIRECT, Ioctl.ACCESS_READ),
    /** Inject packets. */
    SEND(0x924, Ioctl.METHOD_IN_DIRECT, Ioctl.ACCESS_READ | Ioctl.ACCESS_WRITE),
    /** Set a parameter. */
    SET_PARAM(0x925, Ioctl.METHOD_IN_DIRECT, Ioctl.ACCESS_READ | Ioctl.ACCESS_WRITE),
    /** Read a parameter. */
    GET_PARAM(0x926, Ioctl.METHOD_OUT_DIRECT, Ioctl.ACCESS_READ),
    /** Shut down receiving and/or sending. */
    SHUTDOWN(0x927, Ioctl.METHOD_IN_DIRECT, Ioctl.ACCESS_READ | Ioctl.ACCESS_WRITE);

    private static final int DEVICE_TYPE_NETWORK = 0x12;
    private static final int METHOD_IN_DIRECT = 1;
    private static final int METHOD_OUT_DIRECT = 2;
    private static final int ACCESS_READ = 1;
    private static final int ACCESS_WRITE = 2;

    private final int code;

    Ioctl(int function, int method, int access) {
        this.code = DEVICE_TYPE_NETWORK << 16 | access << 14 | function << 2 | method;
    }

    /** The 32-bit code passed to DeviceIoControl. */
    public int code() {
        return code;
    }
}
