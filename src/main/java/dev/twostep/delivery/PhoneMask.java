package dev.twostep.delivery;

/** Masks phone numbers for pages and logs: only the last two digits show. */
public final class PhoneMask {
    private PhoneMask() {
    }

    /** "+14155552671" becomes "••••••••71". */
    public static String mask(String e164) {
        if (e164 == null || e164.length() < 3) {
            return "••";
        }
        return "•".repeat(Math.min(8, e164.length() - 2)) + lastDigits(e164);
    }

    /** The last two digits, as in "ending in 71". */
    public static String lastDigits(String e164) {
        return e164 == null || e164.length() < 2 ? "" : e164.substring(e164.length() - 2);
    }
}
