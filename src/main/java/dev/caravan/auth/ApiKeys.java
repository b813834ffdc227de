package dev.caravan.auth;

import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import dev.caravan.reload.ReloadableSettings;
import dev.caravan.reload.SettingsProblem;
import dev.caravan.request.GatewayKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.camel.Endpoint;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.stereotype.Component;

/**
 * The gateway keys, held only as SHA-256 digests. With none configured a key is generated and printed
 * once, so no default ever serves unauthenticated.
 */
@Component
public class ApiKeys implements ReloadableSettings {

    private static final String HASH_PREFIX = "sha256:";
    /** One digest per thread: looking one up per request costs more than hashing the key. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    /** The name of the gateway's own key, with which the smoke suite calls the routes. */
    public static final String SMOKE_KEY_NAME = "smoke";

    /** Made at start-up, held only here and never shown: the smoke suite's key for the gateway's own port. */
    private final String smokeKey = generate();
    /** The key generated when none is configured; kept across reloads that still configure none. */
    private String generatedDigest;
    private final Clock clock;
    private final List<Consumer<Map<String, GatewayKey.Limits>>> limitListeners = new CopyOnWriteArrayList<>();
    private volatile Keys keys;

    /** A configured key: who it is, and whether it still works. */
    private record Entry(GatewayKey key, Instant expires, boolean revoked) {
    }

    /** The keys by digest and the limits by name: replaced whole on reload. */
    private record Keys(Map<String, Entry> byDigest, Map<String, GatewayKey.Limits> limitsByName) {
    }

    @Autowired
    ApiKeys(KeyProperties properties) {
        this(properties, Clock.systemUTC());
    }

    ApiKeys(KeyProperties properties, Clock clock) {
        this.clock = clock;
        this.keys = build(properties);
    }

    @Override
    public Runnable prepare(Binder candidate, Collection<Endpoint> endpoints) {
        KeyProperties properties = candidate.bindOrCreate("caravan", KeyProperties.class);
        if (generatedDigest == null && properties.keys().isEmpty() && !notBlank(properties.apiKey())) {
            // at start-up a key would be generated and printed; while running, that would lock every client out
            throw new SettingsProblem("caravan.keys", "no gateway key left: set caravan.keys or CARAVAN_API_KEY");
        }
        Keys edited = build(properties);
        return () -> {
            keys = edited;
            limitListeners.forEach(listener -> listener.accept(limitsByName()));
        };
    }

    /** Calls the listener with the limits by name whenever a reload changes the keys. */
    public void onLimitsChanged(Consumer<Map<String, GatewayKey.Limits>> listener) {
        limitListeners.add(listener);
    }

    private Keys build(KeyProperties properties) {
        Map<String, Entry> byDigest = new HashMap<>();
        Map<String, GatewayKey.Limits> limitsByName = new HashMap<>();
        for (int i = 0; i < properties.keys().size(); i++) {
            KeyProperties.Key key = properties.keys().get(i);
            String property = "caravan.keys[" + i + "]";
            if (key.name() == null || key.name().isBlank() || key.key() == null || key.key().isBlank()) {
                throw new SettingsProblem(property, "every entry of caravan.keys needs a name and a key");
            }
            // the limits belong to the name: keys being rotated share one budget
            GatewayKey.Limits limits = limitsByName.merge(key.name(), key.limits(), (a, b) -> {
                if (!a.equals(b)) {
                    throw new SettingsProblem(property, "the keys named '" + key.name()
                            + "' in caravan.keys set different limits; keys sharing a name share its limits");
                }
                return a;
            });
            String digest = key.key().startsWith(HASH_PREFIX)
                    ? key.key().substring(HASH_PREFIX.length()).toLowerCase(Locale.ROOT) : sha256(key.key());
            byDigest.put(digest, new Entry(new GatewayKey(key.name(), List.copyOf(key.models()), limits),
                    key.expires(), key.revoked()));
        }
        if (notBlank(properties.apiKey())) {
            byDigest.put(sha256(properties.apiKey()), new Entry(GatewayKey.unlimited("default"), null, false));
        }
        if (byDigest.isEmpty()) {
            if (generatedDigest == null) {
                String generated = generate();
                generatedDigest = sha256(generated);
                // printed, not logged: it is a secret, and shown this once
                System.out.println("\nNo gateway key configured (CARAVAN_API_KEY or caravan.keys); generated one for "
                        + "this run:\n\n    " + generated + "\n");
            }
            byDigest.put(generatedDigest, new Entry(GatewayKey.unlimited("default"), null, false));
        }
        byDigest.put(sha256(smokeKey), new Entry(GatewayKey.unlimited(SMOKE_KEY_NAME), null, false));
        return new Keys(Map.copyOf(byDigest), Map.copyOf(limitsByName));
    }

    /** The gateway's own key, for the smoke suite. */
    public String smokeKey() {
        return smokeKey;
    }

    /** The key names that have limits, with them. */
    public Map<String, GatewayKey.Limits> limitsByName() {
        Map<String, GatewayKey.Limits> limited = new HashMap<>(keys.limitsByName());
        limited.values().removeIf(limits -> !limits.any());
        return limited;
    }

    /** @throws GatewayException 401 {@code invalid_api_key} */
    public GatewayKey authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized("Missing API key: send 'Authorization: Bearer <key>' or 'x-api-key: <key>'.");
        }
        Entry entry = keys.byDigest().get(sha256(authorization.substring(7).strip()));
        if (entry == null) {
            throw unauthorized("Incorrect API key provided.");
        }
        if (entry.revoked()) {
            throw unauthorized("This API key has been revoked.");
        }
        if (entry.expires() != null && !clock.instant().isBefore(entry.expires())) {
            throw unauthorized("This API key expired at " + entry.expires() + ".");
        }
        return entry.key();
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
