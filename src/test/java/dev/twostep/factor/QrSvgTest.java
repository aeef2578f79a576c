package dev.twostep.factor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.Result;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import com.google.zxing.qrcode.encoder.ByteMatrix;
import com.google.zxing.qrcode.encoder.QRCode;

class QrSvgTest {
    private static final Pattern VIEW_BOX = Pattern.compile("viewBox=\"0 0 (\\d+) (\\d+)\"");
    private static final Pattern RUN = Pattern.compile("M(\\d+) (\\d+)h(\\d+)v1h-(\\d+)z");
    private static final String URI = new Totp(Clock.systemUTC())
            .uri("Twostep", "alice@example.com", "12345678901234567890".getBytes(StandardCharsets.US_ASCII));

    /** The modules the SVG draws dark, read back from its path alone. */
    private static boolean[][] modulesOf(String svg) {
        Matcher box = VIEW_BOX.matcher(svg);
        assertTrue(box.find(), svg);
        int size = Integer.parseInt(box.group(1));
        assertEquals(size, Integer.parseInt(box.group(2)));
        boolean[][] dark = new boolean[size][size];
        String d = svg.replaceFirst("(?s).*<path fill=\"#000\" d=\"([^\"]*)\".*", "$1");
        Matcher run = RUN.matcher(d);
        int end = 0;
        while (run.find()) {
            assertEquals(end, run.start(), "only runs in the path");
            end = run.end();
            int x = Integer.parseInt(run.group(1));
            int y = Integer.parseInt(run.group(2));
            int length = Integer.parseInt(run.group(3));
            assertEquals(length, Integer.parseInt(run.group(4)));
            for (int i = 0; i < length; i++) {
                assertFalse(dark[y][x + i], "a module drawn twice");
                dark[y][x + i] = true;
            }
        }
        assertEquals(d.length(), end, "only runs in the path");
        return dark;
    }

    /** What a camera would see, 3 pixels per module, read by ZXing's detector and decoder. */
    private static String scan(boolean[][] dark) throws Exception {
        int scale = 3;
        int pixels = dark.length * scale;
        int[] argb = new int[pixels * pixels];
        for (int y = 0; y < pixels; y++) {
            for (int x = 0; x < pixels; x++) {
                argb[y * pixels + x] = dark[y / scale][x / scale] ? 0xff000000 : 0xffffffff;
            }
        }
        BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(pixels, pixels, argb)));
        Result result = new QRCodeReader().decode(bitmap, Map.of(DecodeHintType.CHARACTER_SET, "UTF-8"));
        return result.getText();
    }

    @Test
    void theOtpauthUriScansBackFromTheDrawing() throws Exception {
        assertEquals(URI, scan(modulesOf(QrSvg.render(URI, "QR code"))));
    }

    @Test
    void nonAsciiTextScansBackToo() throws Exception {
        String text = "Zoë 🔐 Ünal";
        assertEquals(text, scan(modulesOf(QrSvg.render(text, "QR code"))));
    }

    @Test
    void theDrawingIsZxingsSymbolInsideAQuietZoneOfFourModules() {
        QRCode symbol = QrSvg.encode(URI);
        ByteMatrix matrix = symbol.getMatrix();
        int version = symbol.getVersion().getVersionNumber();
        assertEquals(17 + 4 * version, matrix.getWidth());

        boolean[][] dark = modulesOf(QrSvg.render(URI, "QR code"));
        assertEquals(17 + 4 * version + 2 * 4, dark.length);
        for (int y = 0; y < dark.length; y++) {
            for (int x = 0; x < dark.length; x++) {
                boolean inSymbol = x >= 4 && y >= 4 && x < 4 + matrix.getWidth() && y < 4 + matrix.getHeight();
                boolean expected = inSymbol && matrix.get(x - 4, y - 4) == 1;
                assertEquals(expected, dark[y][x], "module " + x + "," + y);
            }
        }
    }

    /**
     * The version, and so the module count, from the capacity table of ISO/IEC 18004 at level M in byte
     * mode: version 1 holds 14 bytes, version 8 holds 152 and version 7 only 122.
     */
    @Test
    void theModuleCountIsTheVersionsFromTheCapacityTable() {
        assertEquals(1, QrSvg.encode("otpauth://totp").getVersion().getVersionNumber());
        assertTrue(VIEW_BOX.matcher(QrSvg.render("otpauth://totp", "x")).results()
                .allMatch(m -> m.group(1).equals("29")));
        assertTrue(URI.length() > 122 && URI.length() <= 152, URI.length() + " " + URI);
        assertEquals(8, QrSvg.encode(URI).getVersion().getVersionNumber());
        // 49 modules and 4 of quiet zone each side, 4 pixels each.
        assertTrue(QrSvg.render(URI, "x").contains("viewBox=\"0 0 57 57\" width=\"228\" height=\"228\""));
    }

    @Test
    void theMarkupIsWellFormedSvgWithAnAccessibleName() throws Exception {
        String svg = QrSvg.render(URI, "QR code for your authenticator app");
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document document = factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        Element root = document.getDocumentElement();
        assertEquals("http://www.w3.org/2000/svg", root.getNamespaceURI());
        assertEquals("svg", root.getLocalName());
        assertEquals("img", root.getAttribute("role"));
        assertEquals("QR code for your authenticator app", root.getAttribute("aria-label"));
        assertEquals("crispEdges", root.getAttribute("shape-rendering"));
        assertEquals(1, root.getElementsByTagNameNS("*", "path").getLength());
        assertEquals(1, root.getElementsByTagNameNS("*", "rect").getLength());
        assertEquals(2, root.getChildNodes().getLength());
    }

    /** Nothing a Content-Security-Policy of default-src 'none' would block, and nothing that runs or loads. */
    @Test
    void theMarkupHasNoScriptLinkStyleOrExternalReference() {
        String svg = QrSvg.render(URI, "QR code");
        String lower = svg.toLowerCase(java.util.Locale.ROOT);
        assertFalse(lower.contains("<script"));
        assertFalse(lower.contains("href"));
        assertFalse(lower.contains("style"));
        assertFalse(lower.contains("url("));
        assertFalse(lower.contains("<image"));
        assertFalse(lower.contains("<foreignobject"));
        assertFalse(Pattern.compile("\\son[a-z]+\\s*=").matcher(lower).find());
        // The one URL is the namespace name, which is never fetched; the URI itself is only in the modules.
        assertEquals(1, lower.split("http", -1).length - 1);
        assertFalse(svg.contains("otpauth"));
        assertFalse(svg.contains("GEZDGNBV"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\"><script>alert(1)</script>", "a & b < c > d ' e", "line\nbreak"})
    void theLabelIsEscaped(String label) throws Exception {
        String svg = QrSvg.render("x", label);
        assertFalse(svg.contains("<script"));
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Element root = factory.newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
        assertEquals(label.replace('\n', ' '), root.getAttribute("aria-label"));
    }

    @Test
    void textTooLongForAQrCodeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> QrSvg.render("x".repeat(3000), "QR code"));
    }
}
