package dev.caravan.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.json.Json;
import dev.caravan.json.JsonMembers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A client's request body as received. It is forwarded byte for byte except the {@code model} value,
 * which is spliced in place; a provider adapter that needs more edits the parsed tree of its {@link Draft}.
 */
public final class OpenAiRequest {

    /** The OpenAI operations the gateway forwards, with their path under a provider's base URL. */
    public enum Operation {
        CHAT_COMPLETIONS("/chat/completions", "chat.completion", Map.ofEntries(
                Map.entry("model", Kind.STRING), Map.entry("messages", Kind.ARRAY),
                Map.entry("stream", Kind.BOOLEAN), Map.entry("stream_options", Kind.OBJECT),
                Map.entry("n", Kind.INTEGER), Map.entry("max_tokens", Kind.INTEGER),
                Map.entry("max_completion_tokens", Kind.INTEGER), Map.entry("seed", Kind.INTEGER),
                Map.entry("temperature", Kind.NUMBER), Map.entry("top_p", Kind.NUMBER),
                Map.entry("presence_penalty", Kind.NUMBER), Map.entry("frequency_penalty", Kind.NUMBER),
                Map.entry("tools", Kind.ARRAY), Map.entry("tool_choice", Kind.STRING_OR_OBJECT),
                Map.entry("response_format", Kind.OBJECT), Map.entry("stop", Kind.STRING_OR_ARRAY),
                Map.entry("logprobs", Kind.BOOLEAN), Map.entry("top_logprobs", Kind.INTEGER),
                Map.entry("parallel_tool_calls", Kind.BOOLEAN), Map.entry("user", Kind.STRING)),
                Set.of("model", "messages"),
                // what a provider would refuse anyway, and what would skew the limits' estimate; the bounds of
                // max_completion_tokens, temperature, top_p and the like are each provider's to judge
                Map.of("max_tokens", 1L, "n", 1L)),
        EMBEDDINGS("/embeddings", "list", Map.of(
                "model", Kind.STRING, "input", Kind.STRING_OR_ARRAY, "dimensions", Kind.INTEGER,
                "encoding_format", Kind.STRING, "user", Kind.STRING),
                Set.of("model", "input"), Map.of());

        private final String path;
        private final String responseObject;
        private final Map<String, Kind> types;
        private final Set<String> required;
        private final Map<String, Long> minimums;

        Operation(String path, String responseObject, Map<String, Kind> types, Set<String> required,
                  Map<String, Long> minimums) {
            this.path = path;
            this.responseObject = responseObject;
            this.types = types;
            this.required = required;
            this.minimums = minimums;
        }

        /** The operation of a gateway API path ({@code /v1} and the operation's path), if it is one. */
        public static Optional<Operation> ofApiPath(String path) {
            for (Operation operation : values()) {
                if (path.equals("/v1" + operation.path)) {
                    return Optional.of(operation);
                }
            }
            return Optional.empty();
        }

        /** Path appended to a provider's base URL. */
        public String path() {
            return path;
        }

        /** The {@code object} value of a successful response, added when a provider leaves it out. */
        public String responseObject() {
            return responseObject;
        }
    }

    private enum Kind {
        STRING("a string"), ARRAY("an array"), OBJECT("an object"), BOOLEAN("a boolean"),
        INTEGER("an integer"), NUMBER("a number"), STRING_OR_OBJECT("a string or an object"),
        STRING_OR_ARRAY("a string or an array");

        private final String description;

        Kind(String description) {
            this.description = description;
        }

        boolean accepts(JsonToken t) {
            return switch (this) {
                case STRING -> t == JsonToken.VALUE_STRING;
                case ARRAY -> t == JsonToken.START_ARRAY;
                case OBJECT -> t == JsonToken.START_OBJECT;
                case BOOLEAN -> t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE;
                case INTEGER -> t == JsonToken.VALUE_NUMBER_INT;
                case NUMBER -> t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT;
                case STRING_OR_OBJECT -> t == JsonToken.VALUE_STRING || t == JsonToken.START_OBJECT;
                case STRING_OR_ARRAY -> t == JsonToken.VALUE_STRING || t == JsonToken.START_ARRAY;
            };
        }
    }

