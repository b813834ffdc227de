package dev.caravan.reload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * A route file as JSON (what the YAML DSL schema checks and what tells one version of a route from the
 * next), with the line each value starts on, by JSON pointer.
 *
 * @param name    the file as logged, e.g. {@code routes/providers.camel.yaml}
 * @param content the text read
 * @param items   the file's top-level list; of a kamelet ({@code *.kamelet.yaml}), the kamelet
 */
record RouteFile(String name, String content, JsonNode items, Map<String, Integer> lines) {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    static RouteFile parse(String name, String content) throws ReloadRejected {
        Optional<Node> root;
        try {
            root = new Compose(LoadSettings.builder().setLabel(name).build()).composeString(content);
        } catch (MarkedYamlEngineException e) {
            throw new ReloadRejected(name, e.getProblemMark().map(mark -> mark.getLine() + 1).orElse(0),
                    "invalid YAML: " + e.getProblem());
        } catch (YamlEngineException e) {
            throw new ReloadRejected(name, 0, "invalid YAML: " + e.getMessage());
        }
        Map<String, Integer> lines = new HashMap<>();
        JsonNode items = root.isPresent() ? toJson(root.get(), "", lines) : JSON.arrayNode();
        if (kamelet(name) ? !"Kamelet".equals(items.path("kind").asText()) || !items.path("metadata").path("name")
                .isTextual() || !items.path("spec").path("template").isObject() : !items.isArray()) {
            throw new ReloadRejected(name, 1, kamelet(name)
                    ? "a .kamelet.yaml file is a Kamelet (kind: Kamelet, metadata.name, spec.template)"
                    : "a route file is a YAML list (of route, routeTemplate, templatedRoute, routeConfiguration)");
        }
        return new RouteFile(name, content, items, Map.copyOf(lines));
    }

    /** Whether the file is a kamelet: a route template with a typed definition of its parameters. */
    boolean kamelet() {
        return kamelet(name);
    }

    private static boolean kamelet(String name) {
        return name.endsWith(".kamelet.yaml");
    }

    /** The line the value at the JSON pointer starts on, or its nearest parent's. */
    int lineOf(String pointer) {
        String path = pointer;
        while (true) {
            Integer line = lines.get(path);
            if (line != null || path.isEmpty()) {
                return line == null ? 0 : line;
            }
            path = path.substring(0, path.lastIndexOf('/'));
        }
    }

    private static JsonNode toJson(Node node, String pointer, Map<String, Integer> lines) {
        node.getStartMark().map(Mark::getLine).ifPresent(line -> lines.put(pointer, line + 1));
        if (node instanceof MappingNode mapping) {
            ObjectNode object = JSON.objectNode();
            for (NodeTuple entry : mapping.getValue()) {
                String key = entry.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : "?";
                object.set(key, toJson(entry.getValueNode(),
                        pointer + "/" + key.replace("~", "~0").replace("/", "~1"), lines));
            }
            return object;
        }
        if (node instanceof SequenceNode sequence) {
            ArrayNode array = JSON.arrayNode();
            for (Node item : sequence.getValue()) {
                array.add(toJson(item, pointer + "/" + array.size(), lines));
            }
            return array;
        }
        ScalarNode scalar = (ScalarNode) node;
        String value = scalar.getValue();
        Tag tag = scalar.getTag();
        try {
            if (tag.equals(Tag.NULL)) {
                return JSON.nullNode();
            } else if (tag.equals(Tag.BOOL)) {
                return JSON.booleanNode(Boolean.parseBoolean(value.toLowerCase()));
            } else if (tag.equals(Tag.INT)) {
                return JSON.numberNode(Long.parseLong(value));
            } else if (tag.equals(Tag.FLOAT)) {
                return JSON.numberNode(Double.parseDouble(value));
            }
        } catch (NumberFormatException e) {
            // 0x1F, .inf and the like: kept as written
        }
        return JSON.textNode(value);
    }
}
