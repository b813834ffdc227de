package dev.caravan.reload;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.Set;

/** Checks route files against the YAML DSL's own JSON schema ({@code schema/camelYamlDsl.json} of camel-yaml-dsl). */
final class SchemaCheck {

    private static final String SCHEMA = "/schema/camelYamlDsl.json";

    private final JsonSchema schema;

    SchemaCheck() {
        try (InputStream in = SchemaCheck.class.getResourceAsStream(SCHEMA)) {
            if (in == null) {
                throw new IllegalStateException(SCHEMA + " is not on the class path (camel-yaml-dsl)");
            }
            // the schema marks options "deprecated", a keyword draft 4 does not know
            JsonMetaSchema meta = JsonMetaSchema.builder(JsonMetaSchema.getV4())
                    .keyword(new NonValidationKeyword("deprecated")).build();
            schema = JsonSchemaFactory.builder(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4))
                    .metaSchema(meta).build()
                    // compiled as far as files need it: all of it up front holds about 250 MB
                    .getSchema(in, SchemaValidatorsConfig.builder().pathType(PathType.JSON_POINTER)
                            .preloadJsonSchema(false).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws ReloadRejected at the deepest violation: the one nearest to what was mistyped */
    void check(RouteFile file) throws ReloadRejected {
        Set<ValidationMessage> violations = schema.validate(file.items());
        if (violations.isEmpty()) {
            return;
        }
        ValidationMessage deepest = violations.stream()
                .max(Comparator.comparingInt(v -> v.getInstanceLocation().getNameCount())).orElseThrow();
        String pointer = deepest.getInstanceLocation().toString();
        String message = deepest.getMessage();
        String reason = message.startsWith(pointer + ": ") ? message.substring(pointer.length() + 2) : message;
        throw new ReloadRejected(file.name(), file.lineOf(pointer), "not valid Camel YAML DSL at " + display(pointer)
                + ": " + reason);
    }

    /** {@code /0/route/from/steps/2} as {@code route.from.steps[2]}: the way the YAML reads. */
    private static String display(String pointer) {
        StringBuilder path = new StringBuilder();
        String[] parts = pointer.split("/");
        for (int i = 2; i < parts.length; i++) {
            String part = parts[i].replace("~1", "/").replace("~0", "~");
            if (part.chars().allMatch(Character::isDigit)) {
                path.append('[').append(part).append(']');
            } else {
                path.append(path.isEmpty() ? "" : ".").append(part);
            }
        }
        return path.isEmpty() ? "the top level" : path.toString();
    }
}
