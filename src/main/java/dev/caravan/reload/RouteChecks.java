package dev.caravan.reload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.reload.RouteSet.Kind;
import dev.caravan.reload.RouteSet.Unit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.Component;
import org.apache.camel.Endpoint;
import org.apache.camel.LineNumberAware;
import org.apache.camel.model.BeanDefinition;
import org.apache.camel.model.CatchDefinition;
import org.apache.camel.model.ChoiceDefinition;
import org.apache.camel.model.ExpressionNode;
import org.apache.camel.model.FilterDefinition;
import org.apache.camel.model.LoopDefinition;
import org.apache.camel.model.ProcessDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.TemplatedRouteDefinition;
import org.apache.camel.model.ThrowExceptionDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.model.ValidateDefinition;
import org.apache.camel.model.WhenDefinition;
import org.apache.camel.model.language.ExpressionDefinition;
import org.apache.camel.spi.PropertiesComponent;
import org.springframework.core.env.PropertyResolver;
import org.springframework.util.PropertyPlaceholderHelper;

/**
 * What Camel would only find when the routes start, found before anything is swapped: templates,
 * template parameters and route configurations that do not exist, placeholders that do not resolve,
 * components, endpoint options and beans that do not exist, direct: endpoints no route consumes,
 * exception classes that are not there, simple expressions that do not parse. Every endpoint is created
 * (not started) as the route would create it, so a provider's own checks run too (its adapter, breaker
 * settings and base URL).
 */
final class RouteChecks {

    private static final PropertyPlaceholderHelper STRICT = new PropertyPlaceholderHelper(
            PropertiesComponent.PREFIX_TOKEN, PropertiesComponent.SUFFIX_TOKEN, ":", null, false);
    private static final PropertyPlaceholderHelper LENIENT = new PropertyPlaceholderHelper(
            PropertiesComponent.PREFIX_TOKEN, PropertiesComponent.SUFFIX_TOKEN, ":", null, true);

    private final CamelContext camel;
    private final PropertyResolver properties;
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final Set<String> directConsumers = new HashSet<>();
    /** direct: endpoints sent to, each with the first step sending to it. */
    private final Map<String, Sender> directTargets = new HashMap<>();

    private record Sender(Unit unit, Object step) {
    }

    private RouteChecks(CamelContext camel, PropertyResolver properties) {
        this.camel = camel;
        this.properties = properties;
    }

    /**
     * @param managed the ids of the routes the files defined so far: a live route among them counts only if
     *                the files still define it
     * @return the endpoints of the routes, created and checked but not started
     */
    static List<Endpoint> check(RouteSet routes, CamelContext camel, PropertyResolver properties,
                                             Set<String> managed) throws ReloadRejected {
        RouteChecks checks = new RouteChecks(camel, properties);
        // routes from elsewhere (the class path, Java) stay as they are: what they consume still counts; before the
        // start, their definitions say it
        Map<String, String> consumed = new HashMap<>();
        if (camel.getStatus().isStarted()) {
            camel.getRoutes().forEach(route -> consumed.put(route.getRouteId(), route.getEndpoint().getEndpointUri()));
        } else {
            for (RouteDefinition route : ((ModelCamelContext) camel).getRouteDefinitions()) {
                Map<String, Object> parameters = route.getTemplateParameters() == null ? Map.of()
                        : route.getTemplateParameters();
                consumed.put(route.getRouteId(), LENIENT.replacePlaceholders(route.getInput().getEndpointUri(),
                        key -> parameters.containsKey(key) ? String.valueOf(parameters.get(key)) : properties.getProperty(key)));
            }
        }
        consumed.forEach((id, uri) -> {
            if (uri.startsWith("direct:") && !managed.contains(id) && routes.unit(Kind.ROUTE, id).isEmpty()
                    && routes.unit(Kind.TEMPLATED_ROUTE, id).isEmpty()) {
                checks.directConsumers.add(directKey(uri));
            }
        });
        for (Unit unit : routes.units(Kind.ROUTE)) {
            RouteDefinition route = (RouteDefinition) unit.definition();
            checks.route(routes, unit, route, text -> STRICT.replacePlaceholders(text, properties::getProperty));
        }
        for (Unit unit : routes.units(Kind.TEMPLATED_ROUTE)) {
            TemplatedRouteDefinition templated = (TemplatedRouteDefinition) unit.definition();
            Unit template = routes.unit(Kind.TEMPLATE, templated.getRouteTemplateRef()).orElseThrow(() ->
                    new ReloadRejected(unit.file().name(), unit.line(), "templatedRoute '" + unit.id()
                            + "' names route template '" + templated.getRouteTemplateRef() + "', which no route file has"));
            Map<String, String> parameters = TemplateParameters.of(unit, template,
                    text -> STRICT.replacePlaceholders(text, properties::getProperty));
            checks.route(routes, unit, ((RouteTemplateDefinition) template.definition()).getRoute(),
                    text -> STRICT.replacePlaceholders(text, key -> parameters.containsKey(key)
                            ? parameters.get(key) : properties.getProperty(key)));
        }
        for (Map.Entry<String, Sender> target : checks.directTargets.entrySet()) {
            if (!checks.directConsumers.contains(target.getKey())) {
                throw rejected(target.getValue().unit(), target.getValue().step(), "no route consumes '"
                        + target.getKey() + "' (from: " + target.getKey() + ")");
            }
        }
        return List.copyOf(checks.endpoints);
    }

