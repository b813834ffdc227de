package dev.caravan.openai;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientTextTest {

    @Test
    void cutsToTheLengthWithAMarkNeverHalfACharacter() {
        assertThat(ClientText.cut("short", 10)).isEqualTo("short");
        assertThat(ClientText.cut(null, 10)).isNull();
        assertThat(ClientText.cut("a".repeat(11), 10)).isEqualTo("a".repeat(9) + "…").hasSize(10);
        // an emoji is two chars: never cut between them
        String cut = ClientText.cut("a".repeat(8) + "😀" + "b", 10);
        assertThat(cut).isEqualTo("a".repeat(8) + "…");
        assertThat(ClientText.excerpt("m".repeat(10_000_000))).hasSize(ClientText.ECHO_LENGTH);
    }

    @Test
    void escapesEveryControlCharacterForALogLine() {
        assertThat(ClientText.escaped("a\rb\nc\td\0e\u001bf\u007fg\u0085h\u2028i\"j\\k", 100))
                .isEqualTo("a\\rb\\nc\\td\\0e\\u001bf\\u007fg\\u0085h\\u2028i\\\"j\\\\k");
        assertThat(ClientText.escaped("plain", 100)).isSameAs("plain");
        assertThat(ClientText.escaped("\n".repeat(1000), 300)).hasSize(299 * 2 + 1);
    }

    @Test
    void storableTextHasNoNulNorLoneSurrogate() {
        assertThat(ClientText.storable("/v1/\0x", 500)).isEqualTo("/v1/\uFFFDx");
        assertThat(ClientText.storable("a\uD83Db", 10)).isEqualTo("a\uFFFDb");
        assertThat(ClientText.storable("a\uDE00", 10)).isEqualTo("a\uFFFD");
        assertThat(ClientText.storable("😀 line\r\n", 10)).isEqualTo("😀 line\r\n");
        assertThat(ClientText.storable("x".repeat(400), 300)).isEqualTo("x".repeat(300));
        assertThat(ClientText.storable("x".repeat(299) + "😀", 300)).isEqualTo("x".repeat(299) + "\uFFFD");
    }
}
