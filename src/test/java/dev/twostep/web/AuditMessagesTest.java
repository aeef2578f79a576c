package dev.twostep.web;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import dev.twostep.audit.AuditLog;

/** The account and security pages name every audit event by its message key {@code audit.<EVENT>}. */
class AuditMessagesTest {
    @Test
    void everyAuditEventHasAMessage() {
        List<String> missing = Arrays.stream(AuditLog.Event.values())
                .map(e -> "audit." + e.name())
                .filter(key -> Messages.builtIn().format(Locale.ENGLISH, key) == null)
                .toList();
        assertTrue(missing.isEmpty(), "no message for " + missing);
    }
}
