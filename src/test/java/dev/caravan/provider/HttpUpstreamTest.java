package dev.caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpUpstreamTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "7.66s|7.66", "1m30s|90.0", "250ms|0.25", "2|2.0", "1h|3600.0", "6m0s|360.0", "soon|null", "''|null"})
    void readsRateLimitResetDurations(String header, Double seconds) {
        assertThat(HttpUpstream.durationSeconds(header)).isEqualTo(seconds);
    }
}
