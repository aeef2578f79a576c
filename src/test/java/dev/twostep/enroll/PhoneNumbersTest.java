package dev.twostep.enroll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;

class PhoneNumbersTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "US | (415) 555-2671   | +14155552671",
        "US | 415.555.2671     | +14155552671",
        "US | +1 415 555 2671  | +14155552671",
        "GB | 020 7946 0958    | +442079460958",
        "US | +44 20 7946 0958 | +442079460958",
        "GB | 07400 123456     | +447400123456",
        "DE | 030 123456       | +4930123456",
    })
    void writesNumbersTypedAsPeopleDoInE164(String region, String typed, String e164) {
        PhoneNumbers.Parsed parsed = new PhoneNumbers(region, Set.of("US", "GB", "DE")).parse(typed);
        assertNull(parsed.problem(), typed);
        assertEquals(e164, parsed.e164());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "US | 020 7946 0958        | INVALID",
        "US | 123                  | INVALID",
        "US | hello                | NOT_A_NUMBER",
        "US | '   '                | EMPTY",
        "US | 1234567890123456789012345678901234567890123 | TOO_LONG",
        "US | <script>alert(1)</script> | NOT_A_NUMBER",
        "US | ' OR '1'='1          | NOT_A_NUMBER",
    })
    void refusesWhatIsNotAValidNumber(String region, String typed, PhoneNumbers.Problem problem) {
        PhoneNumbers.Parsed parsed = new PhoneNumbers(region).parse(typed);
        assertEquals(problem, parsed.problem(), typed);
        assertNull(parsed.e164());
    }

    @Test
    void onlyAllowedCountriesByDefaultTheDefaultRegion() {
        assertEquals(PhoneNumbers.Problem.REGION_NOT_ALLOWED, new PhoneNumbers("US").parse("+44 20 7946 0958").problem());
        assertEquals(PhoneNumbers.Problem.REGION_NOT_ALLOWED, new PhoneNumbers("US", Set.of("US", "CA"))
                .parse("+49 30 123456").problem());
        assertEquals("+14155552671", new PhoneNumbers("US").parse("(415) 555-2671").e164());
        assertNull(new PhoneNumbers("US").parse("+44 20 7946 0958").e164(), "a refused number is not returned");
    }

    @ParameterizedTest
    @CsvSource({"US, PREMIUM_RATE", "US, TOLL_FREE", "GB, PREMIUM_RATE", "GB, TOLL_FREE",
        "GB, UAN", "FR, SHARED_COST"})
    void costlyKindsOfNumbersAreRefused(String region, PhoneNumberType type) {
        var util = PhoneNumberUtil.getInstance();
        String number = util.format(util.getExampleNumberForType(region, type), PhoneNumberUtil.PhoneNumberFormat.E164);
        PhoneNumbers numbers = new PhoneNumbers(region, Set.of(region));
        assertEquals(PhoneNumbers.Problem.TYPE_NOT_ALLOWED, numbers.parse(number).problem(), number);
        assertEquals(false, numbers.allowed(number));
    }

    @ParameterizedTest
    @CsvSource({"US, MOBILE", "GB, MOBILE", "GB, FIXED_LINE", "DE, MOBILE"})
    void mobileAndLandlineNumbersAreAllowed(String region, PhoneNumberType type) {
        var util = PhoneNumberUtil.getInstance();
        String number = util.format(util.getExampleNumberForType(region, type), PhoneNumberUtil.PhoneNumberFormat.E164);
        assertEquals(number, new PhoneNumbers(region, Set.of(region)).parse(number).e164());
    }

    @Test
    void nullIsEmpty() {
        assertEquals(PhoneNumbers.Problem.EMPTY, new PhoneNumbers("US").parse(null).problem());
    }
}
