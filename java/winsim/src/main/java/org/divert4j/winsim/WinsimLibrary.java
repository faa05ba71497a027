package org.divert4j.winsim;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;

/** libwinsim_jna.so (driver/winsim/jna.c): the simulated kernel with the driver in it. */
interface WinsimLibrary extends Library {
    int winsim_jna_load();

    long winsim_jna_unload();

    void winsim_jna_run_deferred();

    void winsim_jna_advance_ms(long milliseconds);

    long winsim_jna_counter(LongByReference frequency);

    Pointer winsim_jna_user_alloc(long length);

    void winsim_jna_user_free(Pointer buffer);

    Pointer winsim_jna_create_file(String dosName, IntByReference error);

    boolean winsim_jna_device_io_control(Pointer file, int code, Pointer input, int inputLength, Pointer output,
            int outputLength, IntByReference returned, Pointer overlapped, IntByReference error);

    boolean winsim_jna_get_overlapped_result(Pointer overlapped, IntByReference transferred, boolean wait,
            IntByReference error);

    boolean winsim_jna_cancel_io_ex(Pointer file, Pointer overlapped, IntByReference error);

    void winsim_jna_close_handle(Pointer file);

    boolean winsim_jna_await_pending(int count, int timeoutMs);

    int winsim_jna_pending_count();

    void winsim_jna_stack_packet(boolean outbound, byte[] packet, int length, int ifIndex, int subIfIndex,
            int compartment, boolean loopback, int split, int[] verdict);

    void winsim_jna_stack_reinject(int index, int ifIndex, int subIfIndex, int compartment, boolean loopback,
            int[] verdict);

    int winsim_jna_injection_count();

    void winsim_jna_injection_get(int index, int[] meta, LongByReference context, byte[] data, int capacity);

    void winsim_jna_stack_forward(byte[] packet, int length, int sourceIfIndex, int destinationIfIndex,
            int compartment, int[] verdict);

    void winsim_jna_socket_event(int op, long endpointHandle, int[] endpoint, int flags, int[] verdict);

    void winsim_jna_flow_established(long id, long endpointHandle, int[] endpoint, int[] verdict);

    void winsim_jna_flow_end(long id);
}
