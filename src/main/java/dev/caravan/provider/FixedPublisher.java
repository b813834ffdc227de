package dev.caravan.provider;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes byte chunks already in memory, one per {@code request}, as the JDK client publishes a body:
 * the demo provider streams through exactly the path a real provider's stream takes.
 */
final class FixedPublisher implements Flow.Publisher<List<ByteBuffer>> {

    private final List<byte[]> chunks;

    FixedPublisher(List<byte[]> chunks) {
        this.chunks = List.copyOf(chunks);
    }

    @Override
    public void subscribe(Flow.Subscriber<? super List<ByteBuffer>> subscriber) {
        subscriber.onSubscribe(new Flow.Subscription() {
            private final AtomicLong demand = new AtomicLong();
            private final AtomicInteger work = new AtomicInteger();
            private int next;
            private volatile boolean cancelled;

            @Override
            public void request(long n) {
                demand.addAndGet(n);
                drain();
            }

            @Override
            public void cancel() {
                cancelled = true;
            }

            /** One thread delivers at a time and never under a lock, so a subscriber may request from onNext. */
            private void drain() {
                if (work.getAndIncrement() != 0) {
                    return;
                }
                int missed = 1;
                do {
                    while (!cancelled && demand.get() > 0 && next < chunks.size()) {
                        demand.decrementAndGet();
                        subscriber.onNext(List.of(ByteBuffer.wrap(chunks.get(next++))));
                    }
                    if (!cancelled && next == chunks.size()) {
                        next++;
                        subscriber.onComplete();
                    }
                    missed = work.addAndGet(-missed);
                } while (missed != 0);
            }
        });
    }
}
