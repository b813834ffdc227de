package dev.caravan.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * One streaming pass over a JSON object that validates all of it and keeps only its top-level members:
 * the kind of each value, and for strings the text and byte span. Enough to route, check types and
 * splice a value in place without building (and re-serialising) a tree of a 1 MiB prompt.
 */
public final class JsonMembers {

    /** A top-level member; {@code text}, {@code start} and {@code end} are set for strings only. */
    public record Member(JsonToken token, String text, int start, int end) {
    }

    private final Map<String, Member> members;

    private JsonMembers(Map<String, Member> members) {
        this.members = members;
    }

    /** @throws IOException when the bytes are not exactly one JSON object */
    public static JsonMembers scan(byte[] json) throws IOException {
        Map<String, Member> members = new HashMap<>();
        try (JsonParser p = Json.MAPPER.getFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new NotAnObject();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_STRING) {
                    int start = (int) p.currentTokenLocation().getByteOffset();
                    String text = p.getText();
                    members.put(name, new Member(value, text, start, (int) p.currentLocation().getByteOffset()));
                } else {
                    members.put(name, new Member(value, null, -1, -1));
                    if (value.isStructStart()) {
                        p.skipChildren();
                    }
                }
            }
            if (p.nextToken() != null) {
                throw new NotAnObject();
            }
        }
        return new JsonMembers(members);
    }

    public Member get(String name) {
        return members.get(name);
    }

    public boolean isEmpty() {
        return members.isEmpty();
    }

    public boolean has(String name) {
        return members.containsKey(name);
    }

    public String string(String name) {
        Member m = members.get(name);
        return m == null ? null : m.text();
    }

    /** The bytes with one top-level string member's value replaced. */
    public static byte[] replaceString(byte[] json, Member member, String newValue) {
        byte[] quoted;
        try {
            quoted = Json.MAPPER.writeValueAsBytes(newValue);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        byte[] out = new byte[json.length - (member.end() - member.start()) + quoted.length];
        System.arraycopy(json, 0, out, 0, member.start());
        System.arraycopy(quoted, 0, out, member.start(), quoted.length);
        System.arraycopy(json, member.end(), out, member.start() + quoted.length, json.length - member.end());
        return out;
    }

    /** Thrown when the document is valid JSON but not a single object. */
    public static final class NotAnObject extends IOException {
        NotAnObject() {
            super("the body must be a single JSON object", null);
        }
    }
}
