package dev.caravan.edge;

import java.util.Set;

/**
 * The tools of a translated request that no chat provider can run (built-in and server tools), as the
 * request's log line names them. The types are the client's text, so the names are bounded: distinct, at most
 * {@value #MAX_TYPES}, each in plain characters ({@code [A-Za-z0-9_.-]}) and at most {@value #MAX_LENGTH} long.
 */
public final class DroppedTools {

    static final int MAX_TYPES = 10;
    static final int MAX_LENGTH = 64;

    private DroppedTools() {
    }

    /** Adds a left-out tool's type to the names, bounded. */
    public static void add(Set<String> dropped, String type) {
        String name = type.replaceAll("[^A-Za-z0-9_.-]", "_");
        if (name.isEmpty()) {
            name = "_";
        }
        if (name.length() > MAX_LENGTH) {
            name = name.substring(0, MAX_LENGTH);
        }
        if (dropped.size() < MAX_TYPES) {
            dropped.add(name);
        }
    }
}