    private final Operation operation;
    private final byte[] raw;
    private final JsonMembers members;

    private OpenAiRequest(Operation operation, byte[] raw, JsonMembers members) {
        this.operation = operation;
        this.raw = raw;
        this.members = members;
    }

    /**
     * Validates a body: JSON syntax, required members, the types of the members the gateway knows, the
     * lower bounds of {@code max_tokens} and {@code n}, and the shape of {@code messages} (not empty, each an
     * object, each {@code content} a string, an array or null), checked in the same single pass over the bytes.
     * Unknown members are kept as they are; the body is never re-serialised.
     *
     * @throws GatewayException 400 with {@code invalid_json}, {@code missing_required_parameter},
     *                          {@code invalid_type}, {@code empty_array} or {@code integer_below_min_value}
     */
    public static OpenAiRequest parse(Operation operation, byte[] body) {
        JsonMembers members;
        MessagesCheck messages = operation == Operation.CHAT_COMPLETIONS ? new MessagesCheck() : null;
        try {
            members = JsonMembers.scan(body, "messages", messages);
        } catch (JsonMembers.NotAnObject e) {
            throw new GatewayException(OpenAiError.invalidRequest("invalid_json",
                    "The request body must be a JSON object.", null));
        } catch (JsonProcessingException e) {
            throw new GatewayException(OpenAiError.invalidRequest("invalid_json",
                    "The request body is not valid JSON: " + e.getOriginalMessage(), null));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a byte array does no I/O
        }
        for (String name : operation.required) {
            JsonMembers.Member m = members.get(name);
            if (m == null || m.token() == JsonToken.VALUE_NULL || "".equals(m.text())) {
                throw new GatewayException(OpenAiError.invalidRequest("missing_required_parameter",
                        "Missing required parameter: '" + name + "'.", name));
            }
        }
        operation.types.forEach((name, kind) -> {
            JsonMembers.Member m = members.get(name);
            if (m != null && m.token() != JsonToken.VALUE_NULL && !kind.accepts(m.token())) {
                throw new GatewayException(OpenAiError.invalidRequest("invalid_type",
                        "Invalid type for '" + name + "': expected " + kind.description + ".", name));
            }
        });
        if (messages != null && messages.problem != null) {
            throw new GatewayException(messages.problem);
        }
        operation.minimums.forEach((name, minimum) -> atLeast(members, body, name, minimum));
        return new OpenAiRequest(operation, body, members);
    }

