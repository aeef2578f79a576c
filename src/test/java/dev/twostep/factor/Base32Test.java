package dev.twostep.factor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Base32Test {
    /** RFC 4648 section 10, with the padding left off as the Key Uri Format wants. */
    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource({
        "'', '', ''",
        "f, MY, MY======",
        "fo, MZXQ, MZXQ====",
        "foo, MZXW6, MZXW6===",
        "foob, MZXW6YQ, MZXW6YQ=",
        "fooba, MZXW6YTB, MZXW6YTB",
        "foobar, MZXW6YTBOI, MZXW6YTBOI======",
    })
    void rfc4648Vectors(String text, String unpadded, String padded) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        assertEquals(unpadded, Base32.encode(bytes));
        assertArrayEquals(bytes, Base32.decode(unpadded));
        assertArrayEquals(bytes, Base32.decode(padded));
    }

    @Test
    void everyLengthRoundTrips() {
        Random random = new Random(12);
        for (int length = 0; length <= 64; length++) {
            for (int round = 0; round < 20; round++) {
                byte[] data = new byte[length];
                random.nextBytes(data);
                String encoded = Base32.encode(data);
                assertFalse(encoded.contains("="));
                assertEquals((length * 8 + 4) / 5, encoded.length());
                assertArrayEquals(data, Base32.decode(encoded));
            }
        }
    }

    @Test
    void allByteValuesRoundTrip() {
        byte[] data = new byte[256];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        assertArrayEquals(data, Base32.decode(Base32.encode(data)));
    }

    @Test
    void decodingForgivesCaseAndSpacesAsPeopleCopyThem() {
        byte[] secret = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(secret, Base32.decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq"));
        assertArrayEquals(secret, Base32.decode(" GEZDgnbvGY3TQOJQGEZDGNBVGY3TQOJQ "));
        assertArrayEquals("foobar".getBytes(StandardCharsets.US_ASCII), Base32.decode("mzxw 6ytb oi== ===="));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
        "MZXW0", "MZXW1", "MZXW8", "MZXW9", "MZ-XW", "MZXW6\t", "MZXW6\n", "MZ+W6", "MZXW\u00c9",
        "MY=A", "M", "MZX", "MZXW6Y", "MZXW6YTBO", "MZ", "MZXR", "MZXW7", "MZXW6YR",
    })
    void malformedTextIsRefused(String text) {
        assertThrows(IllegalArgumentException.class, () -> Base32.decode(text));
    }
}
