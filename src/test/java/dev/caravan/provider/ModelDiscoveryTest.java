package dev.caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.json.Json;
import dev.caravan.routing.ModelCatalog;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.GatewayInstance;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.Loopback;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Model discovery: the OpenRouter preset reads its {@code GET /models} (a fake on 127.0.0.1 here, every second)
 * and serves what it lists, priced from the list, with its expiration dates; a failing list changes nothing.
 */
@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
class ModelDiscoveryTest {

    private static final String LIST = """
            {"data":[{"id":"vendor/new-model","expiration_date":"2027-03-01",
              "pricing":{"prompt":"0.000002","completion":"0.000008","input_cache_read":"0.0000005","request":"0"}},
             {"id":"vendor/router","pricing":{"prompt":"-1","completion":"-1"}}]}""";

    @Test
    void listedModelsAreServedAndPricedAndAFailingListChangesNothing(CapturedOutput output) throws Exception {
        FakeProviders upstream = new FakeProviders();
        upstream.models("openrouter", 200, LIST);
        try (GatewayInstance gateway = GatewayInstance.startWithOwnLedger(upstream, "discovery", Map.of(
                "caravan.discovery-interval", 1000))) {
            Loopback loopback = new Loopback(gateway.port());
            await(() -> loopback.send(gateway.request("/v1/models", GatewayTest.CLIENT_KEY).GET().build()).body()
                    .contains("\"vendor/new-model\""));

            HttpResponse<String> served = loopback.send(gateway.post("/v1/chat/completions",
                    Loopback.chat("vendor/new-model"), GatewayTest.CLIENT_KEY));
            assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
            assertThat(upstream.last("openrouter").json().path("model").asText()).isEqualTo("vendor/new-model");
            // 11 prompt tokens at $2 and 7 completion tokens at $8 per million, from the list
            awaitLogged(output, "model=vendor/new-model provider=openrouter .*cost=0\\.000078 ");

            // a cost the provider reports in its usage wins
            upstream.enqueue("openrouter", Answer.json(200, "{\"id\":\"c\",\"object\":\"chat.completion\","
                    + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,"
                    + "\"cost\":0.00042}}"));
            loopback.send(gateway.post("/v1/chat/completions", Loopback.chat("vendor/new-model"),
                    GatewayTest.CLIENT_KEY));
            awaitLogged(output, "model=vendor/new-model provider=openrouter .*cost=0\\.00042 ");

            JsonNode admin = Json.MAPPER.readTree(loopback.send(gateway.request("/admin/models",
                    GatewayTest.ADMIN_KEY).GET().build()).body());
            assertThat(admin.path("discovered_shutdowns").toString())
                    .contains("\"model\":\"vendor/new-model\",\"provider\":\"openrouter\",\"date\":\"2027-03-01\"");
            assertThat(output.getOut()).contains("Model 'vendor/new-model' of provider 'openrouter' shuts down on "
                    + "2027-03-01 (its GET /models says so)");
            String prices = loopback.send(gateway.request("/admin/prices", GatewayTest.ADMIN_KEY).GET().build()).body();
            assertThat(prices).contains("\"model\":\"vendor/new-model\"").contains("openrouter GET /models");

            // the list fails: the provider keeps what it listed, and says so once
            upstream.models("openrouter", 500, "{\"error\":{\"message\":\"down\"}}");
            int reads = upstream.modelListReads("openrouter");
            await(() -> upstream.modelListReads("openrouter") >= reads + 2);
            assertThat(loopback.send(gateway.post("/v1/chat/completions", Loopback.chat("vendor/new-model"),
                    GatewayTest.CLIENT_KEY)).statusCode()).isEqualTo(200);
            assertThat(output.getOut().split("Model discovery of provider 'openrouter' failed", -1)).hasSize(2);
            // the configured preset models of other providers were never touched
            assertThat(loopback.send(gateway.post("/v1/chat/completions", Loopback.chat("deepseek-flash"),
                    GatewayTest.CLIENT_KEY)).statusCode()).isEqualTo(200);
        } finally {
            upstream.stop();
        }
    }

    @Test
    void openAisShutdownDatesAndOpenRoutersPricesAreRead() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-26T00:00:00Z"), ZoneOffset.UTC);
        ModelDiscovery discovery = new ModelDiscovery("openai", null, null, clock);
        List<ModelCatalog.DiscoveredModel> models = discovery.parse(Json.MAPPER.readTree("""
                {"object":"list","data":[{"id":"gpt-5","object":"model","shutdown_date":1796947200},
                 {"id":"gpt-6-luna","object":"model"},{"id":"gpt-4o","shutdown_date":"2027-01-14"}]}"""));
        assertThat(models).extracting(ModelCatalog.DiscoveredModel::id).containsExactly("gpt-5", "gpt-6-luna", "gpt-4o");
        assertThat(models.get(0).shutdownDate()).isEqualTo(LocalDate.of(2026, 12, 11));
        assertThat(models.get(1).shutdownDate()).isNull();
        assertThat(models.get(2).shutdownDate()).isEqualTo(LocalDate.of(2027, 1, 14));

        ModelCatalog.DiscoveredPrice price = new ModelDiscovery("openrouter", null, null, clock)
                .parse(Json.MAPPER.readTree(LIST)).get(0).price();
        assertThat(price.input()).isEqualByComparingTo("2");
        assertThat(price.cachedInput()).isEqualByComparingTo("0.5");
        assertThat(price.output()).isEqualByComparingTo("8");
        assertThat(price.readOn()).isEqualTo(LocalDate.of(2026, 11, 26));
        assertThat(new ModelDiscovery("openrouter", null, null, clock).parse(Json.MAPPER.readTree(LIST)).get(1)
                .price()).as("a variable price is no price").isNull();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("in time").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static void awaitLogged(CapturedOutput output, String regex) throws InterruptedException {
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(regex);
        await(() -> pattern.matcher(output.getOut()).find());
    }
}
