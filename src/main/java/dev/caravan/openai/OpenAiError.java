package dev.caravan.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.caravan.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The error object every client sees: {@code {"error":{"message","type","param","code"}}} with a string
 * {@code code} (OpenAI SDKs break on numeric codes) and the HTTP status it is sent with. Messages that quote
 * what a client sent quote a {@link ClientText#excerpt}; whatever a message holds, it is cut at
 * {@value #MAX_MESSAGE} characters, so no client input comes back whole.
 */
public record OpenAiError(int status, String message, String type, String param, String code) {

    /** Characters of a message, at most. */
    public static final int MAX_MESSAGE = 4000;

    public OpenAiError {
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException("an OpenAI error needs a string code");
        }
        message = ClientText.cut(message, MAX_MESSAGE);
        param = ClientText.cut(param, ClientText.ECHO_LENGTH);
    }

    public static OpenAiError invalidRequest(String code, String message, String param) {
        return new OpenAiError(400, message, "invalid_request_error", param, code);
    }

    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + (message == null ? 0 : message.length()));
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", message);
            g.writeStringField("type", type);
            g.writeStringField("param", param);
            g.writeStringField("code", code);
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
