package dev.twostep.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import dev.twostep.audit.AuditLog;

/** The account page names every audit event by its message key audit.NAME: each one must be in the bundle. */
class AuditMessagesTest {
    @Test
    void everyAuditEventHasAMessage() throws IOException {
        Properties messages = new Properties();
        try (InputStream in = AuditMessagesTest.class.getResourceAsStream("/dev/twostep/web/messages.properties")) {
            messages.load(in);
        }
        List<String> missing = Arrays.stream(AuditLog.Event.values()).map(e -> "audit." + e.name())
                .filter(key -> !messages.containsKey(key)).toList();
        assertEquals(List.of(), missing);
    }
}
