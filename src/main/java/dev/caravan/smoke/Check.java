package dev.caravan.smoke;

import java.util.Locale;

/** The checks the smoke suite runs on every model route, in this order. */
enum Check {
    CHAT(false, "plain chat: an answer with content and usage"),
    STREAM(false, "streaming: several content chunks, usage, a clean end"),
    TOOLS(false, "tool call: arguments that parse and fit the tool's schema; the tool's result answered"),
    JSON(false, "JSON mode and json_schema: content that parses and fits the schema"),
    ERRORS(false, "error shape: a bad request gets the provider's OpenAI error"),
    LONG_CONTEXT(false, "long context: a prompt near caravan.smoke.long-context-tokens, all of it received"),
    REPO_READ(true, "repo read: facts from files in the prompt, checked by code"),
    EDIT(true, "one-file edit: a diff or search/replace that applies and fixes the file"),
    RESPONSES(false, "Codex CLI's requests: /v1/responses streamed with function tools, its events in order, a call "
            + "that fits the schema, usage; the call's output answered"),
    MESSAGES(false, "Claude Code's requests: /v1/messages streamed with tools and x-api-key, its events in order, "
            + "tool_use input that fits the schema, usage; the tool result answered");

    private final boolean needsLanguageModel;
    private final String description;

    Check(boolean needsLanguageModel, String description) {
        this.needsLanguageModel = needsLanguageModel;
        this.description = description;
    }

    /** Whether only a language model can pass it (not the built-in demo, which answers by construction). */
    boolean needsLanguageModel() {
        return needsLanguageModel;
    }

    String description() {
        return description;
    }

    /** The name reports and {@code caravan.smoke.required} use: {@code long_context}. */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Check of(String id) {
        return valueOf(id.strip().toUpperCase(Locale.ROOT));
    }
}
