package dev.twostep.guard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import dev.twostep.config.IpRange;

/**
 * The client's address for limits and the audit trail: the socket's peer, unless that peer lies in one of
 * the configured trusted proxy ranges; then the right-most address of X-Forwarded-For (all its header
 * lines, in order) that does not. X-Forwarded-For from anyone else is ignored, so a client cannot pick its
 * own address. Addresses are compared as parsed addresses, never as text ({@code ::1} is Tomcat's
 * {@code 0:0:0:0:0:0:0:1}), and come out in one form: dotted IPv4 (also for IPv4-mapped IPv6, which a
 * dual-stack socket reports for IPv4 clients) or RFC 5952 IPv6.
 *
 * <p>Where the container can do this itself (Tomcat's RemoteIpValve, Jetty's ForwardedRequestCustomizer),
 * that is preferred: then the peer address already is the client's and no trusted proxies are set here.
 */
public final class ClientAddress {
    private final List<IpRange> trusted;

    /** @param trustedProxies the proxies whose X-Forwarded-For is believed; none by default */
    public ClientAddress(List<IpRange> trustedProxies) {
        this.trusted = List.copyOf(trustedProxies);
    }

    public String of(HttpServletRequest request) {
        String peerText = request.getRemoteAddr();
        byte[] peer = IpRange.address(peerText);
        // Not an IP (a Unix socket, say): as the container gave it.
        String peerAddress = peer == null ? peerText : IpRange.format(peer);
        if (!isTrusted(peer)) {
            return peerAddress;
        }
        List<String> hops = new ArrayList<>();
        var lines = request.getHeaders("X-Forwarded-For");
        for (String line : lines == null ? List.<String>of() : Collections.list(lines)) {
            for (String hop : line.split(",")) {
                hops.add(withoutPort(hop.trim()));
            }
        }
        for (int i = hops.size() - 1; i >= 0; i--) {
            if (hops.get(i).isEmpty()) {
                continue;
            }
            byte[] hop = IpRange.address(hops.get(i));
            if (hop == null) {
                // Garbage (or "unknown") where the client should be: count the proxy, believe nothing further.
                return peerAddress;
            }
            if (!isTrusted(hop)) {
                return IpRange.format(hop);
            }
        }
        return peerAddress;
    }

    private boolean isTrusted(byte[] address) {
        for (IpRange range : trusted) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** "203.0.113.9:5123" and "[2001:db8::1]:443" without their ports. */
    static String withoutPort(String hop) {
        if (hop.startsWith("[") && hop.indexOf(']') > 0) {
            return hop.substring(1, hop.indexOf(']'));
        }
        int colon = hop.indexOf(':');
        return colon > 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
    }

    /**
     * The key an address is counted under: IPv4 as it is (IPv4-mapped IPv6 as IPv4), IPv6 by its /64,
     * since one subscriber usually holds a whole /64 and could otherwise rotate through it. Text that is
     * no IP address is its own key.
     */
    public static String limitKey(String address) {
        byte[] parsed = IpRange.address(address);
        if (parsed == null) {
            return address;
        }
        if (parsed.length == 4) {
            return IpRange.format(parsed);
        }
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            key.append(Integer.toHexString((parsed[2 * i] & 0xff) << 8 | parsed[2 * i + 1] & 0xff)).append(':');
        }
        return key.append(":/64").toString();
    }
}
