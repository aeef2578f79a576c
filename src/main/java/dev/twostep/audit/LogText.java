package dev.twostep.audit;

/** Text from users (names, numbers as typed) made safe to put in a log line. */
public final class LogText {
    private LogText() {
    }

    /**
     * The value with control characters and line separators replaced by '?', so a user name cannot forge
     * log lines, and cut at 80 characters.
     */
    public static String safe(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        value.codePoints().limit(80).forEach(c -> {
            if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
                b.append('?');
            } else {
                b.appendCodePoint(c);
            }
        });
        return value.codePointCount(0, value.length()) > 80 ? b + "..." : b.toString();
    }
}
