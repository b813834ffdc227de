package dev.caravan.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;

/** Assertions on the error object every client must get. */
public final class OpenAiErrors {

    private OpenAiErrors() {
    }

    /** The response is an OpenAI error with this status and string code; returns the error object. */
    public static JsonNode assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode error = GatewayTest.json(response).path("error");
        assertThat(error.isObject()).as(response.body()).isTrue();
        assertThat(error.has("message") && error.has("type") && error.has("param") && error.has("code"))
                .as("all four fields in " + response.body()).isTrue();
        assertThat(error.path("code").isTextual()).as("string code in " + response.body()).isTrue();
        assertThat(error.path("code").asText()).isEqualTo(code);
        assertThat(error.path("message").asText()).isNotBlank();
        return error;
    }
}
