package dev.caravan.frontdoor;

import dev.caravan.openai.EventStream;
import org.apache.camel.Exchange;

/**
 * Where a stream that failed after it started is kept: the client got its answer (status 200, then an error
 * event), so no error handler saw the failure; the dead-letter store keeps it like any failed request.
 */
public interface StreamFailures {

    void failed(Exchange exchange, EventStream.Failure failure, String errorCode);
}
