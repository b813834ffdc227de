package dev.caravan.responses;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The input of a custom (free-form) tool call as it streams: the chat function's arguments are
 * {@code {"input":"…"}} in arbitrary pieces, and the string is decoded piece by piece, holding back only an
 * escape sequence (or surrogate pair) cut in two, so the client sees the input grow as the model writes it.
 * Arguments that do not begin that way are left to the end, where they are read whole.
 */
final class StreamedInput {

    private static final Pattern START = Pattern.compile("\\s*\\{\\s*\"input\"\\s*:\\s*\"");

    /** Raw characters not decoded yet. */
    private final StringBuilder pending = new StringBuilder();
    /** All the input decoded so far. */
    private final StringBuilder decoded = new StringBuilder();
    private boolean inString;
    private boolean done;

    /** Takes the next piece of the arguments; returns the input it completes (empty when none). */
    String feed(String piece) {
        if (done) {
            return "";
        }
        pending.append(piece);
        if (!inString) {
            Matcher start = START.matcher(pending);
            if (start.lookingAt()) {
                pending.delete(0, start.end());
                inString = true;
            } else {
                done = !start.hitEnd(); // another shape: read whole at the end
                return "";
            }
        }
        int before = decoded.length();
        int at = decode();
        pending.delete(0, at);
        return decoded.substring(before);
    }

    /** The input decoded so far. */
    String decoded() {
        return decoded.toString();
    }

    /** Decodes what it can of the pending characters; returns how many it used. */
    private int decode() {
        int i = 0;
        while (i < pending.length()) {
            char c = pending.charAt(i);
            if (c == '"') {
                done = true;
                return pending.length();
            }
            if (c != '\\') {
                decoded.append(c);
                i++;
                continue;
            }
            if (i + 1 >= pending.length()) {
                return i;
            }
            char escaped = pending.charAt(i + 1);
            if (escaped != 'u') {
                decoded.append(switch (escaped) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    default -> escaped; // \" \\ \/
                });
                i += 2;
                continue;
            }
            Character unit = unit(i);
            if (unit == null) {
                return i;
            }
            if (Character.isHighSurrogate(unit)) {
                Character low = unit(i + 6);
                if (low == null) {
                    return i; // the pair's second half has not come yet
                }
                decoded.append(unit).append(low);
                i += 12;
            } else {
                decoded.append(unit);
                i += 6;
            }
        }
        return i;
    }

    /** The {@code \\uXXXX} at {@code at}, or {@code null} when it has not all come (or is not one). */
    private Character unit(int at) {
        if (at + 6 > pending.length() || pending.charAt(at) != '\\' || pending.charAt(at + 1) != 'u') {
            return null;
        }
        try {
            return (char) Integer.parseInt(pending.substring(at + 2, at + 6), 16);
        } catch (NumberFormatException e) {
            done = true; // not JSON: the whole arguments are read at the end
            return null;
        }
    }
}
