package dev.caravan.json;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * One streaming pass over a JSON object that validates all of it and keeps only its top-level members:
 * the kind of each value, and for strings the text and byte span. Enough to route, check types and
 * splice a value in place without building (and re-serialising) a tree of a 1 MiB prompt.
 */
public final class JsonMembers {

    /** A top-level member: its kind, its value's byte span, and for strings the text. */
    public record Member(JsonToken token, String text, int start, int end) {
    }

    private final Map<String, Member> members;

    private JsonMembers(Map<String, Member> members) {
        this.members = members;
    }

    /**
     * Looks inside one member's value during the scan, instead of skipping it: called with the parser on the
     * value's first token, it must leave the parser on the value's last token (as
     * {@link JsonParser#skipChildren()} does).
     */
    @FunctionalInterface
    public interface Inspector {
        void inspect(JsonParser parser) throws IOException;
    }

    /**
     * @throws IOException when the bytes are not exactly one JSON object, or it has a member twice (the
     *                     gateway would read one {@code model} and a provider the other)
     */
    public static JsonMembers scan(byte[] json) throws IOException {
        return scan(json, null, null);
    }

    /**
     * As {@link #scan(byte[])}, with the value of the top-level member {@code inspected} (an object or array)
     * walked by {@code inspector} in the same pass: still one pass over the bytes, and no tree.
     */
    public static JsonMembers scan(byte[] json, String inspected, Inspector inspector) throws IOException {
        Map<String, Member> members = new HashMap<>();
        try (JsonParser p = Json.MAPPER.getFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new NotAnObject();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                int start = (int) p.currentTokenLocation().getByteOffset();
                String text = null;
                if (value == JsonToken.VALUE_STRING) {
                    text = p.getText();
                } else if (value.isStructStart() && inspector != null && name.equals(inspected)) {
                    inspector.inspect(p);
                } else if (value.isStructStart()) {
                    p.skipChildren();
                }
                if (members.put(name, new Member(value, text, start, (int) p.currentLocation().getByteOffset())) != null) {
                    throw new JsonParseException(p, "Duplicate member '" + abbreviate(name) + "'");
                }
            }
            if (p.nextToken() != null) {
                throw new NotAnObject();
            }
        }
        return new JsonMembers(members);
    }

    private static String abbreviate(String name) {
        return name.length() > 64 ? name.substring(0, 64) + "…" : name;
    }

    public Member get(String name) {
        return members.get(name);
    }

    public boolean has(String name) {
        return members.containsKey(name);
    }

    /** A member's value parsed as a tree; {@code null} when absent. */
    public JsonNode tree(byte[] json, String name) throws IOException {
        Member m = members.get(name);
        return m == null ? null : Json.MAPPER.readTree(json, m.start(), m.end() - m.start());
    }

    /** The bytes with {@code "name":value,} added as the object's first member. */
    public static byte[] insertFirst(byte[] json, String name, String rawValue) {
        byte[] member = (Json.quote(name) + ":" + rawValue).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int open = 0;
        while (json[open] != '{') {
            open++;
        }
        boolean empty = true;
        for (int i = open + 1; i < json.length && empty; i++) {
            if (json[i] == '}') {
                break;
            }
            empty = json[i] <= ' ';
        }
        byte[] out = new byte[json.length + member.length + (empty ? 0 : 1)];
        System.arraycopy(json, 0, out, 0, open + 1);
        System.arraycopy(member, 0, out, open + 1, member.length);
        int rest = open + 1 + member.length;
        if (!empty) {
            out[rest++] = ',';
        }
        System.arraycopy(json, open + 1, out, rest, json.length - open - 1);
        return out;
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
