package dev.twostep.config;

import java.util.Arrays;

/**
 * An IP address or a CIDR range of them ({@code 10.0.0.5}, {@code 10.0.0.0/8}, {@code fd00::/8}), the
 * value of {@code twostep.trusted-proxies}; and the literal parsing behind it, shared with the guard's
 * client address. Literals are parsed by hand, never through {@link java.net.InetAddress}, so no text can
 * ever cause a DNS look-up. An IPv4-mapped IPv6 address ({@code ::ffff:203.0.113.9}, what a dual-stack
 * socket reports for an IPv4 client) is the IPv4 address. Public because the guard and the listener name
 * it.
 */
public final class IpRange {
    private static final int MAX_LITERAL = 64;

    private final byte[] network;
    private final int prefix;

    private IpRange(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /**
     * Parses {@code address} or {@code address/prefix}.
     *
     * @throws IllegalArgumentException saying what is wrong, for a message naming the setting
     */
    public static IpRange parse(String text) {
        int slash = text.indexOf('/');
        String literal = slash < 0 ? text : text.substring(0, slash);
        byte[] address = address(literal);
        if (address == null) {
            throw new IllegalArgumentException("'" + literal + "' is not an IP address (names are not looked up)");
        }
        int bits = address.length * 8;
        if (slash < 0) {
            return new IpRange(address, bits);
        }
        String length = text.substring(slash + 1);
        if (length.isEmpty() || length.length() > 3 || !length.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("'" + text + "' has no prefix length after the /");
        }
        int prefix = Integer.parseInt(length);
        if (address.length == 4 && literal.indexOf(':') >= 0) {
            // ::ffff:10.0.0.0/104 is 10.0.0.0/8.
            if (prefix < 96) {
                throw new IllegalArgumentException("'" + text + "' is wider than the IPv4-mapped range ::ffff:0:0/96");
            }
            prefix -= 96;
        }
        if (prefix > bits) {
            throw new IllegalArgumentException("'" + text + "' has a prefix longer than " + bits + " bits");
        }
        byte[] masked = mask(address, prefix);
        if (!Arrays.equals(masked, address)) {
            throw new IllegalArgumentException("'" + text + "' has bits set after the prefix; did you mean "
                    + format(masked) + "/" + prefix + "?");
        }
        return new IpRange(address, prefix);
    }

    /** True when the address (as {@link #address(String)} returns it) lies in this range. */
    public boolean contains(byte[] address) {
        return address != null && address.length == network.length && Arrays.equals(mask(address, prefix), network);
    }

    /**
     * The bytes of an IP literal: 4 for IPv4 (and IPv4-mapped IPv6), 16 for IPv6; or null when the text is
     * not a literal. Dotted IPv4 takes exactly four decimal parts without leading zeros (never octal or
     * shorthand); IPv6 takes RFC 4291 text, with at most one {@code ::}, an optional dotted IPv4 tail and an
     * optional zone ({@code %eth0}, dropped).
     */
    public static byte[] address(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_LITERAL) {
            return null;
        }
        if (text.indexOf(':') < 0) {
            return ipv4(text);
        }
        int zone = text.indexOf('%');
        byte[] v6 = ipv6(zone < 0 ? text : text.substring(0, zone));
        if (v6 == null) {
            return null;
        }
        for (int i = 0; i < 10; i++) {
            if (v6[i] != 0) {
                return v6;
            }
        }
        return v6[10] == (byte) 0xff && v6[11] == (byte) 0xff ? Arrays.copyOfRange(v6, 12, 16) : v6;
    }

    /** Dotted IPv4, or RFC 5952 IPv6 (lower case, the longest run of zero groups as {@code ::}). */
    public static String format(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "." + (address[3] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (address[2 * i] & 0xff) << 8 | address[2 * i + 1] & 0xff;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] masked = address.clone();
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            masked[i] &= (byte) (0xff << (8 - keep));
        }
        return masked;
    }

    private static byte[] ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')
                    || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int value = Integer.parseInt(part);
            if (value > 255) {
                return null;
            }
            out[i] = (byte) value;
        }
        return out;
    }

    private static byte[] ipv6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        int[] head = groups(gap < 0 ? text : text.substring(0, gap), gap < 0);
        int[] tail = gap < 0 ? new int[0] : groups(text.substring(gap + 2), true);
        if (head == null || tail == null || (gap < 0 ? head.length != 8 : head.length + tail.length > 7)) {
            return null;
        }
        byte[] out = new byte[16];
        for (int i = 0; i < head.length; i++) {
            out[2 * i] = (byte) (head[i] >> 8);
            out[2 * i + 1] = (byte) head[i];
        }
        for (int i = 0; i < tail.length; i++) {
            int at = 8 - tail.length + i;
            out[2 * at] = (byte) (tail[i] >> 8);
            out[2 * at + 1] = (byte) tail[i];
        }
        return out;
    }

    /** Colon-separated 16-bit groups; the last part of an address may be dotted IPv4 (two groups). */
    private static int[] groups(String text, boolean endsAddress) {
        if (text.isEmpty()) {
            return new int[0];
        }
        String[] parts = text.split(":", -1);
        int[] out = new int[parts.length + 1];
        int n = 0;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (endsAddress && i == parts.length - 1 && part.indexOf('.') >= 0) {
                byte[] v4 = ipv4(part);
                if (v4 == null) {
                    return null;
                }
                out[n++] = (v4[0] & 0xff) << 8 | v4[1] & 0xff;
                out[n++] = (v4[2] & 0xff) << 8 | v4[3] & 0xff;
                continue;
            }
            if (part.isEmpty() || part.length() > 4) {
                return null;
            }
            int value = 0;
            for (int k = 0; k < part.length(); k++) {
                char c = part.charAt(k);
                // ASCII only: Character.digit would take other scripts' digits too.
                int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (digit < 0) {
                    return null;
                }
                value = value * 16 + digit;
            }
            out[n++] = value;
        }
        return Arrays.copyOf(out, n);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IpRange r && r.prefix == prefix && Arrays.equals(r.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    /** The canonical text: {@code 10.0.0.0/8}, {@code fd00::/8}, or a single address without a prefix. */
    @Override
    public String toString() {
        return prefix == network.length * 8 ? format(network) : format(network) + "/" + prefix;
    }
}
