package dev.caravan.frontdoor;

import dev.caravan.openai.EventStream;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** The head of a streamed response, carrying the stream that {@link SseWriter} writes after it. */
final class StreamingResponse extends DefaultHttpResponse {

    private final EventStream stream;

    StreamingResponse(EventStream stream) {
        super(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        this.stream = stream;
    }

    EventStream stream() {
        return stream;
    }
}
