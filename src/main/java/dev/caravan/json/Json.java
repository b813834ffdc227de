package dev.caravan.json;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one Jackson mapper of the wire model: immutable once built and safe to share. */
public final class Json {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            // long-context prompts: a single message string may be tens of MiB
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(
                StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).maxNestingDepth(200).build());
    }

    /** A string as a JSON string literal. */
    public static String quote(String text) {
        try {
            return MAPPER.writeValueAsString(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Json() {
    }
}
