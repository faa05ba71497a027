package org.divert4j.api.linux;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.OpenFlag;
import org.divert4j.abi.Param;
import org.divert4j.abi.Shutdown;
import org.divert4j.api.Device;
import org.divert4j.api.DivertException;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import org.divert4j.api.FilterProgram;
import org.divert4j.api.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The Linux transport against the real host in libdivert4j.so. Only handles that make the host
 * create no netfilter rule and no queue are opened here (the `false` filter, receive-only), so
 * the test never touches the machine's traffic; packet paths are covered by tests/e2e in
 * private network namespaces. Without root every open must fail with ACCESS_DENIED instead.
 */
@EnabledOnOs(OS.LINUX)
class LinuxTransportTest {
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private static DivertHandle.Builder quiet(Layer layer) {
        return DivertHandle.builder().filter(FilterProgram.rejectAll()).layer(layer)
                .flags(OpenFlag.SNIFF, OpenFlag.RECV_ONLY).transport(new LinuxTransport());
    }

    @Test
    void platformTransportIsLinux() {
        assertThat(Transports.platform().name()).isEqualTo("linux");
        assertThat(new LinuxTransport().driverManager()).isEmpty();
    }

    @Test
    void requestsReachTheHost() {
        if (!ROOT) {
            DivertException e = assertThrows(DivertException.class, () -> quiet(Layer.NETWORK).open());
            assertThat(e.errorCode()).isEqualTo(5);
            return;
        }
        try (DivertHandle h = quiet(Layer.NETWORK).open()) {
            assertThat(h.devicePath()).isEqualTo(Device.DIVERT4J_PATH);
            assertThat(h.getParam(Param.VERSION_MAJOR)).isEqualTo(2);
            assertThat(h.getParam(Param.QUEUE_LENGTH)).isEqualTo(4096);
            h.setParam(Param.QUEUE_TIME, 100);
            assertThat(h.getParam(Param.QUEUE_TIME)).isEqualTo(100);
            DivertException bad = assertThrows(DivertException.class, () -> h.setParam(Param.QUEUE_SIZE, 65534));
            assertThat(bad.errorCode()).isEqualTo(87);
            byte[] packet = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
            DivertException send = assertThrows(DivertException.class,
                    () -> h.send(packet, Address.network(true, false)));
            assertThat(send.errorCode()).isEqualTo(87); // RECV_ONLY
            h.shutdown(Shutdown.RECV);
            assertThrows(DivertException.NoDataException.class, h::recv);
        }
    }

    @Test
    void closeAbortsAPendingRecv() throws Exception {
        if (!ROOT) {
            return; // covered by requestsReachTheHost without root
        }
        DivertHandle h = quiet(Layer.NETWORK).open();
        CompletableFuture<DivertPacket> pending = CompletableFuture.supplyAsync(h::recv);
        Thread.sleep(200); // usually lets the request reach the host first
        h.close();
        // Pending in the host: aborted (995). Not yet issued: refused as closed. Never a hang.
        ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(10, TimeUnit.SECONDS));
        assertThat(e.getCause().getClass()).isAnyOf(DivertException.AbortedException.class, IllegalStateException.class);
    }

    @Test
    void flowAndSocketAreNotSupported() {
        if (!ROOT) {
            return;
        }
        for (Layer layer : new Layer[] {Layer.FLOW, Layer.SOCKET}) {
            DivertException e = assertThrows(DivertException.class, () -> quiet(layer).open());
            assertThat(e.errorCode()).isEqualTo(87);
            assertThat(e.getMessage()).contains("not supported on Linux");
        }
    }
}
