package org.divert4j.cli;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.divert4j.abi.Address;
import org.divert4j.abi.Event;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.api.codec.AddressCodec;
import org.divert4j.filter.eval.JavaEngine;
import org.divert4j.filter.eval.Verdict;
import org.divert4j.nativelib.NativeEngine;
import org.divert4j.vectors.VectorCase;
import org.junit.jupiter.api.Test;

/**
 * Differential test of the two engines beyond the evaluation vectors: every filter of
 * oracle-syntax.jsonl (accepted or not) on every distinct packet of the WinDivert suite, both
 * directions, must give the same outcome in the C core and in the Java evaluator.
 */
class NativeEngineTest {

    private static List<VectorCase> read(String file) {
        String root = System.getProperty("divert4j.root");
        Path dir = (root != null ? Paths.get(root) : Paths.get("../..")).resolve("tests/vectors");
        return VectorCase.read(dir.resolve(file));
    }

    @Test
    void enginesAgreeOnEverySyntaxFilterAndSuitePacket() {
        Map<String, byte[]> packets = new LinkedHashMap<>();
        for (VectorCase c : read("windivert-suite.jsonl")) {
            if (c.packet() != null) {
                packets.putIfAbsent(Arrays.toString(c.packet()), c.packet());
            }
        }
        NativeEngine nat = new NativeEngine(AddressCodec::encode);
        JavaEngine java = new JavaEngine();
        List<String> differences = new ArrayList<>();
        int evaluations = 0;
        for (VectorCase c : read("oracle-syntax.jsonl")) {
            for (boolean outbound : new boolean[] {false, true}) {
                if (c.layer().isNetwork()) {
                    for (byte[] p : packets.values()) {
                        boolean ipv6 = (p[0] >> 4 & 0xF) == 6;
                        Address a = new Address(7, c.layer(), Event.NETWORK_PACKET.value(), false, outbound, false,
                                false, ipv6, false, false, false, new LayerData.Network(3, 1));
                        evaluations++;
                        compare(c, p, a, nat, java, differences);
                    }
                } else {
                    Address a = c.address();
                    evaluations++;
                    compare(c, null, new Address(a.timestamp(), a.layer(), a.event(), a.sniffed(), outbound,
                            a.loopback(), a.impostor(), a.ipv6(), false, false, false, a.data()), nat, java,
                            differences);
                }
            }
        }
        assertWithMessage("%s of %s evaluations differ, first: %s", differences.size(), evaluations,
                differences.subList(0, Math.min(10, differences.size()))).that(differences).isEmpty();
        assertThat(packets.size()).isAtLeast(5);
        assertThat(evaluations).isGreaterThan(5000);
    }

    private static void compare(VectorCase c, byte[] packet, Address a, NativeEngine nat, JavaEngine java,
            List<String> differences) {
        Verdict n = nat.evaluate(c.filter(), packet, a);
        Verdict j = java.evaluate(c.filter(), packet, a);
        if (n.outcome() != j.outcome()) {
            differences.add(c.name() + " (" + (a.outbound() ? "out" : "in") + "): native " + n + ", java " + j);
        }
    }

    @Test
    void nameAndLayerFromTheAddress() {
        assertThat(new NativeEngine(AddressCodec::encode).name()).isEqualTo("native");
        Address flow = new Address(0, Layer.FLOW, 1, false, false, false, false, false, false, false, false,
                LayerData.Endpoint.NONE);
        assertThat(new NativeEngine(AddressCodec::encode).evaluate("event == ESTABLISHED and not tcp", null, flow))
                .isEqualTo(Verdict.MATCH);
        assertThat(new NativeEngine(AddressCodec::encode).evaluate("tcp.Syn", null, flow).message()).contains("FLOW");
    }
}
