package dev.twostep.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.junit.jupiter.api.Test;

class ClientAddressTest {

    /** A request with only a peer address and headers: all ClientAddress reads. */
    private static HttpServletRequest request(String peer, Map<String, String> headers) {
        return (HttpServletRequest) Proxy.newProxyInstance(ClientAddressTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getRemoteAddr" -> peer;
                    case "getHeader" -> headers.get((String) args[0]);
                    case "getHeaders" -> java.util.Collections.enumeration(headers.containsKey((String) args[0])
                            ? List.of(headers.get((String) args[0]).split("\n")) : List.<String>of());
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void forwardedForIsIgnoredUnlessThePeerIsATrustedProxy() {
        ClientAddress none = new ClientAddress(List.of());
        assertEquals("203.0.113.9", none.of(request("203.0.113.9", Map.of("X-Forwarded-For", "198.51.100.1"))));
        ClientAddress trusting = new ClientAddress(List.of("10.0.0.5"));
        assertEquals("203.0.113.9", trusting.of(request("203.0.113.9", Map.of("X-Forwarded-For", "198.51.100.1"))));
    }

    @Test
    void behindTrustedProxiesTheRightmostUntrustedHopCounts() {
        ClientAddress trusting = new ClientAddress(List.of("10.0.0.5", "10.0.0.6"));
        assertEquals("198.51.100.1", trusting.of(request("10.0.0.5", Map.of("X-Forwarded-For", "198.51.100.1"))));
        // A client cannot choose its address by sending its own X-Forwarded-For first.
        assertEquals("198.51.100.1", trusting.of(request("10.0.0.5",
                Map.of("X-Forwarded-For", "1.2.3.4, 198.51.100.1, 10.0.0.6"))));
        assertEquals("10.0.0.5", trusting.of(request("10.0.0.5", Map.of())));
        assertEquals("10.0.0.5", trusting.of(request("10.0.0.5", Map.of("X-Forwarded-For", "<script>"))));
    }

    @Test
    void everyHeaderLineCountsAndPortsAreDropped() {
        ClientAddress trusting = new ClientAddress(List.of("10.0.0.5"));
        // A proxy that appends its own line: the client's own first line does not win.
        assertEquals("198.51.100.1", trusting.of(request("10.0.0.5",
                Map.of("X-Forwarded-For", "1.2.3.4\n198.51.100.1:40123"))));
        assertEquals("2001:db8::1", trusting.of(request("10.0.0.5", Map.of("X-Forwarded-For", "[2001:db8::1]:443"))));
    }

    @Test
    void ipv6AddressesAreCountedByTheirSlash64() {
        assertEquals("2001:db8:1:2::/64", ClientAddress.limitKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        assertEquals("2001:db8:1:2::/64", ClientAddress.limitKey("2001:db8:1:2::1"));
        assertEquals("2001:db8:0:0::/64", ClientAddress.limitKey("2001:db8::1"));
        assertEquals("203.0.113.9", ClientAddress.limitKey("203.0.113.9"));
    }
}
