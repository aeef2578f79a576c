package dev.twostep.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpRangeTest {

    /** literal | how it is written back (RFC 5952 for IPv6; IPv4-mapped as IPv4). */
    @ParameterizedTest(name = "[{index}] {0} is {1}")
    @CsvSource(delimiter = '|', value = {
        "0.0.0.0                      | 0.0.0.0",
        "255.255.255.255              | 255.255.255.255",
        "::                           | ::",
        "::1                          | ::1",
        "0:0:0:0:0:0:0:1              | ::1",
        "1::                          | 1::",
        "2001:DB8:0:0:0:0:0:1         | 2001:db8::1",
        "2001:0db8:0000:0000:0001:0000:0000:0001 | 2001:db8::1:0:0:1",
        "2001:0:0:1:0:0:0:1           | 2001:0:0:1::1",
        "2001:db8:0:1:1:1:1:1         | 2001:db8:0:1:1:1:1:1",
        "1:2:3:4:5:6:1.2.3.4          | 1:2:3:4:5:6:102:304",
        "::ffff:203.0.113.9           | 203.0.113.9",
        "::ffff:cb00:7109             | 203.0.113.9",
        "fe80::1%eth0                 | fe80::1",
    })
    void literals(String literal, String canonical) {
        assertEquals(canonical, IpRange.format(IpRange.address(literal)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "0x7f.0.0.1", "1.2.3.-4", "+1.2.3.4",
        " 1.2.3.4", "1.2.3.4 ", "١.٢.٣.٤", "localhost", "1::2::3", ":::", "12345::", "::g", ":1", "1:",
        "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", "1:2:3:4:5:6:7", "::1.2.3", "1.2.3.4::", "::ffff:1.2.3.04",
        "[::1]", "%eth0"})
    void notLiterals(String text) {
        assertNull(IpRange.address(text), text);
    }

    /** range | its canonical text | an address inside | an address outside. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "10.0.0.5            | 10.0.0.5          | 10.0.0.5            | 10.0.0.6",
        "10.0.0.0/8          | 10.0.0.0/8        | 10.255.255.255      | 11.0.0.0",
        "192.168.1.0/24      | 192.168.1.0/24    | 192.168.1.77        | 192.168.2.1",
        "0.0.0.0/0           | 0.0.0.0/0         | 203.0.113.9         | ::1",
        "fd00::/8            | fd00::/8          | fdff:1::1           | fe00::1",
        "2001:DB8::/32       | 2001:db8::/32     | 2001:db8:ffff::1    | 2001:db9::1",
        "::1                 | ::1               | 0:0:0:0:0:0:0:1     | ::2",
        "::ffff:10.0.0.0/104 | 10.0.0.0/8        | ::ffff:10.1.1.1     | 11.0.0.1",
        "::ffff:10.0.0.5     | 10.0.0.5          | 10.0.0.5            | ::ffff:10.0.0.6",
    })
    void ranges(String text, String canonical, String inside, String outside) {
        IpRange range = IpRange.parse(text);
        assertEquals(canonical, range.toString());
        assertTrue(range.contains(IpRange.address(inside)), inside);
        assertTrue(!range.contains(IpRange.address(outside)), outside);
    }

    /** entry | part of the message. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "proxy.example.com | is not an IP address",
        "10.0.0.0/33       | prefix longer than 32",
        "fd00::/129        | prefix longer than 128",
        "10.0.0.0/         | no prefix length",
        "10.0.0.0/-1       | no prefix length",
        "10.0.0.0/8/8      | no prefix length",
        "10.0.0.5/8        | did you mean 10.0.0.0/8?",
        "fd00::1/8         | did you mean fd00::/8?",
        "::ffff:10.0.0.0/8 | wider than the IPv4-mapped range",
    })
    void badEntries(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpRange.parse(text));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void theTrustedProxiesSettingTakesAddressesAndRanges() {
        TwostepConfig config = TwostepConfig.from(new Settings(Map.of("twostep.trusted-proxies",
                "10.0.0.0/8, ::1 ,fd00::/8,203.0.113.7")::get, Map.of()));
        assertEquals(List.of("10.0.0.0/8", "::1", "fd00::/8", "203.0.113.7"),
                config.trustedProxies().stream().map(IpRange::toString).toList());
        ConfigException e = assertThrows(ConfigException.class, () -> TwostepConfig.from(new Settings(
                Map.of("twostep.trusted-proxies", "10.0.0.1, proxy.example.com")::get, Map.of())));
        assertEquals("twostep.trusted-proxies", e.setting());
        assertTrue(e.getMessage().contains("'proxy.example.com' is not an IP address"), e.getMessage());
    }
}
