package org.divert4j.abi;

/** Sizes, magics and limits of the device ABI (docs/spec/device-abi.md §5, §6.4, §6.6). */
public final class Abi {
    /** Size of one address record. */
    public static final int ADDRESS_SIZE = 80;
    /** Size of the request header. */
    public static final int IOCTL_SIZE = 16;
    /** Size of the version handshake record. */
    public static final int VERSION_SIZE = 64;
    /** Size of one filter instruction. */
    public static final int FILTER_INSTRUCTION_SIZE = 24;
    /** Maximum packets or addresses in one request. */
    public static final int BATCH_MAX = 255;
    /** Largest packet: 40 + 65535. */
    public static final int MTU_MAX = 40 + 0xFFFF;
    /** Most instructions the driver accepts. */
    public static final int FILTER_MAX_INSTRUCTIONS = 255;
    /** Highest user priority. */
    public static final int PRIORITY_HIGHEST = 30000;
    /** Lowest user priority. */
    public static final int PRIORITY_LOWEST = -30000;
    /** Added to the user priority on the wire. */
    public static final int PRIORITY_WIRE_OFFSET = 30000;
    /** Magic the client sends in INITIALIZE ("$WdivDLL" little-endian). */
    public static final long MAGIC_DLL = 0x4C4C447669645724L;
    /** Magic the driver answers with ("#WdivSYS" little-endian). */
    public static final long MAGIC_SYS = 0x5359537669645723L;
    /** ABI major version. */
    public static final int VERSION_MAJOR = 2;
    /** ABI minor version. */
    public static final int VERSION_MINOR = 2;

    private Abi() {
    }
}
