package dev.caravan.auth;

import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * The gateway keys, held only as SHA-256 digests. With none configured a key is generated and printed
 * once, so no default ever serves unauthenticated.
 */
@Component
public class ApiKeys {

    private static final String HASH_PREFIX = "sha256:";
    /** One digest per thread: looking one up per request costs more than hashing the key. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private final Map<String, GatewayKey> byDigest = new HashMap<>();

    ApiKeys(KeyProperties properties) {
        for (KeyProperties.Key key : properties.keys()) {
            if (key.name() == null || key.name().isBlank() || key.key() == null || key.key().isBlank()) {
                throw new IllegalArgumentException("every entry of caravan.keys needs a name and a key");
            }
            String digest = key.key().startsWith(HASH_PREFIX)
                    ? key.key().substring(HASH_PREFIX.length()).toLowerCase(Locale.ROOT) : sha256(key.key());
            byDigest.put(digest, new GatewayKey(key.name(), List.copyOf(key.models())));
        }
        if (notBlank(properties.apiKey())) {
            byDigest.put(sha256(properties.apiKey()), new GatewayKey("default", List.of("*")));
        }
        if (byDigest.isEmpty()) {
            String generated = generate();
            byDigest.put(sha256(generated), new GatewayKey("default", List.of("*")));
            // printed, not logged: it is a secret, and shown this once
            System.out.println("\nNo gateway key configured (CARAVAN_API_KEY or caravan.keys); generated one for "
                    + "this run:\n\n    " + generated + "\n");
        }
    }

    /** @throws GatewayException 401 {@code invalid_api_key} */
    public GatewayKey authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized("Missing API key: send 'Authorization: Bearer <key>'.");
        }
        GatewayKey key = byDigest.get(sha256(authorization.substring(7).strip()));
        if (key == null) {
            throw unauthorized("Incorrect API key provided.");
        }
        return key;
    }

    private static GatewayException unauthorized(String message) {
        return new GatewayException(new OpenAiError(401, message, "invalid_request_error", null, "invalid_api_key"));
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    private static String generate() {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        return "sk-caravan-" + HexFormat.of().formatHex(random);
    }

    static String sha256(String key) {
        return HexFormat.of().formatHex(SHA256.get().digest(key.getBytes(StandardCharsets.UTF_8)));
    }
}
