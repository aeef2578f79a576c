package dev.twostep.factor;

import java.io.ByteArrayOutputStream;

/**
 * Base32 of RFC 4648 section 6 (alphabet A-Z, 2-7), the form authenticator apps take a TOTP secret in.
 * Encoding writes no padding, as the Key Uri Format asks. Decoding is meant for text a person copied, so
 * it ignores spaces, accepts lower case and a trailing run of "=", and refuses anything else: a letter
 * outside the alphabet (0, 1, 8, 9), a length no encoder produces, or leftover bits that are not zero
 * (RFC 4648 section 3.5), so that every accepted text decodes to exactly one byte string and back.
 * Public because the enrollment page shows the secret for manual entry.
 */
public final class Base32 {
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

    private Base32() {
    }

    /** Encodes bytes as upper-case Base32 without padding. */
    public static String encode(byte[] data) {
        StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                out.append(ALPHABET[(buffer >>> bits) & 0x1f]);
            }
        }
        if (bits > 0) {
            // The last group is filled up with zero bits on the right.
            out.append(ALPHABET[(buffer << (5 - bits)) & 0x1f]);
        }
        return out.toString();
    }

    /**
     * Decodes Base32, ignoring spaces and case, with or without trailing padding.
     *
     * @throws IllegalArgumentException when the text is not Base32 (the message names no secret content)
     */
    public static byte[] decode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() * 5 / 8);
        int buffer = 0;
        int bits = 0;
        int symbols = 0;
        boolean padding = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ') {
                continue;
            }
            if (c == '=') {
                padding = true;
                continue;
            }
            if (padding) {
                throw new IllegalArgumentException("Base32: a character after the padding");
            }
            int value = valueOf(c);
            if (value < 0) {
                throw new IllegalArgumentException("Base32: a character outside the alphabet at position " + i);
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            symbols++;
            if (bits >= 8) {
                bits -= 8;
                out.write((buffer >>> bits) & 0xff);
            }
        }
        // A group of 8 symbols holds 5 bytes; a final group of 1, 3 or 6 symbols holds no whole byte.
        int rest = symbols % 8;
        if (rest == 1 || rest == 3 || rest == 6) {
            throw new IllegalArgumentException("Base32: a length no encoder produces");
        }
        if ((buffer & ((1 << bits) - 1)) != 0) {
            throw new IllegalArgumentException("Base32: non-zero bits after the last byte");
        }
        return out.toByteArray();
    }

    private static int valueOf(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a';
        }
        if (c >= '2' && c <= '7') {
            return c - '2' + 26;
        }
        return -1;
    }
}
