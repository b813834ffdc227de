package dev.caravan.auth;

import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import dev.caravan.request.ClientRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Route step of {@code /admin/} and {@code /metrics}: only {@code CARAVAN_ADMIN_KEY} opens them, never a client
 * key; with no admin key set they are closed. The key is compared in constant time.
 */
@Component("authenticateAdmin")
class AuthenticateAdmin implements Processor {

    private final byte[] adminKey;

    AuthenticateAdmin(@Value("${caravan.admin-key:}") String adminKey) {
        this.adminKey = adminKey.isBlank() ? null : ("Bearer " + adminKey.strip()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void process(Exchange exchange) {
        String given = ClientRequest.header(exchange, "Authorization");
        if (adminKey == null || given == null
                || !MessageDigest.isEqual(adminKey, given.strip().getBytes(StandardCharsets.UTF_8))) {
            throw new GatewayException(new OpenAiError(401, adminKey == null
                    ? "The admin API is closed: set CARAVAN_ADMIN_KEY." : "Incorrect admin key.",
                    "invalid_request_error", null, "invalid_api_key"));
        }
    }
}