    private void route(RouteSet routes, Unit unit, RouteDefinition route, Function<String, String> resolve)
            throws ReloadRejected {
        String configurations = route.getRouteConfigurationId();
        if (configurations != null) {
            for (String id : configurations.split(",")) {
                if (!id.contains("*") && routes.unit(Kind.CONFIGURATION, id.strip()).isEmpty()) {
                    throw rejected(unit, null, "route configuration '" + id.strip() + "' is in no route file");
                }
            }
        }
        String from = resolve(unit, route.getInput(), resolve, route.getInput().getEndpointUri());
        endpoint(unit, route.getInput(), from);
        if (from.startsWith("direct:")) {
            directConsumers.add(directKey(from));
        }
        for (ProcessorDefinition<?> step : ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(),
                ProcessorDefinition.class)) {
            step(unit, step, resolve);
        }
    }

    private void step(Unit unit, ProcessorDefinition<?> step, Function<String, String> resolve) throws ReloadRejected {
        if (step instanceof ToDefinition to) {
            String uri = resolve(unit, step, resolve, to.getEndpointUri());
            endpoint(unit, step, uri);
            if (uri.startsWith("direct:")) {
                directTargets.putIfAbsent(directKey(uri), new Sender(unit, step));
            }
        } else if (step instanceof ProcessDefinition process && process.getRef() != null) {
            bean(unit, step, resolve(unit, step, resolve, process.getRef()));
        } else if (step instanceof BeanDefinition bean && bean.getRef() != null) {
            Object found = bean(unit, step, resolve(unit, step, resolve, bean.getRef()));
            String method = bean.getMethod() == null ? null : bean.getMethod().replaceFirst("\\(.*", "").strip();
            if (method != null && Arrays.stream(found.getClass().getMethods()).noneMatch(m -> m.getName().equals(method))) {
                throw rejected(unit, step, "bean '" + bean.getRef() + "' has no method '" + method + "'");
            }
        } else if (step instanceof ThrowExceptionDefinition thrown && thrown.getExceptionType() != null) {
            exceptionClass(unit, step, thrown.getExceptionType());
        } else if (step instanceof CatchDefinition caught) {
            for (String type : caught.getExceptions()) {
                exceptionClass(unit, step, type);
            }
        }
        if (step instanceof ExpressionNode node && node.getExpression() != null) {
            expression(unit, step, node.getExpression(), resolve);
        }
        if (step instanceof ChoiceDefinition choice) {
            // Camel's helper walks the steps of each when, not the when itself
            for (WhenDefinition when : choice.getWhenClauses()) {
                expression(unit, when, when.getExpression(), resolve);
            }
        }
    }

    private void expression(Unit unit, Object step, ExpressionDefinition expression,
                            Function<String, String> resolve) throws ReloadRejected {
        if ("simple".equals(expression.getLanguage())) {
            String text = resolve(unit, step, resolve, expression.getExpression());
            try {
                // a condition parses as one; a value (setBody, setHeader, …) is text with ${…} in it
                if (step instanceof WhenDefinition || step instanceof FilterDefinition || step instanceof ValidateDefinition
                        || step instanceof LoopDefinition loop && Boolean.parseBoolean(loop.getDoWhile())) {
                    camel.resolveLanguage("simple").createPredicate(text);
                } else {
                    camel.resolveLanguage("simple").createExpression(text);
                }
            } catch (RuntimeException e) {
                throw rejected(unit, step, "simple expression '" + expression.getExpression() + "' does not parse: "
                        + RouteSet.firstLine(e).replace(text, expression.getExpression()));
            }
        }
    }

    private String resolve(Unit unit, Object step, Function<String, String> resolve, String text) throws ReloadRejected {
        try {
            return resolve.apply(text);
        } catch (IllegalArgumentException e) {
            throw rejected(unit, step, RouteSet.firstLine(e) + " in '" + text + "'");
        }
    }

    private void endpoint(Unit unit, Object step, String uri) throws ReloadRejected {
        int colon = uri.indexOf(':');
        if (colon <= 0) {
            throw rejected(unit, step, "'" + uri + "' is not an endpoint URI");
        }
        String scheme = uri.substring(0, colon);
        try {
            Component component = camel.getComponent(scheme, true, false);
            if (component == null) {
                throw rejected(unit, step, "no Camel component '" + scheme + "' (in '" + uri + "')");
            }
            Endpoint endpoint = component.createEndpoint(uri);
            endpoint.init();
            endpoints.add(endpoint);
        } catch (ReloadRejected e) {
            throw e;
        } catch (Exception e) {
            String reason = "endpoint '" + scheme + ":…': " + masked(RouteSet.firstLine(e), uri);
            throw unit.kind() == Kind.TEMPLATED_ROUTE ? TemplateParameters.rejected(unit, named(unit, reason), false,
                    reason) : rejected(unit, step, reason);
        }
    }

    /** Option names that hold secrets, misspelt ones too ("api_key", "apikey", "token"). */
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(key|secret|token|passw|auth|credential).*");
    /** Values that look like a key whatever the option's name: long, no spaces or commas, not a URL. */
    private static final Pattern KEY_LIKE = Pattern.compile("(?!https?:)[A-Za-z0-9_\\-.~+/=:]{20,}");

    /**
     * The message with secret-looking option values masked: Camel echoes them ("Unknown parameters=[{api_key=
     * sk-...}]"), and a misspelt key option would put a provider key in the log.
     */
    static String masked(String message, String uri) {
        int query = uri.indexOf('?');
        if (query < 0) {
            return message;
        }
        String masked = message;
        for (String parameter : uri.substring(query + 1).split("&")) {
            int eq = parameter.indexOf('=');
            String value = parameter.substring(eq + 1);
            if (value.startsWith("RAW(") && value.endsWith(")")) {
                value = value.substring(4, value.length() - 1);
            }
            if (value.length() >= 4 && (SECRET_NAME.matcher(parameter.substring(0, Math.max(eq, 0))).matches()
                    || KEY_LIKE.matcher(value).matches())) {
                masked = masked.replace(value, "xxxxxx");
            }
        }
        return masked;
    }

    /** The first parameter the templated route sets that the message names: the one to blame. */
    private static String named(Unit unit, String message) {
        String blamed = null;
        int first = Integer.MAX_VALUE;
        for (JsonNode parameter : unit.node().path("parameters")) {
            Matcher m = Pattern.compile("\\b" + Pattern.quote(parameter.path("name").asText()) + "\\b").matcher(message);
            if (m.find() && m.start() < first) {
                first = m.start();
                blamed = parameter.path("name").asText();
            }
        }
        return blamed;
    }

    private Object bean(Unit unit, Object step, String name) throws ReloadRejected {
        Object bean = camel.getRegistry().lookupByName(name);
        if (bean == null) {
            throw rejected(unit, step, "no bean named '" + name + "'");
        }
        return bean;
    }

    private void exceptionClass(Unit unit, Object step, String type) throws ReloadRejected {
        if (camel.getClassResolver().resolveClass(type) == null) {
            throw rejected(unit, step, "no class '" + type + "'");
        }
    }

    private static String directKey(String uri) {
        int query = uri.indexOf('?');
        return (query < 0 ? uri : uri.substring(0, query)).replace("direct://", "direct:");
    }

    private static int line(Unit unit, Object step) {
        if (!(step instanceof LineNumberAware aware) || aware.getLineNumber() <= 0 || unit.kind() != Kind.ROUTE) {
            return unit.line();
        }
        // Camel's YAML DSL numbers a when clause from the line before its "- "
        return aware.getLineNumber() + (step instanceof WhenDefinition ? 1 : 0);
    }

    private static ReloadRejected rejected(Unit unit, Object step, String reason) {
        String what = unit.kind() == Kind.TEMPLATED_ROUTE ? "templatedRoute '" + unit.id() + "': " : "";
        return new ReloadRejected(unit.file().name(), line(unit, step), what + reason);
    }
}
