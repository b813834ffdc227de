package dev.caravan.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravan.openai.GatewayException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class ApiKeysTest {

    @Test
    void withNoKeyConfiguredOneIsGeneratedAndPrintedOnce(CapturedOutput output) {
        ApiKeys keys = new ApiKeys(new KeyProperties(null, List.of()));

        Matcher printed = Pattern.compile("sk-caravan-[0-9a-f]{48}").matcher(output.getOut());
        assertThat(printed.find()).isTrue();
        String generated = printed.group();
        assertThat(printed.find()).as("printed once").isFalse();
        assertThat(keys.authenticate("Bearer " + generated).name()).isEqualTo("default");
        assertThatThrownBy(() -> keys.authenticate(null)).isInstanceOf(GatewayException.class);
        assertThatThrownBy(() -> keys.authenticate("Bearer sk-caravan-guess")).isInstanceOf(GatewayException.class);
    }

    @Test
    void environmentKeyAndHashedKeysAuthenticate(CapturedOutput output) {
        ApiKeys keys = new ApiKeys(new KeyProperties("sk-env", List.of(
                key("team-a", "sha256:" + ApiKeys.sha256("sk-team-a"), null, false),
                key("team-a", "sk-team-a-next", null, false))));

        assertThat(keys.authenticate("Bearer sk-env")).isEqualTo(GatewayKey.unlimited("default"));
        assertThat(keys.authenticate("bearer sk-team-a").name()).isEqualTo("team-a");
        assertThat(keys.authenticate("Bearer sk-team-a-next").allows("qwen-plus")).isTrue();
        assertThat(keys.authenticate("Bearer sk-team-a-next").allows("deepseek-chat")).isFalse();
        assertThatThrownBy(() -> keys.authenticate("Bearer sha256:" + ApiKeys.sha256("sk-team-a")))
                .as("the digest is not a key").isInstanceOf(GatewayException.class);
        assertThat(output.getOut()).doesNotContain("sk-caravan-");
    }

    @Test
    void expiredAndRevokedKeysAreRefusedSayingWhy() {
        Instant now = Instant.parse("2026-11-21T12:00:00Z");
        ApiKeys keys = new ApiKeys(new KeyProperties(null, List.of(
                key("ci", "sk-old", now.minusSeconds(1), false),
                key("ci", "sk-new", now.plusSeconds(3600), false),
                key("ci", "sk-leaked", null, true))), Clock.fixed(now, ZoneOffset.UTC));

        assertThat(keys.authenticate("Bearer sk-new").name()).as("rotation: the new key of the name works")
                .isEqualTo("ci");
        assertThatThrownBy(() -> keys.authenticate("Bearer sk-old")).isInstanceOfSatisfying(GatewayException.class,
                e -> {
                    assertThat(e.error().status()).isEqualTo(401);
                    assertThat(e.error().code()).isEqualTo("invalid_api_key");
                    assertThat(e.error().message()).isEqualTo("This API key expired at 2026-11-21T11:59:59Z.");
                });
        assertThatThrownBy(() -> keys.authenticate("Bearer sk-leaked")).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.error().message()).isEqualTo("This API key has been revoked."));
    }

    @Test
    void keysSharingANameShareItsLimitsAndMustAgreeOnThem() {
        KeyProperties.Key capped = new KeyProperties.Key("team", "sk-1", List.of("*"), null, false,
                new BigDecimal("5"), null, 60, null);
        ApiKeys keys = new ApiKeys(new KeyProperties(null, List.of(capped,
                new KeyProperties.Key("team", "sk-2", List.of("*"), null, false, new BigDecimal("5"), null, 60, null))));
        assertThat(keys.authenticate("Bearer sk-2").limits()).isEqualTo(capped.limits());
        assertThat(capped.limits().any()).isTrue();

        assertThatThrownBy(() -> new ApiKeys(new KeyProperties(null, List.of(capped, key("team", "sk-3", null, false)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'team'");
    }

    private static KeyProperties.Key key(String name, String key, Instant expires, boolean revoked) {
        return new KeyProperties.Key(name, key, List.of("qwen-*"), expires, revoked, null, null, null, null);
    }
}
