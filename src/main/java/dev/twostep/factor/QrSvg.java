package dev.twostep.factor;

import java.util.Map;
import java.util.Objects;

import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import com.google.zxing.qrcode.encoder.ByteMatrix;
import com.google.zxing.qrcode.encoder.Encoder;
import com.google.zxing.qrcode.encoder.QRCode;

/**
 * A QR code as SVG markup to inline in a page, for the otpauth URI an authenticator app scans. ZXing's
 * encoder chooses the version and lays out the modules; this class draws them: a white square and one
 * {@code <path>} of the dark modules, one rectangle per horizontal run, inside a quiet zone of
 * {@value #QUIET_ZONE} modules (ISO/IEC 18004 asks for four). {@code shape-rendering="crispEdges"} keeps
 * module edges sharp, so scanners see no grey seams between runs.
 *
 * <p>The markup holds no script, no link, no style attribute and no reference to anything outside
 * itself: colours are presentation attributes, which a Content-Security-Policy of {@code default-src
 * 'none'} does not block, so it renders inline under {@code default-src 'none'; img-src 'self'}. The only
 * URL in it is the SVG namespace name in {@code xmlns}, which is an identifier and is never fetched; it
 * makes the same text valid as a standalone image/svg+xml document. Inline it unescaped (Thymeleaf
 * {@code th:utext}): the label is escaped here and nothing else comes from input.
 *
 * <p>Error correction level M (15 % of the symbol can be lost), what authenticator enrollment pages commonly use.
 */
public final class QrSvg {
    /** Modules of light margin on each side: {@value}. */
    public static final int QUIET_ZONE = 4;
    /** Default CSS pixels per module in the width and height attributes: {@value}. */
    public static final int PIXELS_PER_MODULE = 4;

    private QrSvg() {
    }

    /**
     * The SVG of a QR code holding {@code text}, {@value #PIXELS_PER_MODULE} pixels per module.
     *
     * @param label what a screen reader says instead of the picture, such as "QR code for your authenticator app"
     * @throws IllegalArgumentException when the text does not fit in a QR code (about 2300 bytes at level M)
     */
    public static String render(String text, String label) {
        return render(text, label, PIXELS_PER_MODULE);
    }

    /** As {@link #render(String, String)}, with a given number of CSS pixels per module. */
    public static String render(String text, String label, int pixelsPerModule) {
        Objects.requireNonNull(label, "label");
        if (pixelsPerModule < 1) {
            throw new IllegalArgumentException("pixels per module must be at least 1");
        }
        ByteMatrix matrix = encode(text).getMatrix();
        int size = matrix.getWidth() + 2 * QUIET_ZONE;
        int pixels = size * pixelsPerModule;
        StringBuilder svg = new StringBuilder(4096);
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(size).append(' ').append(size)
                .append("\" width=\"").append(pixels).append("\" height=\"").append(pixels)
                .append("\" role=\"img\" aria-label=\"").append(escape(label))
                .append("\" shape-rendering=\"crispEdges\">")
                // A light background of its own: on a page in dark mode the code must still be dark on light.
                .append("<rect width=\"").append(size).append("\" height=\"").append(size).append("\" fill=\"#fff\"/>")
                .append("<path fill=\"#000\" d=\"");
        for (int y = 0; y < matrix.getHeight(); y++) {
            int x = 0;
            while (x < matrix.getWidth()) {
                if (matrix.get(x, y) != 1) {
                    x++;
                    continue;
                }
                int start = x;
                while (x < matrix.getWidth() && matrix.get(x, y) == 1) {
                    x++;
                }
                int run = x - start;
                svg.append('M').append(start + QUIET_ZONE).append(' ').append(y + QUIET_ZONE)
                        .append('h').append(run).append("v1h-").append(run).append('z');
            }
        }
        return svg.append("\"/></svg>").toString();
    }

    /** ZXing's layout of the symbol: the smallest version that holds the text at level M. */
    static QRCode encode(String text) {
        try {
            // ASCII (an otpauth URI is, once percent-encoded) needs no character set: a declared one adds an
            // ECI header that some older scanners misread. Anything else goes as UTF-8, declared.
            Map<EncodeHintType, ?> hints = text.chars().allMatch(c -> c < 0x80)
                    ? Map.of()
                    : Map.of(EncodeHintType.CHARACTER_SET, "UTF-8");
            return Encoder.encode(text, ErrorCorrectionLevel.M, hints);
        } catch (WriterException e) {
            throw new IllegalArgumentException("the text does not fit in a QR code: " + e.getMessage(), e);
        }
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c < 0x20 ? ' ' : c);
            }
        }
        return out.toString();
    }
}
