package dev.caravan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every route file validates against the Camel YAML DSL schema shipped inside camel-yaml-dsl. */
class RouteFilesTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static JsonSchema schema;

    @BeforeAll
    static void loadSchema() throws IOException {
        try (InputStream in = RouteFilesTest.class.getClassLoader().getResourceAsStream("schema/camelYamlDsl.json")) {
            assertThat(in).as("schema/camelYamlDsl.json on the classpath").isNotNull();
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(in);
        }
    }

    static Stream<Path> routeFiles() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Stream.concat(Files.list(Path.of("routes")),
                Files.list(Path.of("src/test/resources/test-routes")))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        return files.stream();
    }

    @ParameterizedTest
    @MethodSource("routeFiles")
    void validatesAgainstTheCamelYamlDslSchema(Path file) throws IOException {
        JsonNode routes = YAML.readTree(file.toFile());
        if (file.toString().endsWith(".kamelet.yaml")) {
            // a kamelet's template is a route template's route
            ObjectNode template = YAML.createObjectNode();
            template.putObject("routeTemplate").put("id", routes.path("metadata").path("name").asText())
                    .set("route", routes.path("spec").path("template").path("route"));
            routes = YAML.createArrayNode().add(template);
        }

        Set<ValidationMessage> errors = schema.validate(routes);

        assertThat(errors).as(file + " against camelYamlDsl.json").isEmpty();
    }

    static Stream<Path> kamelets() throws IOException {
        List<Path> kamelets = routeFiles().filter(file -> file.toString().endsWith(".kamelet.yaml")).toList();
        assertThat(kamelets).isNotEmpty();
        return kamelets.stream();
    }

    /** Each kamelet parameter is typed and described, and the template uses only parameters it defines. */
    @ParameterizedTest
    @MethodSource("kamelets")
    void kameletsDefineEveryParameterTheirTemplateUses(Path file) throws IOException {
        JsonNode kamelet = YAML.readTree(file.toFile());
        JsonNode properties = kamelet.path("spec").path("definition").path("properties");
        Set<String> defined = new TreeSet<>();
        properties.fieldNames().forEachRemaining(defined::add);
        for (String name : defined) {
            assertThat(properties.path(name).path("type").asText()).as(name).isIn("string", "integer", "boolean");
            assertThat(properties.path(name).path("description").asText()).as(name).isNotBlank();
        }
        for (JsonNode required : kamelet.path("spec").path("definition").path("required")) {
            assertThat(defined).contains(required.asText());
            assertThat(properties.path(required.asText()).has("default")).as(required.asText()).isFalse();
        }
        Set<String> used = new TreeSet<>();
        Matcher placeholder = Pattern.compile("\\{\\{([A-Za-z]+)}}").matcher(kamelet.path("spec").path("template").toString());
        while (placeholder.find()) {
            used.add(placeholder.group(1));
        }
        assertThat(used).as("parameters the template uses").isEqualTo(defined);
    }
}
