package dev.caravan.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SseDecoderTest {

    private static final String STREAM = ": keep-alive\r\n\r\n"
            + "event: message_start\r\ndata: {\"a\":1}\r\n\r\n"
            + "data: {\"b\":\ndata:2}\n\n"
            + "id: 7\nretry: 10\ndata: [DONE]\n\n";

    /** Every split of the stream into pieces of one size gives the same events. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 1000})
    void decodesEventsFromPiecesOfAnySize(int size) {
        List<String> events = new ArrayList<>();
        SseDecoder decoder = new SseDecoder((name, data) -> events.add(name + "|" + text(data)));
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        for (int from = 0; from < bytes.length; from += size) {
            byte[] piece = new byte[Math.min(size, bytes.length - from)];
            System.arraycopy(bytes, from, piece, 0, piece.length);
            decoder.feed(piece);
        }
        assertThat(events).containsExactly("message_start|{\"a\":1}", "null|{\"b\":\n2}", "null|[DONE]");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void anEventCanStopTheRestOfWhatWasFed(boolean goOn) {
        List<String> events = new ArrayList<>();
        SseDecoder decoder = new SseDecoder((name, data) -> events.add(text(data)) && goOn);
        boolean result = decoder.feed("data: 1\n\ndata: 2\n\n".getBytes(StandardCharsets.UTF_8));
        assertThat(result).isEqualTo(goOn);
        assertThat(events).containsExactlyElementsOf(goOn ? List.of("1", "2") : List.of("1"));
    }

    private static String text(byte[] data) {
        return new String(data, StandardCharsets.UTF_8);
    }
}
