package org.divert4j.filter;

import java.util.List;
import org.divert4j.abi.Layer;

/**
 * The result of compiling a filter for a layer: immutable and safe to share between threads.
 *
 * @param layer the layer it was compiled for
 * @param object the canonical object string ({@code @WinDiv_…})
 * @param instructions the program (docs/spec/filter-object.md (a)); instruction 0 is the entry
 * @param flags the filter flags word for the layer (docs/spec/filter-object.md (c)), as sent to the driver
 * @param warnings lint warnings about surprising semantics (for object input only
 *     {@link FilterWarning.Kind#DRIVER_REFUSES})
 */
public record CompiledFilter(Layer layer, String object, List<Instruction> instructions,
        long flags, List<FilterWarning> warnings) {

    /** Copies the lists, so the result cannot change afterwards. */
    public CompiledFilter {
        instructions = List.copyOf(instructions);
        warnings = List.copyOf(warnings);
    }
}
