package dev.caravan.openai;

/**
 * Text a client chose (a model name, a path, a header), made safe to echo: cut to a bounded length, and for
 * log lines and database rows, with control characters escaped. A 10 MB model name is a few hundred
 * characters in an error body, a log line and the ledger; a CR, LF or NUL in it never reaches either raw.
 */
public final class ClientText {

    /** Characters of a client's value an error message echoes, at most. */
    public static final int ECHO_LENGTH = 200;

    /** Characters of a client's value a log line holds, at most. */
    public static final int LOG_LENGTH = 300;

    /** What marks a cut. */
    private static final String CUT = "…";

    private ClientText() {
    }

    /** The value as an error message echoes it: at most {@value #ECHO_LENGTH} characters, and a mark when cut. */
    public static String excerpt(String text) {
        return cut(text, ECHO_LENGTH);
    }

    /**
     * The first {@code length} characters of the text, never half a surrogate pair, with a mark when cut;
     * {@code null} stays {@code null}.
     */
    public static String cut(String text, int length) {
        if (text == null || text.length() <= length) {
            return text;
        }
        int end = Math.max(0, length - CUT.length());
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + CUT;
    }

    /**
     * The value as a log line holds it: at most {@code length} characters, with backslash, quote and every
     * control character escaped ({@code \n}, {@code \r}, {@code \t}, {@code \0}, else {@code \u001b}), and
     * the Unicode line and paragraph separators too, so one value can never start a new line or end the line
     * early.
     */
    public static String escaped(String text, int length) {
        String cut = cut(text, length);
        if (cut == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            String escape = switch (c) {
                case '\\' -> "\\\\";
                case '"' -> "\\\"";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                case '\0' -> "\\0";
                default -> isControl(c) ? String.format("\\u%04x", (int) c) : null;
            };
            if (escape != null && out == null) {
                out = new StringBuilder(cut.length() + 16).append(cut, 0, i);
            }
            if (out != null) {
                if (escape != null) {
                    out.append(escape);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? cut : out.toString();
    }

    /** Whether a character must not be written raw to a log line: C0, DEL, C1, line and paragraph separators. */
    public static boolean isControl(char c) {
        return c < 0x20 || c >= 0x7f && c <= 0x9f || c == '\u2028' || c == '\u2029';
    }

    /**
     * The value as a database text column takes it: its first {@code length} characters (no mark: the column
     * holds a prefix of what was sent), NUL (which PostgreSQL refuses in text) and lone surrogates (which it
     * cannot encode) replaced by U+FFFD. Other control characters are data, kept as sent.
     */
    public static String storable(String text, int length) {
        String cut = text == null || text.length() <= length ? text : text.substring(0, length);
        if (cut == null) {
            return null;
        }
        char[] chars = null;
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            boolean bad = c == '\0'
                    || Character.isHighSurrogate(c) && (i + 1 >= cut.length() || !Character.isLowSurrogate(cut.charAt(i + 1)))
                    || Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(cut.charAt(i - 1)));
            if (bad) {
                if (chars == null) {
                    chars = cut.toCharArray();
                }
                chars[i] = '\uFFFD';
            }
        }
        return chars == null ? cut : new String(chars);
    }
}
