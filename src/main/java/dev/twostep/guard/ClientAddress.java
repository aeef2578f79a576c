package dev.twostep.guard;

import java.util.List;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The client's address for limits and the audit trail: the socket's peer, unless that peer is one of the
 * configured trusted proxies; then the right-most address of X-Forwarded-For that is not a trusted
 * proxy. X-Forwarded-For from anyone else is ignored, so a client cannot pick its own address.
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
        String forwarded = request.getHeader("X-Forwarded-For");
        if (forwarded == null || forwarded.isBlank()) {
            return peer;
        }
        String[] hops = forwarded.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (!hop.isEmpty() && !trusted.contains(hop)) {
                return hop.matches("[0-9a-fA-F:.]{2,45}") ? hop : peer;
            }
        }
        return peer;
    }
}
