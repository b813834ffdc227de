package dev.caravan.request;

import java.math.BigDecimal;

/**
 * What a request with limits holds before its upstream call, released when its usage is settled: its
 * estimated cost against the spend of its day and month, its estimated tokens in its minute.
 *
 * @param keyName the key name whose counters hold it
 * @param minute  epoch minute of the rate counter; {@code null} when the key has no rate limit
 * @param day     spend period ({@code day:2026-11-21}); {@code null} without a daily budget
 * @param month   spend period ({@code month:2026-11}); {@code null} without a monthly budget
 * @param cost    estimated cost, in the report currency; zero for an unpriced model
 * @param tokens  estimated prompt and completion tokens
 */
public record Reservation(String keyName, Long minute, String day, String month, BigDecimal cost, long tokens) {
}
