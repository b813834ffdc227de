package dev.caravan.edge;

import dev.caravan.json.JsonMembers;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import java.io.IOException;

/**
 * A translated request as the client sent it, for providers that serve the client's protocol themselves
 * (DeepSeek, GLM, Qwen and Kimi serve Anthropic's Messages API): such a provider gets these bytes with only
 * the model replaced, keeping what a translation loses (thinking signatures, {@code cache_control}), and its
 * answer goes back untranslated. A provider that does not serve the protocol gets the chat completion, so a
 * fallback chain may mix both.
 */
public final class NativeRequest {

    /** The protocols a provider may serve natively besides chat completions. */
    public enum Protocol {
        /** Anthropic Messages: {@code POST <base>/v1/messages}. */
        ANTHROPIC_MESSAGES("/v1/messages");

        private final String path;

        Protocol(String path) {
            this.path = path;
        }

        /** Path appended to the provider's base URL for the protocol. */
        public String path() {
            return path;
        }
    }

    private final Protocol protocol;
    private final byte[] body;
    /** The body's members, scanned when a provider first serves the protocol: most requests never need them. */
    private volatile JsonMembers members;
    private final boolean stream;
    private final String version;
    private final String beta;
    private volatile boolean answered;

    /**
     * @param version the client's {@code anthropic-version}, passed on; {@code null} for the default
     * @param beta    the client's {@code anthropic-beta} features, passed on; {@code null} for none
     */
    public NativeRequest(Protocol protocol, byte[] body, boolean stream, String version, String beta) {
        this.protocol = protocol;
        this.body = body;
        this.stream = stream;
        this.version = version;
        this.beta = beta;
    }

    public Protocol protocol() {
        return protocol;
    }

    public boolean stream() {
        return stream;
    }

    public String version() {
        return version;
    }

    public String beta() {
        return beta;
    }

    /**
     * The client's body with the provider's model in place of the client's.
     *
     * @throws GatewayException 400 when the body has a member twice (the translator read it as a tree, which
     *                          takes the last; a provider might read the first {@code model})
     */
    public byte[] body(String upstreamModel) {
        if (members == null) {
            try {
                members = JsonMembers.scan(body);
            } catch (IOException e) {
                throw new GatewayException(OpenAiError.invalidRequest("invalid_json",
                        "The request body is not valid: " + e.getMessage(), null));
            }
        }
        JsonMembers.Member model = members.get("model");
        return upstreamModel.equals(model.text()) ? body : JsonMembers.replaceString(body, model, upstreamModel);
    }

    /** Set by each attempt: whether the provider that answered served the protocol natively. */
    public void answered(boolean natively) {
        answered = natively;
    }

    /** Whether the answer is already in the client's protocol (no translation back). */
    public boolean answeredNatively() {
        return answered;
    }
}
