package dev.caravan.responses;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StreamedInputTest {

    @Test
    void decodesTheInputPieceByPieceHoldingBackOnlyWhatIsCutInTwo() {
        StreamedInput input = new StreamedInput();

        assertThat(input.feed(" { \"inp")).isEmpty();
        assertThat(input.feed("ut\" : \"a\\")).isEqualTo("a");
        assertThat(input.feed("tb\\u00")).isEqualTo("\tb");
        assertThat(input.feed("e9 \\ud83d")).isEqualTo("é ");
        assertThat(input.feed("\\ude00\\\"q\\\\\"}")).isEqualTo("😀\"q\\");
        assertThat(input.feed("more")).isEmpty();
        assertThat(input.decoded()).isEqualTo("a\tbé 😀\"q\\");
    }

    @Test
    void argumentsOfAnotherShapeAreLeftToTheEnd() {
        StreamedInput input = new StreamedInput();

        assertThat(input.feed("{\"path\":\"x\",\"input\":\"y\"}")).isEmpty();
        assertThat(input.decoded()).isEmpty();
    }
}
