package dev.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravan.routing.ModelCatalog.Route;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelCatalogTest {

    private final ModelCatalog catalog = new ModelCatalog(new RoutingProperties(Map.of(
            "coder", "qwen/qwen3.8-max", "chat", "deepseek-flash", "gpt-4o", "b/gpt-4o-mini", "gone", "off/x"), Map.of(), Map.of()));

    ModelCatalogTest() {
        catalog.register("qwen", ModelCatalog.parseModels("qwen-plus, qwen3.8-max"), true);
        catalog.register("deepseek", ModelCatalog.parseModels("deepseek-flash"), true);
        catalog.register("b", ModelCatalog.parseModels("shared,gpt-4o=gpt-4o-2024"), true);
        catalog.register("a", ModelCatalog.parseModels("shared"), true);
        catalog.register("off", ModelCatalog.parseModels("off-model"), false);
    }

    @Test
    void aRetiredModelIsItselfUntilItsDateAndItsSuccessorFromThen() {
        catalog.retire("deepseek", ModelCatalog.parseRetirements("deepseek", "old-chat=deepseek-flash@2026-07-24"));
        catalog.clock(Clock.fixed(Instant.parse("2026-07-23T23:59:59Z"), ZoneOffset.UTC));
        assertThat(catalog.resolve("deepseek/old-chat")).contains(new Route("deepseek", "old-chat"));
        assertThat(catalog.resolve("old-chat")).contains(new Route("deepseek", "old-chat"));
        catalog.clock(Clock.fixed(Instant.parse("2026-07-24T00:00:00Z"), ZoneOffset.UTC));
        assertThat(catalog.resolve("deepseek/old-chat")).contains(new Route("deepseek", "deepseek-flash"));
        assertThat(catalog.resolve("old-chat")).contains(new Route("deepseek", "deepseek-flash"));
        assertThat(catalog.list()).extracting(ModelCatalog.Listed::id).doesNotContain("old-chat");

        assertThatThrownBy(() -> ModelCatalog.parseRetirements("p", "a=b")).hasMessageContaining("'a=b' of provider 'p'");
        assertThatThrownBy(() -> ModelCatalog.parseRetirements("p", "a=b@soon")).hasMessageContaining("old=successor@");
    }

    @Test
    void resolvesListedNamesAliasesAndPrefixes() {
        assertThat(catalog.resolve("qwen-plus")).contains(new Route("qwen", "qwen-plus"));
        assertThat(catalog.resolve("coder")).contains(new Route("qwen", "qwen3.8-max"));
        assertThat(catalog.resolve("chat")).contains(new Route("deepseek", "deepseek-flash"));
        assertThat(catalog.resolve("deepseek/anything-new")).contains(new Route("deepseek", "anything-new"));
        assertThat(catalog.resolve("qwen/")).isEmpty();
        assertThat(catalog.resolve("unknown")).isEmpty();
    }

    @Test
    void anAliasOverridesAListedName() {
        assertThat(catalog.resolve("gpt-4o")).contains(new Route("b", "gpt-4o-mini"));
        assertThat(catalog.list()).filteredOn(l -> l.id().equals("gpt-4o")).singleElement()
                .extracting(ModelCatalog.Listed::route).isEqualTo(new Route("b", "gpt-4o-mini"));
    }

    @Test
    void aModelTwoProvidersListGoesToTheFirstById() {
        assertThat(catalog.resolve("shared")).contains(new Route("a", "shared"));
        assertThat(catalog.resolve("b/shared")).contains(new Route("b", "shared"));
    }

    @Test
    void unroutableProvidersAndTheirAliasesAreInvisible() {
        assertThat(catalog.resolve("off-model")).isEmpty();
        assertThat(catalog.resolve("off/off-model")).isEmpty();
        assertThat(catalog.resolve("gone")).isEmpty();
        assertThat(catalog.list()).extracting(ModelCatalog.Listed::id).doesNotContain("off-model", "gone")
                .contains("qwen-plus", "coder", "chat", "shared").doesNotHaveDuplicates();
    }

    @Test
    void aliasPatternsCatchAgentModelNamesMostSpecificFirst() {
        ModelCatalog agents = new ModelCatalog(new RoutingProperties(Map.of(
                "claude-*", "qwen/qwen-plus", "claude-haiku-*", "deepseek-flash", "claude-*-4-5*", "b/gpt-4o-mini",
                "*", "a/shared", "gpt-5-codex", "qwen/qwen3.8-max"), Map.of(), Map.of()));
        agents.register("qwen", ModelCatalog.parseModels("qwen-plus"), true);
        agents.register("deepseek", ModelCatalog.parseModels("deepseek-flash"), true);
        agents.register("a", ModelCatalog.parseModels("shared"), true);
        agents.register("b", ModelCatalog.parseModels("x"), true);

        assertThat(agents.resolve("claude-sonnet-4-20250514")).contains(new Route("qwen", "qwen-plus"));
        assertThat(agents.resolve("claude-haiku-4-5-20251001")).contains(new Route("deepseek", "deepseek-flash"));
        assertThat(agents.resolve("claude-opus-4-5")).contains(new Route("b", "gpt-4o-mini"));
        // exact names, listed models and <provider>/ names go before any pattern
        assertThat(agents.resolve("gpt-5-codex")).contains(new Route("qwen", "qwen3.8-max"));
        assertThat(agents.resolve("qwen-plus")).contains(new Route("qwen", "qwen-plus"));
        assertThat(agents.resolve("deepseek/claude-x")).contains(new Route("deepseek", "claude-x"));
        assertThat(agents.resolve("anything")).contains(new Route("a", "shared"));
        assertThat(ModelCatalog.AliasPattern.of("a*b*a", null).matches("aba")).isTrue();
        assertThat(ModelCatalog.AliasPattern.of("a*b*a", null).matches("aa")).isFalse();
        assertThat(ModelCatalog.AliasPattern.of("x*x", null).matches("x")).isFalse();
        assertThat(ModelCatalog.AliasPattern.of("*-4-5*", null).matches("claude-opus-4-5")).isTrue();
        // a pattern is no model name: not listed
        assertThat(agents.list()).extracting(ModelCatalog.Listed::id).noneMatch(id -> id.contains("*"));
    }

    @Test
    void aPatternToAnUnroutableProviderMatchesNothing() {
        ModelCatalog agents = new ModelCatalog(new RoutingProperties(Map.of("claude-*", "off/x"), Map.of(), Map.of()));
        agents.register("off", ModelCatalog.parseModels("x"), false);

        assertThat(agents.resolve("claude-sonnet-4-5")).isEmpty();
    }

    @Test
    void stoppingAProviderRemovesItsModels() {
        catalog.unregister("qwen");

        assertThat(catalog.resolve("qwen-plus")).isEmpty();
        assertThat(catalog.resolve("coder")).isEmpty();
        assertThat(catalog.anyRoutable()).isTrue();
    }
}
