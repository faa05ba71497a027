package org.divert4j.api.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.divert4j.abi.Abi;
import org.divert4j.abi.Layer;
import org.divert4j.abi.Param;
import org.divert4j.abi.Shutdown;

/**
 * The 16-byte request header passed as the input buffer of every device request
 * (docs/spec/device-abi.md §3). Each factory returns a fresh, fully zeroed header with only the member
 * of its request filled in, little-endian; pointers are 64-bit values.
 */
public final class RequestHeader {
    private RequestHeader() {
    }

    private static ByteBuffer header() {
        return ByteBuffer.allocate(Abi.IOCTL_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * RECV: {@code addr} = pointer to the address array (0 for none), {@code addr_len_ptr} =
     * pointer to a u32 holding the array's length in bytes (0: one packet, one address).
     *
     * @param addressArray native address of the address array, or 0
     * @param addressLengthPointer native address of the u32 array length, or 0
     * @return the header
     */
    public static byte[] recv(long addressArray, long addressLengthPointer) {
        return header().putLong(0, addressArray).putLong(8, addressLengthPointer).array();
    }

    /**
     * SEND: pointer to the address array and its length in bytes.
     *
     * @param addressArray native address of the address array
     * @param addressArrayLength its length in bytes (80 per packet)
     * @return the header
     */
    public static byte[] send(long addressArray, long addressArrayLength) {
        return header().putLong(0, addressArray).putLong(8, addressArrayLength).array();
    }

    /**
     * INITIALIZE: layer, priority on the wire ({@code priority + 30000}) and the open flags.
     * The priority is not range-checked here: the caller validates, the driver rejects.
     *
     * @param layer the layer
     * @param priority the user priority (−30000 … 30000)
     * @param openFlags the open flags
     * @return the header
     */
    public static byte[] initialize(Layer layer, int priority, long openFlags) {
        return header().putInt(0, layer.value()).putInt(4, priority + Abi.PRIORITY_WIRE_OFFSET)
                .putLong(8, openFlags).array();
    }

    /**
     * STARTUP: the filter flags.
     *
     * @param filterFlags the filter flags
     * @return the header
     */
    public static byte[] startup(long filterFlags) {
        return header().putLong(0, filterFlags).array();
    }

    /**
     * SHUTDOWN: what to shut down.
     *
     * @param how RECV, SEND or BOTH
     * @return the header
     */
    public static byte[] shutdown(Shutdown how) {
        return header().putInt(0, how.value()).array();
    }

    /**
     * GET_PARAM: the parameter number.
     *
     * @param param the parameter
     * @return the header
     */
    public static byte[] getParam(Param param) {
        return header().putInt(0, param.id()).array();
    }

    /**
     * SET_PARAM: the new value itself (not a pointer) and the parameter number.
     *
     * @param param the parameter
     * @param value the new value
     * @return the header
     */
    public static byte[] setParam(Param param, long value) {
        return header().putLong(0, value).putInt(8, param.id()).array();
    }
}
