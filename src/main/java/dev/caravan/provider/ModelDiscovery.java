package dev.caravan.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.json.Json;
import dev.caravan.routing.ModelCatalog;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model discovery of one provider (its {@code discover} parameter): at start and every interval, off the request
 * path, reads the provider's {@code GET /models} with the gateway's key and tells the catalog what it lists, with
 * the shutdown dates (OpenAI's {@code shutdown_date}, OpenRouter's {@code expiration_date}) and prices (OpenRouter's
 * {@code pricing}, USD per token) it gives. A failed read changes nothing: the provider keeps its configured models
 * and those it listed last; one line is logged when reads start failing and one when they work again.
 */
final class ModelDiscovery {

    private static final Logger LOG = LoggerFactory.getLogger(ModelDiscovery.class);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private final String provider;
    private final Upstream upstream;
    private final ModelCatalog catalog;
    private final Clock clock;
    private ScheduledFuture<?> schedule;
    private volatile boolean failing;

    ModelDiscovery(String provider, Upstream upstream, ModelCatalog catalog, Clock clock) {
        this.provider = provider;
        this.upstream = upstream;
        this.catalog = catalog;
        this.clock = clock;
    }

    void start(ScheduledExecutorService timer, Duration interval) {
        schedule = timer.scheduleWithFixedDelay(this::refresh, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop() {
        if (schedule != null) {
            schedule.cancel(false);
        }
    }

    private void refresh() {
        upstream.listModels().whenComplete((answer, error) -> {
            try {
                if (error != null) {
                    failed(error.toString());
                } else if (!answer.ok()) {
                    failed("HTTP " + answer.status());
                } else {
                    catalog.discovered(provider, parse(Json.MAPPER.readTree(answer.body())));
                    if (failing) {
                        failing = false;
                        LOG.info("Model discovery of provider '{}' works again", provider);
                    }
                }
            } catch (IOException | RuntimeException e) {
                failed(e.toString());
            }
        });
    }

    private void failed(String reason) {
        if (!failing) {
            failing = true;
            LOG.warn("Model discovery of provider '{}' failed ({}): it keeps serving its configured models and those "
                    + "listed before", provider, reason.length() > 200 ? reason.substring(0, 200) + "..." : reason);
        }
    }

    /** OpenAI's list shape, {@code {"data":[{"id":...}, ...]}}, with OpenRouter's and OpenAI's extra fields. */
    List<ModelCatalog.DiscoveredModel> parse(JsonNode list) {
        JsonNode data = list.path("data");
        if (!data.isArray()) {
            throw new IllegalArgumentException("no data array in the model list");
        }
        LocalDate today = LocalDate.now(clock);
        List<ModelCatalog.DiscoveredModel> models = new ArrayList<>(data.size());
        for (JsonNode model : data) {
            String id = model.path("id").textValue();
            if (id == null || id.isBlank() || id.length() > 200) {
                continue;
            }
            LocalDate shutdown = date(model.has("shutdown_date") ? model.get("shutdown_date") : model.get("expiration_date"));
            models.add(new ModelCatalog.DiscoveredModel(provider, id, shutdown, price(model.path("pricing"), today)));
        }
        return models;
    }

    /** An ISO date or instant, or epoch seconds; {@code null} when absent or unreadable. */
    private static LocalDate date(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.canConvertToLong() && value.isNumber()) {
            return Instant.ofEpochSecond(value.asLong()).atOffset(ZoneOffset.UTC).toLocalDate();
        }
        String text = value.asText();
        try {
            return text.length() > 10 ? Instant.parse(text).atOffset(ZoneOffset.UTC).toLocalDate() : LocalDate.parse(text);
        } catch (DateTimeParseException unreadable) {
            return null;
        }
    }

    /** OpenRouter's per-token USD strings, per million tokens. */
    private static ModelCatalog.DiscoveredPrice price(JsonNode pricing, LocalDate today) {
        BigDecimal input = perMillion(pricing.path("prompt"));
        BigDecimal output = perMillion(pricing.path("completion"));
        if (input == null || output == null) {
            return null;
        }
        return new ModelCatalog.DiscoveredPrice(input, perMillion(pricing.path("input_cache_read")), output, today);
    }

    private static BigDecimal perMillion(JsonNode perToken) {
        try {
            BigDecimal value = new BigDecimal(perToken.asText());
            return value.signum() < 0 ? null : value.multiply(MILLION).stripTrailingZeros();
        } catch (NumberFormatException notANumber) {
            return null;
        }
    }
}
