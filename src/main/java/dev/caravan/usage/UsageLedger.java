package dev.caravan.usage;

import dev.caravan.metrics.GatewayMetrics;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.stereotype.Component;

/**
 * The usage ledger: one row per request, written by one background thread in batches, never on the
 * response path. While the database is away, batches go to the {@link Spool} on disk and are written when
 * it is back; the request id as key keeps a batch written twice from counting twice.
 */
@Component("usageLedger")
public class UsageLedger {

    private static final Logger LOG = LoggerFactory.getLogger(UsageLedger.class);

    private final BlockingQueue<LedgerRow> queue = new LinkedBlockingQueue<>();
    private static final long PRUNE_EVERY_NANOS = 600_000_000_000L;

    private final LedgerStore store;
    private final SpendLimits limits;
    private final LedgerProperties properties;
    private final Spool spool;
    private final Thread writer;
    private volatile boolean running = true;

    // writer thread only
    private final List<LedgerRow> unsaved = new ArrayList<>();
    private volatile int unsavedCount;
    private boolean databaseUp = true;
    private long nextTryNanos;
    private long nextPruneNanos = System.nanoTime();

    UsageLedger(LedgerStore store, SpendLimits limits, LedgerProperties properties, GatewayMetrics metrics) {
        this.store = store;
        this.limits = limits;
        this.properties = properties;
        this.spool = new Spool(Path.of(properties.spoolDir()));
        metrics.gauge("caravan.ledger.backlog", "Request records not yet in the usage database", this,
                UsageLedger::backlog);
        writer = new Thread(this::run, "caravan-ledger");
        writer.setDaemon(true);
        writer.start();
    }

    /** Route step of {@code request-done}: queues the request's record. */
    public void append(Exchange exchange) throws Exception {
        queue.add(LedgerRow.of(exchange.getMessage().getMandatoryBody(RequestRecord.class)));
    }

    /** Records queued, spooled or held, not yet in the database. */
    long backlog() {
        return queue.size() + spool.records() + unsavedCount;
    }

    private void run() {
        List<LedgerRow> batch = new ArrayList<>(properties.batchSize());
        while (running || !queue.isEmpty()) {
            try {
                LedgerRow first = queue.poll(properties.flushInterval().toMillis(), TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, properties.batchSize() - 1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            writeSpool();
            batch.addAll(unsaved);
            unsaved.clear();
            if (!batch.isEmpty()) {
                write(batch);
                batch = new ArrayList<>(properties.batchSize());
            }
            unsavedCount = unsaved.size();
            pruneNowAndThen();
        }
    }

    private void pruneNowAndThen() {
        if (databaseUp && System.nanoTime() - nextPruneNanos >= 0) {
            nextPruneNanos = System.nanoTime() + PRUNE_EVERY_NANOS;
            try {
                limits.pruneRateCounters();
            } catch (RuntimeException e) {
                databaseDown(e);
            }
        }
    }

    private void write(List<LedgerRow> batch) {
        if (databaseUp) {
            try {
                store.write(batch);
                return;
            } catch (RuntimeException e) {
                databaseDown(e);
            }
        }
        try {
            spool.add(batch);
        } catch (IOException e) { // kept in memory and tried again with the next batch
            LOG.error("Cannot spool {} usage records to {}: {}", batch.size(), properties.spoolDir(), e.toString());
            unsaved.addAll(batch);
        }
    }

    /** Writes what waits in the spool, when the database is up or due to be tried again. */
    private void writeSpool() {
        if (spool.records() == 0 || !databaseUp && System.nanoTime() - nextTryNanos < 0) {
            return;
        }
        long written = 0;
        try {
            for (Path file : spool.files()) {
                List<LedgerRow> rows = spool.read(file);
                store.write(rows);
                spool.written(file, rows.size());
                written += rows.size();
            }
        } catch (RuntimeException e) {
            databaseDown(e);
            return;
        } catch (IOException e) {
            LOG.error("Cannot read the usage spool {}: {}", properties.spoolDir(), e.toString());
            return;
        }
        if (!databaseUp) {
            databaseUp = true;
            LOG.info("Usage database is back: {} spooled records written", written);
        }
    }

    private void databaseDown(RuntimeException e) {
        if (databaseUp) { // once per outage, without a stack trace: an outage is expected
            LOG.warn("Usage database unavailable, spooling usage records to {} until it is back: {}",
                    properties.spoolDir(), NestedExceptionUtils.getMostSpecificCause(e).toString());
        }
        databaseUp = false;
        nextTryNanos = System.nanoTime() + properties.retryInterval().toNanos();
    }

    /** Writes, or spools, what is queued before the database goes away with the application. */
    @PreDestroy
    void close() throws InterruptedException {
        running = false;
        writer.join(properties.flushInterval().toMillis() + 30_000);
    }
}
