package dev.twostep.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.regex.Pattern;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;

class PasswordHasherTest {
    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=7168,t=5,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");

    private final PasswordHasher hasher = AccountServiceTest.hasher();

    private String hash(String password) throws HashingBusyException {
        try (var slot = hasher.slot()) {
            return hasher.hash(slot, password);
        }
    }

    private boolean check(String password, String stored) throws HashingBusyException {
        try (var slot = hasher.slot()) {
            return hasher.check(slot, password, stored);
        }
    }

    @Test
    void hashesAreArgon2idPhcStringsAtTheConfiguredCostWithARandomSalt() throws Exception {
        String a = hash("correct horse");
        String b = hash("correct horse");
        assertTrue(PHC.matcher(a).matches(), a);
        assertFalse(a.equals(b), "each hash has its own salt");
        assertTrue(check("correct horse", a));
        assertFalse(check("correct horse ", a));
        assertTrue(hasher.isCurrent(a));
    }

    @Test
    void aHashStoredByThePreviousCodeStillChecksAndIsDueForARehash() throws Exception {
        assertTrue(check("correct horse", AccountServiceTest.PASSWORD4J_HASH));
        assertFalse(check("correct hors", AccountServiceTest.PASSWORD4J_HASH));
        assertFalse(hasher.isCurrent(AccountServiceTest.PASSWORD4J_HASH));
    }

    @Test
    void password4jHashesAtEachOfOwaspsSetsCheck() throws Exception {
        for (int[] set : PasswordSettings.OWASP) {
            String old = Password.hash("pässwörd ✓").addRandomSalt(16).with(Argon2Function.getInstance(set[0], set[1],
                    1, 32, Argon2.ID, Argon2Function.ARGON2_VERSION_13)).getResult();
            assertTrue(check("pässwörd ✓", old), old);
            assertFalse(check("pässwörd", old), old);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"12345678", "pässwörd with spaces ✓", "😀 emoji outside the BMP 😀", "\u0000 nul \t tab"})
    void bothLibrariesTurnAPasswordIntoTheSameBytes(String password) throws Exception {
        String old = Password.hash(password).addRandomSalt(16).with(Argon2Function.getInstance(7168, 5, 1, 32,
                Argon2.ID, Argon2Function.ARGON2_VERSION_13)).getResult();
        assertTrue(check(password, old), old);
        // And ours read by Password4j: a rollback to the previous version would still sign people in.
        String ours = hash(password);
        assertTrue(Argon2Function.getInstanceFromHash(ours).check(password, ours), ours);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "$argon2i$v=19$m=7168,t=5,p=1$c29tZXNhbHRzb21lc2FsdA$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE | argon2i",
        "$argon2d$v=19$m=7168,t=5,p=1$c29tZXNhbHRzb21lc2FsdA$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE | argon2d",
        "$argon2id$v=16$m=7168,t=5,p=1$c29tZXNhbHRzb21lc2FsdA$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE | version 16",
        "$argon2id$m=7168,t=5,p=1$c29tZXNhbHRzb21lc2FsdA$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE | no version",
        "$argon2id$v=19$m=9216,t=5,p=1$c29tZXNhbHRzb21lc2FsdA$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE | memory",
        "$argon2id$v=19$m=7168,t=6,p=1$c29tZXNhbHRzb21lc2FsdA$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE | passes",
        "$argon2id$v=19$m=7168,t=5,p=2$c29tZXNhbHRzb21lc2FsdA$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE | lanes",
        "$argon2id$v=19$m=7168,t=5,p=1$c29tZXNhbHQ$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE             | short salt",
        "$argon2id$v=19$m=7168,t=5,p=1$c29tZXNhbHRzb21lc2FsdA$YWFhYWFhYWFhYWFhYWFhYWFh                      | short hash",
        "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy                                        | bcrypt",
    })
    void anythingButTodaysAlgorithmAndCostIsDueForARehash(String stored, String what) {
        assertFalse(hasher.isCurrent(stored), what);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "plain text", "$argon2id$v=19$m=7168,t=5,p=1$$",
            "$argon2id$v=19$m=99999999,t=5,p=1$c29tZXNhbHRzb21lc2FsdA$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE",
            "$argon2id$v=19$m=7168,t=999,p=1$c29tZXNhbHRzb21lc2FsdA$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE",
            "$argon2id$v=19$m=7168,t=5,p=99$c29tZXNhbHRzb21lc2FsdA$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE",
            "$argon2id$v=18$m=7168,t=5,p=1$c29tZXNhbHRzb21lc2FsdA$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE",
            "$argon2id$v=19$m=7168,t=5,p=1$c29tZXNhbHRzb21lc2FsdA$Y",
            "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"})
    void aDamagedOrForeignStoredValueChecksFalseWithoutThrowing(String stored) throws Exception {
        assertFalse(check("correct horse", stored));
        assertFalse(hasher.isCurrent(stored));
    }

    @Test
    void aSlotReusesItsMemorySoAHashAllocatesNextToNothing() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        PasswordHasher one = new PasswordHasher(new PasswordSettings(7168, 5, 1, Duration.ZERO));
        try (var slot = one.slot()) {
            one.hash(slot, "warm-up: the pool fills");
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            for (int i = 0; i < 5; i++) {
                one.hash(slot, "correct horse");
            }
            long perHash = (threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before) / 5;
            // Without the pool each hash allocates its 7 MiB anew (Password4j: about 78 MiB).
            assertTrue(perHash < 1 << 20, "allocated " + (perHash >> 10) + " KiB per hash");
        }
        assertEquals(1, one.freeSlots());
    }

    @Test
    void itsFiguresAreAnMBeanThatCountsEveryHashComputed() throws Exception {
        PasswordHasher one = AccountServiceTest.hasher();
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = AppListener.objectName("/figures-test");
        assertEquals("dev.twostep:type=PasswordHashing,context=\"/figures-test\"", name.toString());
        assertEquals("\"\"", AppListener.objectName("").getKeyProperty("context"), "the root context too");
        server.registerMBean(one.figures(), name);
        try {
            assertEquals("argon2id m=7168,t=5,p=1", server.getAttribute(name, "Parameters"));
            assertEquals(0L, server.getAttribute(name, "Hashes"));
            String stored;
            try (var slot = one.slot()) {
                assertEquals(1, server.getAttribute(name, "SlotsInUse"));
                stored = one.hash(slot, "correct horse");
                one.check(slot, "correct horse", stored);
                one.check(slot, "correct horse", "not a hash");
            }
            assertEquals(0, server.getAttribute(name, "SlotsInUse"));
            assertEquals(1L, server.getAttribute(name, "SlotsTaken"));
            assertEquals(3L, server.getAttribute(name, "Hashes"), "a new hash, a check and a decoy's check");
            assertEquals(0L, server.getAttribute(name, "RefusedBusy"));
            long cpu = (Long) server.getAttribute(name, "HashCpuNanos");
            if (ManagementFactory.getThreadMXBean().isCurrentThreadCpuTimeSupported()) {
                assertTrue(cpu > 0, "three Argon2 hashes took some CPU: " + cpu);
                assertTrue((Double) server.getAttribute(name, "HashCpuMillisPerHash") > 0);
            }
            try (var slot = one.slot()) {
                one.check(slot, "wrong horse", stored);
            }
            assertEquals(4L, server.getAttribute(name, "Hashes"));
            assertTrue(cpu < 0 || (Long) server.getAttribute(name, "HashCpuNanos") > cpu, "the CPU time grew");
        } finally {
            server.unregisterMBean(name);
        }
    }
}
