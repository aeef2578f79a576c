package dev.twostep.web;

/** One CSV cell (RFC 4180) that a spreadsheet opens as text, never as a formula. */
final class Csv {
    private Csv() {
    }

    /**
     * The value quoted, its quotes doubled; null is an empty cell. A value a spreadsheet would read as a
     * formula (starting with =, +, -, @, a tab or a carriage return: OWASP's CSV injection list) gets a leading
     * apostrophe, as user names, details and user agents come from outside.
     */
    static String cell(String value) {
        if (value == null) {
            return "";
        }
        String v = value;
        if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v;
        }
        return "\"" + v.replace("\"", "\"\"") + "\"";
    }
}
