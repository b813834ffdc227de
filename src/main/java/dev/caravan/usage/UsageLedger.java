package dev.caravan.usage;

import dev.caravan.metrics.GatewayMetrics;
import dev.caravan.request.RequestRecord;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;

/**
 * The usage ledger: one row per request, written by one background thread in batches, never on the
 * response path. While the database is away, batches go to the {@link Spool} on disk and are written when
 * it is back; each row's own id keeps a batch written twice from counting twice.
 */
@Component("usageLedger")
public class UsageLedger {

    private static final Logger LOG = LoggerFactory.getLogger(UsageLedger.class);
    private static final long PRUNE_EVERY_NANOS = 600_000_000_000L;

    /**
     * Lock-free, and nobody waits on it: the writer sleeps a flush interval between batches, so a request
     * never wakes it (a blocking queue's consumer is woken per record and writes batches of one).
     */
    private final Queue<LedgerRow> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();

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

    /**
     * Route step of {@code request-done}: queues the record of an API request (one that reached a provider,
     * or was made to {@code /v1/}); admin calls are not usage.
     */
    public void append(Exchange exchange) throws Exception {
        RequestRecord record = exchange.getMessage().getMandatoryBody(RequestRecord.class);
        if (record.provider() != null || record.path() != null && record.path().startsWith("/v1/")) {
            queue.add(LedgerRow.of(record));
            queued.incrementAndGet();
        }
    }

    /** Records queued, spooled or held, not yet in the database. */
    long backlog() {
        return queued.get() + spool.records() + unsavedCount;
    }

    private void run() {
        boolean stopping;
        do {
            stopping = !running; // one more round after close(): what is queued by then is written or spooled
            writeSpool();
            List<LedgerRow> batch = new ArrayList<>(unsaved);
            unsaved.clear();
            drainInto(batch);
            while (!batch.isEmpty()) {
                write(batch);
                batch = new ArrayList<>();
                drainInto(batch);
            }
            unsavedCount = unsaved.size();
            pruneNowAndThen();
            if (!stopping) {
                LockSupport.parkNanos(this, properties.flushInterval().toNanos());
            }
        } while (!stopping);
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

    private void drainInto(List<LedgerRow> batch) {
        LedgerRow row;
        while (batch.size() < properties.batchSize() && (row = queue.poll()) != null) {
            batch.add(row);
            queued.decrementAndGet();
        }
    }

    private void write(List<LedgerRow> batch) {
        if (databaseUp) {
            try {
                storeEachIfRefused(batch);
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
                storeEachIfRefused(rows);
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

    /**
     * Writes the rows; when the database refuses the batch for a row's content (not for an outage), writes
     * them one by one and sets the refused ones aside, so one bad row cannot hold up the ledger.
     */
    private void storeEachIfRefused(List<LedgerRow> rows) {
        try {
            store.write(rows);
        } catch (DataIntegrityViolationException refused) {
            for (LedgerRow row : rows) {
                try {
                    store.write(List.of(row));
                } catch (DataIntegrityViolationException e) {
                    try {
                        spool.reject(row);
                    } catch (IOException io) {
                        throw new UncheckedIOException(io);
                    }
                    LOG.error("Usage record {} (request {}) refused by the database and set aside in {}: {}",
                            row.id(), row.requestId(), properties.spoolDir(),
                            NestedExceptionUtils.getMostSpecificCause(e).getMessage());
                }
            }
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
        LockSupport.unpark(writer);
        writer.join(properties.flushInterval().toMillis() + 30_000);
    }
}
