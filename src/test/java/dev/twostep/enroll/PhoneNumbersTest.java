package dev.twostep.enroll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
        PhoneNumbers.Parsed parsed = new PhoneNumbers(region).parse(typed);
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
    void nullIsEmpty() {
        assertEquals(PhoneNumbers.Problem.EMPTY, new PhoneNumbers("US").parse(null).problem());
    }
}
