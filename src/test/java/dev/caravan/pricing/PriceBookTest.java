package dev.caravan.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.caravan.openai.Usage;
import dev.caravan.routing.ModelCatalog;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

/**
 * The shipped price book ({@code classpath:caravan/prices.yaml}): it prices every model the presets list, and its
 * time-of-day and prompt-length prices apply at fixed instants and token counts.
 */
class PriceBookTest {

    private static final Usage MILLION_IN_MILLION_OUT = new Usage(1_000_000, 1_000_000, 0, 0, false);

    @Test
    void everyModelAPresetListsHasAPrice() throws IOException {
        Prices book = book(Map.of());
        List<String> unpriced = new ArrayList<>();
        presetModels().forEach((provider, models) -> models.values().forEach(upstream -> {
            if (book.price(provider, upstream).isEmpty()) {
                unpriced.add(provider + "/" + upstream);
            }
        }));
        assertThat(unpriced).as("preset models without a price in caravan/prices.yaml").isEmpty();
        assertThat(presetModels()).containsKeys("openai", "deepseek", "qwen", "glm", "siliconflow", "groq", "moonshot");
    }

    @Test
    void deepSeekBillsPeakOnBeijingWorkdayHoursAndOffPeakOtherwise() throws IOException {
        Prices book = book(Map.of("caravan.peak-hours.deepseek.extra-holidays[0]", "2027-01-01"));
        // Wednesday 2026-11-25 10:00 in Beijing (02:00 UTC): peak, $0.30 in + $1.20 out
        assertThat(cost(book, "2026-11-25T02:00:00Z")).isEqualByComparingTo("1.50");
        // the same day 12:30 in Beijing, between the two periods: off-peak
        assertThat(cost(book, "2026-11-25T04:30:00Z")).isEqualByComparingTo("0.75");
        // 17:59 peak, 18:00 not
        assertThat(cost(book, "2026-11-25T09:59:00Z")).isEqualByComparingTo("1.50");
        assertThat(cost(book, "2026-11-25T10:00:00Z")).isEqualByComparingTo("0.75");
        // Saturday 2026-11-28 10:00 in Beijing
        assertThat(cost(book, "2026-11-28T02:00:00Z")).isEqualByComparingTo("0.75");
        // National Day, Thursday 2026-10-01 10:00 in Beijing: a holiday of the book
        assertThat(cost(book, "2026-10-01T02:00:00Z")).isEqualByComparingTo("0.75");
        // Friday 2027-01-01 10:00 in Beijing: a holiday the operator added
        assertThat(cost(book, "2027-01-01T02:00:00Z")).isEqualByComparingTo("0.75");
        assertThat(cost(book(Map.of()), "2027-01-01T02:00:00Z")).as("without it").isEqualByComparingTo("1.50");
    }

    @Test
    void qwenPlusIsPricedByPromptLengthTier() throws IOException {
        Prices book = book(Map.of("caravan.report-currency", "CNY"));
        Instant at = Instant.parse("2026-11-25T02:00:00Z");
        // 131,072 prompt tokens is the first tier: 0.8 in, 2 out per million (CNY)
        assertThat(book.cost("qwen", "qwen-plus", new Usage(131_072, 1_000_000, 0, 0, false), at).orElseThrow())
                .isEqualByComparingTo(new BigDecimal("0.104857600").add(new BigDecimal("2")));
        // one more, the second: 2.4 in, 20 out
        assertThat(book.cost("qwen", "qwen-plus", new Usage(131_073, 1_000_000, 0, 0, false), at).orElseThrow())
                .isEqualByComparingTo(new BigDecimal("0.3145752").add(new BigDecimal("20")));
        // past 256K, the third: 4.8 in, 48 out
        assertThat(book.cost("qwen", "qwen-plus", new Usage(300_000, 0, 0, 0, false), at).orElseThrow())
                .isEqualByComparingTo("1.44");
    }

    @Test
    void applicationYamlOverridesAFieldAndKeepsTheRest() throws IOException {
        Prices book = book(Map.of("caravan.prices.moonshot.kimi-k3.output", "20"));
        Prices.Price kimi = book.price("moonshot", "kimi-k3").orElseThrow();
        assertThat(kimi.output()).isEqualByComparingTo("20");
        assertThat(kimi.input()).isEqualByComparingTo("3.00");
        assertThat(kimi.source()).isEqualTo("https://platform.kimi.ai/docs/pricing");
    }

    @Test
    void anUnpricedModelHasNoCostUnlessTheOperatorPricesEveryUnpricedModel() throws IOException {
        Instant at = Instant.parse("2026-11-25T02:00:00Z");
        assertThat(book(Map.of()).cost("glm", "glm-9", MILLION_IN_MILLION_OUT, at)).isEmpty();
        Prices charged = book(Map.of("caravan.unpriced-price.input", "5", "caravan.unpriced-price.output", "15"));
        assertThat(charged.cost("glm", "glm-9", MILLION_IN_MILLION_OUT, at).orElseThrow()).isEqualByComparingTo("20");
    }

    @Test
    void aPriceThatCannotApplyIsRefusedNamingIt() {
        assertThatThrownBy(() -> book(Map.of("caravan.prices.glm.[glm-5.3].peak.hours", "nowhere",
                "caravan.prices.glm.[glm-5.3].peak.input", "1", "caravan.prices.glm.[glm-5.3].peak.output", "1")))
                .isInstanceOf(BindException.class).rootCause()
                .hasMessageContaining("caravan.prices.glm.[glm-5.3].peak.hours").hasMessageContaining("nowhere");
    }

    private static BigDecimal cost(Prices book, String instant) {
        return book.cost("deepseek", "deepseek-flash", MILLION_IN_MILLION_OUT, Instant.parse(instant)).orElseThrow();
    }

    /** The shipped book, with these settings over it as application.yaml would set them. */
    static Prices book(Map<String, Object> settings) throws IOException {
        MutablePropertySources sources = new MutablePropertySources();
        sources.addLast(new MapPropertySource("application.yaml", new HashMap<>(settings)));
        for (PropertySource<?> source : new YamlPropertySourceLoader().load("book",
                new ClassPathResource("caravan/prices.yaml"))) {
            sources.addLast(source);
        }
        return new Binder(ConfigurationPropertySources.from(sources)).bindOrCreate("caravan", Prices.class);
    }

    /** provider → public name → upstream model, from the presets in routes/providers.camel.yaml. */
    static Map<String, Map<String, String>> presetModels() throws IOException {
        JsonNode routes = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(
                Path.of("routes/providers.camel.yaml")));
        Map<String, Map<String, String>> presets = new HashMap<>();
        for (JsonNode entry : routes) {
            JsonNode templated = entry.path("templatedRoute");
            String id = null;
            String models = "";
            for (JsonNode parameter : templated.path("parameters")) {
                if (parameter.path("name").asText().equals("id")) {
                    id = parameter.path("value").asText();
                } else if (parameter.path("name").asText().equals("models")) {
                    models = parameter.path("value").asText();
                }
            }
            if (id != null && !id.equals("demo")) {
                presets.put(id, ModelCatalog.parseModels(models));
            }
        }
        return presets;
    }
}
