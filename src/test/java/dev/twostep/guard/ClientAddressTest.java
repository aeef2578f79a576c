package dev.twostep.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.twostep.config.IpRange;

class ClientAddressTest {

    /** A request with only a peer address and X-Forwarded-For lines: all ClientAddress reads. */
    private static HttpServletRequest request(String peer, List<String> forwardedFor) {
        return (HttpServletRequest) Proxy.newProxyInstance(ClientAddressTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getRemoteAddr" -> peer;
                    case "getHeaders" -> Collections.enumeration("X-Forwarded-For".equalsIgnoreCase((String) args[0])
                            ? forwardedFor : List.<String>of());
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static ClientAddress trusting(String proxies) {
        return new ClientAddress(proxies == null ? List.of()
                : Arrays.stream(proxies.split(",")).map(String::trim).map(IpRange::parse).toList());
    }

    /**
     * trusted proxies | socket peer | X-Forwarded-For (header lines split at ';', none when empty) | the
     * client address.
     */
    @ParameterizedTest(name = "[{index}] trusting {0}, from {1}, X-Forwarded-For {2}: {3}")
    @CsvSource(delimiter = '|', value = {
        // X-Forwarded-For is ignored unless the peer is a trusted proxy.
        "                   | 203.0.113.9       | 198.51.100.1                      | 203.0.113.9",
        "10.0.0.5           | 203.0.113.9       | 198.51.100.1                      | 203.0.113.9",
        // Behind trusted proxies the right-most untrusted hop counts; a client cannot choose its address
        // by sending its own X-Forwarded-For first.
        "10.0.0.5, 10.0.0.6 | 10.0.0.5          | 198.51.100.1                      | 198.51.100.1",
        "10.0.0.5, 10.0.0.6 | 10.0.0.5          | 1.2.3.4, 198.51.100.1, 10.0.0.6   | 198.51.100.1",
        "10.0.0.5           | 10.0.0.5          |                                   | 10.0.0.5",
        "10.0.0.5           | 10.0.0.5          | 10.0.0.5                          | 10.0.0.5",
        // Every header line counts (a proxy that appends its own line), and ports are dropped.
        "10.0.0.5           | 10.0.0.5          | 1.2.3.4;198.51.100.1:40123        | 198.51.100.1",
        "10.0.0.5           | 10.0.0.5          | [2001:db8::1]:443                 | 2001:db8::1",
        // Garbage or a name where the client should be: the proxy itself is counted, nothing is looked up.
        "10.0.0.5           | 10.0.0.5          | <script>                          | 10.0.0.5",
        "10.0.0.5           | 10.0.0.5          | proxy.example.com                 | 10.0.0.5",
        "10.0.0.5           | 10.0.0.5          | 198.51.100.1, unknown             | 10.0.0.5",
        "10.0.0.5           | 10.0.0.5          | 0177.0.0.1                        | 10.0.0.5",
        "10.0.0.5           | 10.0.0.5          | 1.2.3                             | 10.0.0.5",
        // Addresses are compared parsed, not as text: Tomcat reports ::1 as 0:0:0:0:0:0:0:1.
        "::1                | 0:0:0:0:0:0:0:1   | 198.51.100.1                      | 198.51.100.1",
        "0:0:0:0:0:0:0:1    | ::1               | 198.51.100.1                      | 198.51.100.1",
        "2001:DB8::5        | 2001:db8:0:0:0:0:0:5 | 198.51.100.1                   | 198.51.100.1",
        // CIDR ranges.
        "10.0.0.0/8         | 10.200.3.4        | 198.51.100.1                      | 198.51.100.1",
        "10.0.0.0/8         | 11.0.0.1          | 198.51.100.1                      | 11.0.0.1",
        "10.0.0.0/8         | 10.0.0.5          | 198.51.100.1, 10.9.9.9            | 198.51.100.1",
        "fd00::/8           | fd12:3456::1      | 2001:db8:1:2::9                   | 2001:db8:1:2::9",
        "fd00::/8           | fe80::1           | 2001:db8:1:2::9                   | fe80::1",
        "172.16.0.0/12      | 172.31.255.255    | 198.51.100.1                      | 198.51.100.1",
        "172.16.0.0/12      | 172.32.0.0        | 198.51.100.1                      | 172.32.0.0",
        // IPv4-mapped IPv6 (a dual-stack socket or proxy) is IPv4, as peer, as hop and as trusted proxy.
        "                   | ::ffff:203.0.113.9 |                                  | 203.0.113.9",
        "10.0.0.0/8         | ::ffff:10.1.2.3   | 198.51.100.1                      | 198.51.100.1",
        "10.0.0.5           | 10.0.0.5          | ::ffff:198.51.100.1               | 198.51.100.1",
        "::ffff:10.0.0.5    | 10.0.0.5          | 198.51.100.1                      | 198.51.100.1",
        // One spelling per address, for the audit trail.
        "10.0.0.5           | 10.0.0.5          | 2001:DB8:0:0:0:0:0:1              | 2001:db8::1",
        "                   | 0:0:0:0:0:0:0:1   |                                   | ::1",
    })
    void theClientAddress(String trusted, String peer, String forwardedFor, String expected) {
        List<String> lines = forwardedFor == null ? List.of() : List.of(forwardedFor.split(";"));
        assertEquals(expected, trusting(trusted).of(request(peer, lines)));
    }

    /** address | the key its limits are counted under. */
    @ParameterizedTest(name = "[{index}] {0} counts as {1}")
    @CsvSource(delimiter = '|', value = {
        "203.0.113.9                        | 203.0.113.9",
        // Each IPv4 client behind a dual-stack proxy is its own client, not one shared /64.
        "::ffff:203.0.113.9                 | 203.0.113.9",
        "::ffff:198.51.100.1                | 198.51.100.1",
        "::FFFF:cb00:7109                   | 203.0.113.9",
        "0:0:0:0:0:ffff:203.0.113.9         | 203.0.113.9",
        // IPv6 by its /64.
        "2001:db8:1:2:aaaa:bbbb:cccc:dddd   | 2001:db8:1:2::/64",
        "2001:db8:1:2::1                    | 2001:db8:1:2::/64",
        "2001:DB8:1:2::1                    | 2001:db8:1:2::/64",
        "2001:db8::1                        | 2001:db8:0:0::/64",
        "0:0:0:0:0:0:0:1                    | 0:0:0:0::/64",
        "fe80::1%eth0                       | fe80:0:0:0::/64",
        // IPv4-compatible (not mapped) addresses are IPv6.
        "::203.0.113.9                      | 0:0:0:0::/64",
        // Not an address: its own key.
        "not-an-address                     | not-an-address",
    })
    void limitKeys(String address, String key) {
        assertEquals(key, ClientAddress.limitKey(address));
    }
}
