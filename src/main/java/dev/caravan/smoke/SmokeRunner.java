package dev.caravan.smoke;

import dev.caravan.auth.ApiKeys;
import dev.caravan.pricing.PriceBook;
import dev.caravan.provider.LlmComponent;
import dev.caravan.routing.ModelCatalog;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.camel.ProducerTemplate;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Runs the smoke suite ({@link Check}, one {@link RouteCheck} class each) on model routes through the gateway's
 * own routes: HTTP calls to its own port with its own key, as a client makes them (the error check goes to the
 * routes directly, to see the provider's own error body). Each route is named {@code <provider>/<upstream model>},
 * so aliases and fallback chains cannot hide which provider answered.
 */
@Component("smokeRunner")
public class SmokeRunner {

    private final ModelCatalog catalog;
    private final LlmComponent llm;
    private final PriceBook prices;
    private final ProducerTemplate routes;
    private final SmokeProperties properties;
    private final String key;
    private final URI base;
    /** Made at the first run: a client starts a selector thread, which a gateway that never runs the suite spares. */
    private SmokeSession session;

    SmokeRunner(ModelCatalog catalog, LlmComponent llm, PriceBook prices, ProducerTemplate routes,
                SmokeProperties properties, ApiKeys keys, @Value("${caravan.host:0.0.0.0}") String host,
                @Value("${caravan.port:8080}") int port) {
        this.catalog = catalog;
        this.llm = llm;
        this.prices = prices;
        this.routes = routes;
        this.properties = properties;
        this.key = keys.smokeKey();
        boolean anyAddress = host.equals("0.0.0.0") || host.equals("::") || host.isBlank();
        this.base = URI.create("http://" + (anyAddress ? "127.0.0.1" : host) + ":" + port);
    }

    /** A model route under test. */
    record Target(String name, String provider, String upstreamModel, boolean languageModel) {
    }

    /**
     * The routes of these model names (aliases, listed names or {@code <provider>/<model>}), or of every
     * listed model when none is given, each once.
     */
    List<Target> targets(List<String> models) {
        Map<String, Target> targets = new LinkedHashMap<>();
        List<String> names = models.isEmpty() ? catalog.list().stream().map(ModelCatalog.Listed::id).toList() : models;
        for (String name : names) {
            ModelCatalog.Route route = catalog.resolve(name.strip()).orElseThrow(() -> new IllegalArgumentException(
                    "No routable model '" + name.strip() + "' (see GET /v1/models)"));
            targets.putIfAbsent(route.canonicalName(), new Target(route.canonicalName(), route.provider(),
                    route.upstreamModel(), llm.isLanguageModel(route.provider())));
        }
        return List.copyOf(targets.values());
    }

    /** Runs every check on every target, telling {@code progress} what runs now. */
    public SmokeReport run(List<String> models, Consumer<String> progress) {
        List<Target> targets = targets(models);
        SmokeSession session = session();
        Map<Check, RouteCheck> checks = checks(session);
        List<SmokeReport.RouteResult> results = new ArrayList<>();
        int done = 0;
        int total = targets.size() * Check.values().length;
        for (Target target : targets) {
            List<CheckResult> outcomes = new ArrayList<>();
            for (Check check : Check.values()) {
                progress.accept(String.format("[%d/%d] %s %s", ++done, total, target.name(), check.id()));
                outcomes.add(target.languageModel() || !check.needsLanguageModel()
                        ? run(checks.get(check), session.tally(check, target), target)
                        : CheckResult.notApplicable(check, "the demo provider is not a language model"));
            }
            results.add(new SmokeReport.RouteResult(target.name(), target.provider(), target.upstreamModel(),
                    outcomes));
        }
        return new SmokeReport(results, properties.required().stream().map(Check::of).toList(),
                prices.reportCurrency());
    }

    private synchronized SmokeSession session() {
        if (session == null) {
            session = new SmokeSession(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(), base, key,
                    properties.timeout(), prices);
        }
        return session;
    }

    private Map<Check, RouteCheck> checks(SmokeSession session) {
        Random random = new Random();
        AgentProtocolChecks agents = new AgentProtocolChecks(session);
        Map<Check, RouteCheck> checks = new EnumMap<>(Check.class);
        checks.put(Check.CHAT, new ChatCheck());
        checks.put(Check.STREAM, new StreamCheck(session));
        checks.put(Check.TOOLS, new ToolsCheck());
        checks.put(Check.JSON, new JsonModeCheck());
        checks.put(Check.ERRORS, new ErrorShapeCheck(routes));
        checks.put(Check.LONG_CONTEXT, new LongContextCheck(properties.longContextTokens()));
        checks.put(Check.REPO_READ, new CodingTaskCheck(CodingTasks.RepoRead::draw, random));
        checks.put(Check.EDIT, new CodingTaskCheck(CodingTasks.Edit::draw, random));
        checks.put(Check.RESPONSES, new AgentProtocolCheck(agents, true));
        checks.put(Check.MESSAGES, new AgentProtocolCheck(agents, false));
        return checks;
    }

    private static CheckResult run(RouteCheck check, Tally tally, Target target) {
        try {
            return check.run(target, tally);
        } catch (IOException | RuntimeException e) {
            return tally.fail("the check could not run: " + e, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return tally.fail("interrupted", null);
        }
    }
}
