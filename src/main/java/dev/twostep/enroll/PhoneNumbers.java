package dev.twostep.enroll;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/**
 * Turns a phone number typed the way people write it ("(415) 555-2671", "020 7946 0958",
 * "+44 20 7946 0958") into E.164, with Google's libphonenumber and a default region for numbers typed
 * without a country code.
 */
public final class PhoneNumbers {
    /** Longer input is refused before parsing. */
    static final int MAX_INPUT = 40;

    private final PhoneNumberUtil util = PhoneNumberUtil.getInstance();
    private final String defaultRegion;

    public PhoneNumbers(String defaultRegion) {
        this.defaultRegion = defaultRegion;
    }

    /** Why a typed number was refused; each is one message key on the page. */
    public enum Problem { EMPTY, TOO_LONG, NOT_A_NUMBER, INVALID }

    /** The outcome: an E.164 number, or a problem. */
    public record Parsed(String e164, Problem problem) {
        public boolean ok() {
            return problem == null;
        }
    }

    public Parsed parse(String typed) {
        if (typed == null || typed.isBlank()) {
            return new Parsed(null, Problem.EMPTY);
        }
        if (typed.length() > MAX_INPUT) {
            return new Parsed(null, Problem.TOO_LONG);
        }
        PhoneNumber number;
        try {
            number = util.parse(typed.strip(), defaultRegion);
        } catch (NumberParseException e) {
            return new Parsed(null, Problem.NOT_A_NUMBER);
        }
        if (!util.isValidNumber(number)) {
            return new Parsed(null, Problem.INVALID);
        }
        return new Parsed(util.format(number, PhoneNumberFormat.E164), null);
    }
}
