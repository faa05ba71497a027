package org.divert4j.cli;

import org.divert4j.abi.Layer;
import picocli.CommandLine.ITypeConverter;

/** Accepts layer names (case-insensitive, {@code forward} too) and the numbers 0…4. */
final class LayerConverter implements ITypeConverter<Layer> {
    @Override
    public Layer convert(String value) {
        String v = value.trim();
        if (v.length() == 1 && v.charAt(0) >= '0' && v.charAt(0) <= '4') {
            return Layer.of(v.charAt(0) - '0');
        }
        return Layer.parse(v);
    }
}
