package dev.caravan.usage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.json.Json;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import dev.caravan.pricing.PriceBook;
import dev.caravan.request.ClientRequest;
import java.math.BigDecimal;
import java.math.MathContext;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.springframework.context.annotation.DependsOn;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * {@code GET /admin/usage?from=&to=&group_by=key|model|provider|day}: requests, tokens and cost from the
 * ledger, grouped, with the cost per accepted response and the failed provider calls by provider and
 * outcome. JSON, or CSV (the groups) for {@code Accept: text/csv}. {@code from} and {@code to} are dates
 * (UTC days, both included) or ISO-8601 instants ({@code to} excluded); by default the current UTC month.
 */
@Component("usageReport")
@DependsOn(UsageSchema.NAME)
public class UsageReport {

    /** The report's groupings and the column each groups by. */
    private static final Map<String, String> GROUPS = Map.of("key", "key_name", "model", "model",
            "provider", "provider", "day", "utc_day");
    private static final List<String> COLUMNS = List.of("group", "requests", "accepted", "errors", "prompt_tokens",
            "completion_tokens", "cached_tokens", "reasoning_tokens", "cost", "unpriced_requests",
            "cost_per_accepted_response");

    private final JdbcTemplate jdbc;
    private final PriceBook prices;
    private final Clock clock = Clock.systemUTC();

    UsageReport(JdbcTemplate jdbc, PriceBook prices) {
        this.jdbc = jdbc;
        this.prices = prices;
    }

    /**
     * One group of the report.
     *
     * @param cost             of the requests whose cost is known, all attempts included; {@code null} when
     *                         no request's cost is known
     * @param unpricedRequests requests with usage but no price: their cost is not in {@code cost}
     */
    record Group(String group, long requests, long accepted, long errors, long promptTokens, long completionTokens,
                 long cachedTokens, long reasoningTokens, BigDecimal cost, long unpricedRequests) {

        /** The cost of every attempt over the responses the clients could use; null with none, or no cost. */
        BigDecimal costPerAcceptedResponse() {
            return accepted == 0 || cost == null ? null
                    : cost.divide(BigDecimal.valueOf(accepted), MathContext.DECIMAL64);
        }

        List<Object> values() {
            return List.of(group == null ? "" : group, requests, accepted, errors, promptTokens, completionTokens,
                    cachedTokens, reasoningTokens, cost == null ? "" : cost, unpricedRequests,
                    costPerAcceptedResponse() == null ? "" : costPerAcceptedResponse());
        }
    }

    /** Route step for {@code GET /admin/usage}. */
    public void report(Exchange exchange) {
        Map<String, List<String>> query = ClientRequest.query(exchange);
        String groupBy = parameter(query, "group_by", "key");
        String column = GROUPS.get(groupBy);
        if (column == null) {
            throw invalid("group_by", "'group_by' must be one of key, model, provider, day.");
        }
        Instant now = clock.instant();
        Instant from = instant(query, "from", false,
                now.atOffset(ZoneOffset.UTC).toLocalDate().withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant());
        Instant to = instant(query, "to", true, now);
        List<Group> groups = jdbc.query("select " + column + ", count(*), "
                + "sum(case when accepted then 1 else 0 end), sum(case when status >= 400 then 1 else 0 end), "
                + "coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0), "
                + "coalesce(sum(cached_tokens), 0), coalesce(sum(reasoning_tokens), 0), sum(cost), "
                + "sum(case when cost is null and prompt_tokens is not null then 1 else 0 end) "
                + "from usage_record where at >= ? and at < ? group by " + column + " order by 1",
                UsageReport::group, utc(from), utc(to));
        String accept = ClientRequest.header(exchange, "Accept");
        if (accept != null && accept.contains("text/csv")) {
            exchange.getMessage().setBody(csv(groups));
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/csv; charset=utf-8");
            return;
        }
        ObjectNode report = Json.MAPPER.createObjectNode().put("object", "usage_report")
                .put("from", from.toString()).put("to", to.toString()).put("group_by", groupBy)
                .put("currency", prices.reportCurrency());
        ArrayNode data = report.putArray("data");
        for (Group g : groups) {
            ObjectNode row = data.addObject();
            List<Object> values = g.values();
            for (int i = 0; i < COLUMNS.size(); i++) {
                row.putPOJO(COLUMNS.get(i), values.get(i) instanceof String s && s.isEmpty() ? null : values.get(i));
            }
        }
        ObjectNode errors = report.putObject("errors_by_provider");
        jdbc.query("select f.provider, f.outcome, count(*) from failed_call f join usage_record r on r.id = f.record_id "
                + "where r.at >= ? and r.at < ? group by f.provider, f.outcome order by 1, 2",
                rs -> {
                    ObjectNode provider = errors.has(rs.getString(1)) ? (ObjectNode) errors.get(rs.getString(1))
                            : errors.putObject(rs.getString(1));
                    provider.put(rs.getString(2), rs.getLong(3));
                }, utc(from), utc(to));
        exchange.getMessage().setBody(report.toString());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
    }

    private static Group group(ResultSet rs, int row) throws SQLException {
        return new Group(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6),
                rs.getLong(7), rs.getLong(8), rs.getBigDecimal(9) == null ? null : rs.getBigDecimal(9).stripTrailingZeros(),
                rs.getLong(10));
    }

    private static String csv(List<Group> groups) {
        StringBuilder csv = new StringBuilder(String.join(",", COLUMNS)).append("\r\n");
        for (Group g : groups) {
            List<Object> values = g.values();
            for (int i = 0; i < values.size(); i++) {
                Object v = values.get(i);
                String text = v instanceof BigDecimal d ? d.toPlainString() : v.toString();
                csv.append(i == 0 ? "" : ",").append(text.matches("[^\",\\r\\n]*") ? text
                        : '"' + text.replace("\"", "\"\"") + '"');
            }
            csv.append("\r\n");
        }
        return csv.toString();
    }

    private static String parameter(Map<String, List<String>> query, String name, String absent) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() || values.get(0).isBlank() ? absent : values.get(0).strip();
    }

    /** A date (the start of its UTC day, or of the next one for an inclusive end) or an ISO-8601 instant. */
    private static Instant instant(Map<String, List<String>> query, String name, boolean end, Instant absent) {
        String value = parameter(query, name, null);
        if (value == null) {
            return absent;
        }
        try {
            if (value.length() == 10) {
                LocalDate date = LocalDate.parse(value);
                return (end ? date.plusDays(1) : date).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw invalid(name, "'" + name + "' must be a date (2026-11-21) or an ISO-8601 instant "
                    + "(2026-11-21T08:00:00Z).");
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static GatewayException invalid(String param, String message) {
        return new GatewayException(new OpenAiError(400, message, "invalid_request_error", param, "invalid_value"));
    }
}
