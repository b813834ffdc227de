package dev.caravan.frontdoor;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
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
        if (id == null || !USABLE_ID.matcher(id).matches()) {
            // not UUID.randomUUID(): an id needs no secure random, and that one is shared by every thread
            ThreadLocalRandom random = ThreadLocalRandom.current();
            id = new UUID(random.nextLong() & ~0xF000L | 0x4000L,
                    random.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L).toString();
        }
        exchange.getMessage().setHeader(ClientRequest.REQUEST_ID_HEADER, id);
        exchange.setProperty(ClientRequest.REQUEST_ID, id);
    }
}
