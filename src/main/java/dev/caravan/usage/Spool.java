package dev.caravan.usage;

import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.caravan.json.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Ledger rows waiting on disk for the database: one file a batch, JSON lines, written to a temporary name,
 * forced to disk and then renamed, so a file that is there is whole. Files left by an earlier run are
 * written when the gateway starts. Used by the ledger's writer thread only.
 */
final class Spool {

    private static final String SUFFIX = ".jsonl";
    private static final ObjectWriter WRITER = Json.MAPPER.writerFor(LedgerRow.class);
    private static final ObjectReader READER = Json.MAPPER.readerFor(LedgerRow.class);

    private final Path dir;
    private long sequence;
    private volatile long records;

    Spool(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            long count = 0;
            for (Path file : files()) {
                count += read(file).size();
            }
            records = count;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the ledger spool directory " + dir.toAbsolutePath(), e);
        }
    }

    /** Rows waiting. */
    long records() {
        return records;
    }

    void add(List<LedgerRow> rows) throws IOException {
        String name = String.format("ledger-%013d-%06d", System.currentTimeMillis(), sequence++ % 1_000_000);
        Path temporary = dir.resolve(name + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            BufferedWriter out = new BufferedWriter(Channels.newWriter(channel, StandardCharsets.UTF_8));
            for (LedgerRow row : rows) {
                out.write(WRITER.writeValueAsString(row));
                out.write('\n');
            }
            out.flush();
            channel.force(true);
        }
        Files.move(temporary, dir.resolve(name + SUFFIX), StandardCopyOption.ATOMIC_MOVE);
        records += rows.size();
    }

    /** The files waiting, oldest first. */
    List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
        }
    }

    List<LedgerRow> read(Path file) throws IOException {
        List<LedgerRow> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                rows.add(READER.readValue(line));
            }
        }
        return rows;
    }

    /** Keeps a row the database refuses (not an outage: it would refuse it again) beside the spool. */
    void reject(LedgerRow row) throws IOException {
        Files.writeString(dir.resolve("rejected.log"), WRITER.writeValueAsString(row) + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    void written(Path file, int rows) throws IOException {
        Files.delete(file);
        records -= rows;
    }
}
