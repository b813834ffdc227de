package dev.caravan.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.caravan.json.Json;
import dev.caravan.openai.OpenAiRequest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A provider's departures from the OpenAI protocol that data can say, as the provider block sets them: request
 * fields dropped, kept, set or renamed, and what its error codes, statuses and messages mean.
 *
 * @param keepFields        empty: every field is sent
 * @param keepMessageFields empty: every field of a message is sent
 * @param setFields         values replacing those the client sent
 * @param errorCodes        by case-insensitive pattern of the provider's code
 * @param errorMessages     by lower-case text the error's message, code or type contains
 */
record Quirks(Set<String> dropFields, Set<String> keepFields, Set<String> keepMessageFields,
              Map<String, JsonNode> setFields, Map<String, String> renameFields, Map<Pattern, ErrorClass> errorCodes,
              Map<Integer, ErrorClass> errorStatuses, Map<String, ErrorClass> errorMessages, boolean streamUsage) {

    void patch(OpenAiRequest.Draft request) {
        for (String field : dropFields) {
            if (request.has(field)) {
                request.edit().remove(field);
            }
        }
        for (Map.Entry<String, JsonNode> set : setFields.entrySet()) {
            if (request.has(set.getKey()) && !set.getValue().equals(request.edit().get(set.getKey()))) {
                // a copy: the request's tree may be edited further (stream_options), this value is every request's
                request.edit().set(set.getKey(), set.getValue().deepCopy());
            }
        }
        for (Map.Entry<String, String> rename : renameFields.entrySet()) {
            if (request.has(rename.getKey())) {
                request.edit().set(rename.getValue(), request.edit().remove(rename.getKey()));
            }
        }
        if (request.operation() != OpenAiRequest.Operation.CHAT_COMPLETIONS) {
            return;
        }
        if (!keepFields.isEmpty()) {
            request.edit().retain(keepFields);
        }
        if (!keepMessageFields.isEmpty() && request.has("messages")) {
            for (JsonNode message : request.edit().path("messages")) {
                if (message instanceof ObjectNode m) {
                    m.retain(keepMessageFields);
                }
            }
        }
    }

    /** What the error means: by this provider's codes, messages and statuses, in that order; else by OpenAI's. */
    ErrorClass classify(ProviderError error) {
        if (error.code() != null) {
            for (Map.Entry<Pattern, ErrorClass> code : errorCodes.entrySet()) {
                if (code.getKey().matcher(error.code()).matches()) {
                    return code.getValue();
                }
            }
        }
        for (Map.Entry<String, ErrorClass> text : errorMessages.entrySet()) {
            if (error.mentions(text.getKey())) {
                return text.getValue();
            }
        }
        ErrorClass byStatus = errorStatuses.get(error.status());
        return byStatus != null ? byStatus : openAiClass(error);
    }

    /** OpenAI's codes, then the HTTP status. */
    private static ErrorClass openAiClass(ProviderError error) {
        if (error.mentions("context_length_exceeded") || error.mentions("maximum context length")) {
            return ErrorClass.CONTEXT_LENGTH_EXCEEDED;
        }
        if (error.mentions("insufficient_quota")) {
            return ErrorClass.INSUFFICIENT_QUOTA;
        }
        if ("model_not_found".equals(error.code())) {
            return ErrorClass.MODEL_NOT_FOUND;
        }
        if ("invalid_api_key".equals(error.code())) {
            return ErrorClass.PROVIDER_AUTH;
        }
        if ("overloaded_error".equals(error.type())) { // Anthropic's, also inside a stream (status 200)
            return ErrorClass.UPSTREAM_UNAVAILABLE;
        }
        return ErrorClass.ofStatus(error.status());
    }

    // parsing the provider block's strings; a mistake names the parameter

    static Set<String> names(String list) {
        return Set.copyOf(items(list));
    }

    static Map<String, JsonNode> values(String parameter, String list) {
        return pairs(parameter, list, "field=value", Function.identity(), Quirks::jsonOrText);
    }

    static Map<String, String> renames(String parameter, String list) {
        return pairs(parameter, list, "field=name", Function.identity(), Function.identity());
    }

    static Map<Pattern, ErrorClass> codes(String parameter, String list) {
        return pairs(parameter, list, "code=class", Quirks::glob, value -> errorClass(parameter, value));
    }

    static Map<Integer, ErrorClass> statuses(String parameter, String list) {
        return pairs(parameter, list, "status=class", key -> status(parameter, key), value -> errorClass(parameter, value));
    }

    static Map<String, ErrorClass> messages(String parameter, String list) {
        return pairs(parameter, list, "text=class", key -> key.toLowerCase(Locale.ROOT),
                value -> errorClass(parameter, value));
    }

    private static List<String> items(String list) {
        return list == null || list.isBlank() ? List.of()
                : Arrays.stream(list.split(",")).map(String::strip).filter(item -> !item.isEmpty()).toList();
    }

    private static <K, V> Map<K, V> pairs(String parameter, String list, String form, Function<String, K> key,
                                          Function<String, V> value) {
        Map<K, V> pairs = new LinkedHashMap<>();
        for (String item : items(list)) {
            int eq = item.indexOf('=');
            if (eq <= 0 || eq == item.length() - 1) {
                throw new IllegalArgumentException(parameter + ": '" + item + "' is not " + form);
            }
            pairs.put(key.apply(item.substring(0, eq).strip()), value.apply(item.substring(eq + 1).strip()));
        }
        return pairs;
    }

    private static JsonNode jsonOrText(String value) {
        try {
            return Json.MAPPER.readTree(value);
        } catch (Exception notJson) {
            return TextNode.valueOf(value);
        }
    }

    private static Pattern glob(String code) {
        String regex = Arrays.stream(code.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*"));
        return Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
    }

    private static int status(String parameter, String status) {
        try {
            int value = Integer.parseInt(status);
            if (value >= 100 && value <= 599) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(parameter + ": '" + status + "' is not an HTTP status");
    }

    private static final Map<String, ErrorClass> CLASSES = Arrays.stream(ErrorClass.values())
            .collect(Collectors.toMap(c -> c.name().toLowerCase(Locale.ROOT), c -> c, (a, b) -> a, LinkedHashMap::new));

    private static ErrorClass errorClass(String parameter, String name) {
        ErrorClass errorClass = CLASSES.get(name.toLowerCase(Locale.ROOT));
        if (errorClass == null) {
            throw new IllegalArgumentException(parameter + ": '" + name + "' is not an error class; one of "
                    + String.join(", ", CLASSES.keySet()));
        }
        return errorClass;
    }
}
