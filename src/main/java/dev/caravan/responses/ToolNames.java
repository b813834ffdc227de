package dev.caravan.responses;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The function names a provider sees for the tools of one request, and the way back to each tool as the
 * client declared it. Chat completions know no namespaces: a namespaced function ({@code multi_agent_v1}'s
 * {@code spawn_agent}) becomes one flat name ({@code multi_agent_v1__spawn_agent}); a call to it comes back
 * with its own name and its namespace, as Codex expects. A custom (free-form) tool is a chat function too; the
 * names remember which ones are, so that a call to one comes back as a {@code custom_tool_call}.
 */
final class ToolNames {

    /** Longest function name the providers accept (OpenAI's limit). */
    private static final int MAX_LENGTH = 64;

    /** A tool as the client declared it; {@code namespace} is {@code null} for a top-level function. */
    record Declared(String namespace, String name) {
    }

    private final Set<String> topLevel;
    private final Map<Declared, String> chatNames = new HashMap<>();
    private final Map<String, Declared> declared = new HashMap<>();
    private final Set<String> custom = new HashSet<>();

    /** @param topLevel the request's top-level function names, which keep their names */
    ToolNames(Set<String> topLevel) {
        this.topLevel = topLevel;
    }

    /** The chat function name of a tool, the same each time it is asked for. */
    String chatName(String namespace, String name) {
        Declared tool = new Declared(namespace, name);
        String known = chatNames.get(tool);
        if (known != null) {
            return known;
        }
        String chatName = namespace == null ? name : flatName(namespace, name);
        chatNames.put(tool, chatName);
        declared.put(chatName, tool);
        return chatName;
    }

    /** The chat function name of a custom (free-form) tool, which takes its input as one string. */
    String customChatName(String namespace, String name) {
        String chatName = chatName(namespace, name);
        custom.add(chatName);
        return chatName;
    }

    /** Whether a chat function name stands for a custom tool of the request. */
    boolean isCustom(String chatName) {
        return custom.contains(chatName);
    }

    /** The tool a chat function name stands for; a name the request never declared stands for itself. */
    Declared declared(String chatName) {
        return declared.getOrDefault(chatName, new Declared(null, chatName));
    }

    /** {@code namespace__name} in the characters chat allows, shortened and numbered until it is unique. */
    private String flatName(String namespace, String name) {
        String flat = (namespace + "__" + name).replaceAll("[^a-zA-Z0-9_-]", "_");
        if (flat.length() > MAX_LENGTH) {
            CRC32 crc = new CRC32();
            crc.update(flat.getBytes(StandardCharsets.UTF_8));
            flat = flat.substring(0, MAX_LENGTH - 9) + "_" + String.format("%08x", crc.getValue());
        }
        String unique = flat;
        for (int n = 2; topLevel.contains(unique) || declared.containsKey(unique); n++) {
            String suffix = "_" + n;
            unique = flat.substring(0, Math.min(flat.length(), MAX_LENGTH - suffix.length())) + suffix;
        }
        return unique;
    }
}