    /** @throws GatewayException 400 {@code integer_below_min_value} when the integer member is below the minimum */
    private static void atLeast(JsonMembers members, byte[] body, String name, long minimum) {
        JsonMembers.Member m = members.get(name);
        if (m == null || m.token() != JsonToken.VALUE_NUMBER_INT) {
            return;
        }
        JsonNode value;
        try {
            value = members.tree(body, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // scanned whole above
        }
        if (value.bigIntegerValue().compareTo(BigInteger.valueOf(minimum)) < 0) {
            throw new GatewayException(OpenAiError.invalidRequest("integer_below_min_value", "Invalid '" + name
                    + "': integer below minimum value. Expected a value >= " + minimum + ", but got "
                    + ClientText.excerpt(value.asText()) + " instead.", name));
        }
    }

    /**
     * The checks of {@code messages} made during the scan: an array that is not empty, of objects, whose
     * {@code content} is a string, an array (of parts) or null. Keeps the first problem, answered once the
     * body's syntax, required members and types are known to be right. Leaves anything else (roles, parts)
     * to the provider.
     */
    private static final class MessagesCheck implements JsonMembers.Inspector {
        private OpenAiError problem;

        @Override
        public void inspect(JsonParser p) throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                p.skipChildren(); // the type check answers
                return;
            }
            int index = 0;
            for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken(), index++) {
                if (item != JsonToken.START_OBJECT) {
                    invalidType("messages[" + index + "]", "an object", item);
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    boolean content = p.currentName().equals("content");
                    JsonToken value = p.nextToken();
                    if (content && value != JsonToken.VALUE_STRING && value != JsonToken.START_ARRAY
                            && value != JsonToken.VALUE_NULL) {
                        invalidType("messages[" + index + "].content", "one of a string or array of objects", value);
                    }
                    p.skipChildren();
                }
            }
            if (index == 0 && problem == null) {
                problem = OpenAiError.invalidRequest("empty_array", "Invalid 'messages': empty array. Expected an "
                        + "array with minimum length 1, but got an empty array instead.", "messages");
            }
        }

        private void invalidType(String param, String expected, JsonToken got) {
            if (problem == null) {
                problem = OpenAiError.invalidRequest("invalid_type", "Invalid type for '" + param + "': expected "
                        + expected + ", but got " + describe(got) + " instead.", param);
            }
        }

        private static String describe(JsonToken token) {
            return switch (token) {
                case VALUE_NULL -> "null";
                case VALUE_STRING -> "a string";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
                case VALUE_TRUE, VALUE_FALSE -> "a boolean";
                case START_OBJECT -> "an object";
                case START_ARRAY -> "an array";
                default -> "a " + token.asString();
            };
        }
    }

    public Operation operation() {
        return operation;
    }

    /** The model name the client asked for. */
    public String model() {
        return members.string("model");
    }

    public boolean stream() {
        JsonMembers.Member m = members.get("stream");
        return m != null && m.token() == JsonToken.VALUE_TRUE;
    }

    /** Whether the client asked for the usage chunk of a stream ({@code stream_options.include_usage}). */
    public boolean wantsStreamUsage() {
        try {
            JsonNode options = members.tree(raw, "stream_options");
            return options != null && options.path("include_usage").asBoolean(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // validated by parse()
        }
    }

    /** The completion token cap the client set ({@code max_completion_tokens} or {@code max_tokens}), if any. */
    public OptionalLong maxTokens() {
        OptionalLong max = integer("max_completion_tokens");
        return max.isPresent() ? max : integer("max_tokens");
    }

    /** How many choices the client asked for ({@code n}). */
    public long choices() {
        return integer("n").orElse(1);
    }

    private OptionalLong integer(String name) {
        JsonMembers.Member m = members.get(name);
        if (m == null || m.token() != JsonToken.VALUE_NUMBER_INT) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(members.tree(raw, name).asLong());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // validated by parse()
        }
    }

    /** The body as received. */
    public byte[] raw() {
        return raw;
    }

    /** A fresh upstream body for one attempt at one provider; the request itself never changes. */
    public Draft draft() {
        return new Draft();
    }

    /**
     * The body one provider gets: the client's bytes with the model spliced in, unless an adapter took the
     * parsed tree with {@link #edit()} to patch a quirk; then it is serialised from that tree.
     */
    public final class Draft {
        private ObjectNode tree;
        private boolean addStreamUsage;

        private Draft() {
        }

        public Operation operation() {
            return operation;
        }

        public boolean stream() {
            return tree != null ? tree.path("stream").asBoolean(false) : OpenAiRequest.this.stream();
        }

        /** Whether the body has this top-level member (cheap until the tree is taken). */
        public boolean has(String name) {
            return tree != null ? tree.has(name) : members.has(name);
        }

        /** The parsed body, for an adapter to change. */
        public ObjectNode edit() {
            if (tree == null) {
                try {
                    tree = (ObjectNode) Json.MAPPER.readTree(raw);
                } catch (IOException e) {
                    throw new UncheckedIOException(e); // validated by parse()
                }
            }
            return tree;
        }

        /** Asks the provider for a stream's usage chunk ({@code stream_options.include_usage}). */
        public void requestStreamUsage() {
            if (tree == null && !members.has("stream_options")) {
                addStreamUsage = true; // spliced in; no tree needed
                return;
            }
            JsonNode options = edit().get("stream_options");
            (options instanceof ObjectNode o ? o : edit().putObject("stream_options")).put("include_usage", true);
        }

        public byte[] bytes(String upstreamModel) {
            if (tree != null) {
                tree.put("model", upstreamModel);
                try {
                    return Json.MAPPER.writeValueAsBytes(tree);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            JsonMembers.Member model = members.get("model");
            byte[] body = upstreamModel.equals(model.text()) ? raw
                    : JsonMembers.replaceString(raw, model, upstreamModel);
            return addStreamUsage ? JsonMembers.insertFirst(body, "stream_options", "{\"include_usage\":true}") : body;
        }
    }
}
