package org.divert4j.filter.compiler;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.divert4j.filter.CompiledFilter;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.junit.jupiter.api.Test;

/** oracle-syntax.jsonl: acceptance, error codes and positions, and object strings byte for byte. */
class OracleSyntaxTest {

    @Test
    void everyVectorAgreesWithTheReference() {
        List<String> mismatches = new ArrayList<>();
        int n = 0;
        for (Map<String, Object> row : Vectors.read("oracle-syntax.jsonl")) {
            n++;
            String filter = (String) row.get("filter");
            String got;
            try {
                CompiledFilter f = FilterCompiler.compile(filter, Vectors.layer(row), false);
                got = "ok " + f.object();
            } catch (FilterException e) {
                got = "error " + Integer.toUnsignedString(e.position()) + " " + e.error().message();
            }
            String want = Boolean.TRUE.equals(row.get("accept")) ? "ok " + row.get("object")
                    : "error " + ((org.divert4j.vectors.JsonLine.JsonNumber) row.get("errorPos")).text()
                    + " " + row.get("error");
            if (!got.equals(want)) {
                mismatches.add(row.get("name") + " [" + row.get("layer") + "] " + filter
                        + "\n   want " + want + "\n   got  " + got);
            }
        }
        assertWithMessage(mismatches.size() + " of " + n + " differ:\n" + String.join("\n",
                mismatches.subList(0, Math.min(40, mismatches.size())))).that(mismatches).isEmpty();
    }
}
