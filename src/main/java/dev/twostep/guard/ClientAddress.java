package dev.twostep.guard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The client's address for limits and the audit trail: the socket's peer, unless that peer is one of the
 * configured trusted proxies; then the right-most address of X-Forwarded-For (all its header lines, in
 * order) that is not a trusted proxy. X-Forwarded-For from anyone else is ignored, so a client cannot pick
 * its own address.
 */
public final class ClientAddress {
    private final Set<String> trusted;

    public ClientAddress(List<String> trustedProxies) {
        this.trusted = Set.copyOf(trustedProxies);
    }

    public String of(HttpServletRequest request) {
        String peer = request.getRemoteAddr();
        if (trusted.isEmpty() || !trusted.contains(peer)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        var lines = request.getHeaders("X-Forwarded-For");
        for (String line : lines == null ? List.<String>of() : Collections.list(lines)) {
            for (String hop : line.split(",")) {
                hops.add(withoutPort(hop.trim()));
            }
        }
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = hops.get(i);
            if (!hop.isEmpty() && !trusted.contains(hop)) {
                return hop.matches("[0-9a-fA-F:.]{2,45}") ? hop : peer;
            }
        }
        return peer;
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
     * The key an address is counted under: IPv4 as it is, IPv6 by its /64, since one subscriber usually
     * holds a whole /64 and could otherwise rotate through it.
     */
    public static String limitKey(String address) {
        if (address == null || !address.contains(":")) {
            return address;
        }
        String[] groups = expand(address.toLowerCase(Locale.ROOT));
        return groups == null ? address : String.join(":", groups[0], groups[1], groups[2], groups[3]) + "::/64";
    }

    private static String[] expand(String v6) {
        String[] halves = v6.split("::", -1);
        if (halves.length > 2) {
            return null;
        }
        List<String> head = halves[0].isEmpty() ? List.of() : List.of(halves[0].split(":"));
        List<String> tail = halves.length == 2 && !halves[1].isEmpty() ? List.of(halves[1].split(":")) : List.of();
        List<String> all = new ArrayList<>(head);
        for (int i = head.size() + tail.size(); i < 8; i++) {
            all.add("0");
        }
        all.addAll(tail);
        return all.size() >= 4 ? all.toArray(new String[0]) : null;
    }
}
