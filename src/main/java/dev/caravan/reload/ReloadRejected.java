package dev.caravan.reload;

/** An edit that is not applied: the file, the line (0 when unknown) and why. Expected, so no stack trace. */
final class ReloadRejected extends Exception {

    private final String file;
    private final int line;

    ReloadRejected(String file, int line, String reason) {
        super(reason, null, false, false);
        this.file = file;
        this.line = line;
    }

    String where() {
        return line > 0 ? file + ":" + line : file;
    }
}
