package dev.caravan.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravan.openai.GatewayException;
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
                new KeyProperties.Key("team-a", "sha256:" + ApiKeys.sha256("sk-team-a"), List.of("qwen-*")),
                new KeyProperties.Key("team-a", "sk-team-a-next", List.of("qwen-*")))));

        assertThat(keys.authenticate("Bearer sk-env")).isEqualTo(new GatewayKey("default", List.of("*")));
        assertThat(keys.authenticate("bearer sk-team-a").name()).isEqualTo("team-a");
        assertThat(keys.authenticate("Bearer sk-team-a-next").allows("qwen-plus")).isTrue();
        assertThat(keys.authenticate("Bearer sk-team-a-next").allows("deepseek-chat")).isFalse();
        assertThatThrownBy(() -> keys.authenticate("Bearer sha256:" + ApiKeys.sha256("sk-team-a")))
                .as("the digest is not a key").isInstanceOf(GatewayException.class);
        assertThat(output.getOut()).doesNotContain("sk-caravan-");
    }
}
