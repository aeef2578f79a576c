package dev.twostep.web;

/** Makes typed values safe for a log line: no line breaks or other control characters, bounded length. */
public final class Logs {
    private Logs() {
    }

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
