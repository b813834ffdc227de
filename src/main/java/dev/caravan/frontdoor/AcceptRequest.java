package dev.caravan.frontdoor;

import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/** First step of every request: its id, the client's {@code x-request-id} when usable, else a new one. */
@Component("acceptRequest")
class AcceptRequest implements Processor {

    private static final Pattern USABLE_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

    @Override
    public void process(Exchange exchange) {
        String id = ClientRequest.header(exchange, ClientRequest.REQUEST_ID_HEADER);
        ClientRequest.identify(exchange, id != null && USABLE_ID.matcher(id).matches() ? id : ClientRequest.newId());
    }
}
