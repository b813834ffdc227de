package dev.caravan.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.openai.OpenAiRequest;
import dev.caravan.request.ClientRequest;
import dev.caravan.request.GatewayKey;
import dev.caravan.request.GatewayRequest;
import dev.caravan.request.Reservation;
import dev.caravan.testing.GatewayTest;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A minute's rate counter gives back on settling exactly what the request took on reserving, whichever of
 * {@code rpm} and {@code tpm} the key has: a key with {@code rpm} alone once drifted to -1,999,999,998 tokens
 * (its huge reservations were given back without ever being taken).
 */
class RateCounterTest extends GatewayTest {

    @Autowired
    private SpendLimits limits;
    @Autowired
    private CamelContext camel;
    @Autowired
    private JdbcTemplate db;

    @ParameterizedTest(name = "rpm {0}, tpm {1}")
    @CsvSource(nullValues = "-", value = {"1000, -", "-, 10000000000", "1000, 10000000000"})
    void settlingLeavesTheRealUsage(Integer rpm, Long tpm) throws Exception {
        String name = "counted-" + RUN + "-" + rpm + "-" + tpm;
        GatewayKey key = new GatewayKey(name, List.of(), new GatewayKey.Limits(null, null, rpm, tpm));

        for (int i = 0; i < 2; i++) {
            // the largest estimate a request can make: 1e9 completion tokens
            Reservation reservation = reserve(key, 1_000_000_000);
            assertThat(reservation.tokens()).isGreaterThan(1_000_000_000L);
            assertThat(tokens(name)).as("held while in flight").isEqualTo(i * 18L + reservation.tokens());

            limits.settle(List.of(row(name, reservation, 11, 7)));

            assertThat(tokens(name)).as("what the requests used, prompt and completion").isEqualTo((i + 1) * 18L);
        }
        assertThat(db.queryForObject("select sum(requests) from key_rate where key_name = ?", Long.class, name))
                .as("requests are counted for rpm").isEqualTo(rpm == null ? 0 : 2);
    }

    private Reservation reserve(GatewayKey key, long maxTokens) throws Exception {
        Exchange exchange = new DefaultExchange(camel);
        GatewayRequest request = ClientRequest.identify(exchange, ClientRequest.newId());
        request.key(key);
        request.routeTo(exchange, "deepseek", "deepseek-flash");
        exchange.getMessage().setBody(OpenAiRequest.parse(OpenAiRequest.Operation.CHAT_COMPLETIONS, ("{\"model\":"
                + "\"deepseek-flash\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"hello\"}]}").getBytes(StandardCharsets.UTF_8)));
        limits.reserve(exchange);
        return request.reservation();
    }

    private static LedgerRow row(String keyName, Reservation reservation, long prompt, long completion) {
        return new LedgerRow("row-" + System.nanoTime(), "request", System.currentTimeMillis(), keyName, "POST",
                "/v1/chat/completions", "deepseek-flash", "deepseek", "deepseek-flash", 200, null, prompt, completion,
                0L, 0L, false, BigDecimal.ZERO, "USD", 10, null, List.of(), 0, true, false, reservation);
    }

    /** The key name's tokens over every minute: a test straddling two minutes counts the same. */
    private long tokens(String keyName) {
        return db.queryForObject("select coalesce(sum(tokens), 0) from key_rate where key_name = ?", Long.class,
                keyName);
    }
}
