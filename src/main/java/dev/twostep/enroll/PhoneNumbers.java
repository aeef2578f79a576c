package dev.twostep.enroll;

import java.util.EnumSet;
import java.util.Set;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/**
 * Turns a phone number typed the way people write it ("(415) 555-2671", "020 7946 0958",
 * "+44 20 7946 0958") into E.164, with Google's libphonenumber and a default region for numbers typed
 * without a country code.
 */
public final class PhoneNumbers {
    /** Longer input is refused before parsing. */
    static final int MAX_INPUT = 40;

    /**
     * Kinds of number codes may go to. Premium-rate, shared-cost, toll-free, pager, personal (UK 070, a
     * known premium-rate fraud route), UAN, voicemail and unknown numbers are refused: sending to them
     * costs money or feeds SMS-pumping fraud.
     */
    static final Set<PhoneNumberType> ALLOWED_TYPES = EnumSet.of(PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE,
            PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.VOIP);

    private final PhoneNumberUtil util = PhoneNumberUtil.getInstance();
    private final String defaultRegion;
    private final Set<String> allowedRegions;

    /** Numbers of the default region only. */
    public PhoneNumbers(String defaultRegion) {
        this(defaultRegion, Set.of(defaultRegion));
    }

    /** @param allowedRegions the countries (ISO 3166 codes) whose numbers may get codes */
    public PhoneNumbers(String defaultRegion, Set<String> allowedRegions) {
        this.defaultRegion = defaultRegion;
        this.allowedRegions = Set.copyOf(allowedRegions);
    }

    /** Why a typed number was refused; each is one message key on the page. */
    public enum Problem { EMPTY, TOO_LONG, NOT_A_NUMBER, INVALID, REGION_NOT_ALLOWED, TYPE_NOT_ALLOWED }

    /** The outcome: an E.164 number, or a problem. */
    public record Parsed(String e164, Problem problem) {
        public Parsed {
            if (problem != null) {
                e164 = null;
            }
        }

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
        return new Parsed(util.format(number, PhoneNumberFormat.E164), allowed(number));
    }

    /** Checks a stored E.164 number again before a send: settings may have changed since it was saved. */
    public boolean allowed(String e164) {
        try {
            PhoneNumber number = util.parse(e164, defaultRegion);
            return util.isValidNumber(number) && allowed(number) == null;
        } catch (NumberParseException e) {
            return false;
        }
    }

    private Problem allowed(PhoneNumber number) {
        if (!allowedRegions.contains(util.getRegionCodeForNumber(number))) {
            return Problem.REGION_NOT_ALLOWED;
        }
        return ALLOWED_TYPES.contains(util.getNumberType(number)) ? null : Problem.TYPE_NOT_ALLOWED;
    }
}
