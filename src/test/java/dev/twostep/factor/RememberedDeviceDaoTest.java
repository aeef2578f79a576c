package dev.twostep.factor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.twostep.db.DataAccessException;
import dev.twostep.db.Jdbc;
import dev.twostep.testing.OpenDatabases;
import dev.twostep.testing.TestDatabases;

/** The remembered_devices table on a real SQLite file and, when configured, PostgreSQL. */
class RememberedDeviceDaoTest {
    private static final long NOW = 1_767_225_600_000L;
    private static final long DAY = 86_400_000L;

    @RegisterExtension
    final OpenDatabases databases = new OpenDatabases();

    private RememberedDeviceDao dao(String kind) {
        return new RememberedDeviceDao(new Jdbc(databases.open(kind).database().dataSource()));
    }

    private static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aRememberedDeviceIsFoundByItsTokenHashUntilItExpires(String kind) {
        RememberedDeviceDao dao = dao(kind);
        long id = dao.add("alice", hash("token-1"), "Firefox on Linux", NOW, NOW + 30 * DAY);

        RememberedDevice device = dao.findLive(hash("token-1"), NOW + 1).orElseThrow();
        assertEquals(new RememberedDevice(id, "alice", hash("token-1"), "Firefox on Linux", NOW, NOW,
                NOW + 30 * DAY, null), device);
        assertTrue(device.live(NOW + 1));
        assertTrue(dao.findLive(hash("token-2"), NOW + 1).isEmpty(), "another token");
        assertTrue(dao.findLive("token-1", NOW + 1).isEmpty(), "the token itself is not what is stored");
        assertTrue(dao.findLive(null, NOW + 1).isEmpty());

        assertTrue(dao.findLive(hash("token-1"), NOW + 30 * DAY - 1).isPresent());
        assertTrue(dao.findLive(hash("token-1"), NOW + 30 * DAY).isEmpty(), "expired");
        assertFalse(dao.touch(id, NOW + 30 * DAY), "an expired device is not touched");
        assertEquals(List.of(), dao.listLive("alice", NOW + 30 * DAY));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void aRevokedDeviceIsNotFound(String kind) {
        RememberedDeviceDao dao = dao(kind);
        long id = dao.add("alice", hash("token-1"), "Firefox", NOW, NOW + 30 * DAY);

        assertFalse(dao.revoke(id, "mallory", NOW + 1), "only its user revokes it");
        assertTrue(dao.findLive(hash("token-1"), NOW + 1).isPresent());
        assertTrue(dao.revoke(id, "alice", NOW + 2));
        assertFalse(dao.revoke(id, "alice", NOW + 3), "revoked once");

        assertTrue(dao.findLive(hash("token-1"), NOW + 3).isEmpty());
        assertFalse(dao.touch(id, NOW + 3));
        assertEquals(List.of(), dao.listLive("alice", NOW + 3));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void revokingAllLeavesOtherUsersAlone(String kind) {
        RememberedDeviceDao dao = dao(kind);
        dao.add("alice", hash("a1"), "Firefox", NOW, NOW + 30 * DAY);
        dao.add("alice", hash("a2"), "Safari", NOW, NOW + 30 * DAY);
        long revoked = dao.add("alice", hash("a3"), "Chrome", NOW, NOW + 30 * DAY);
        dao.revoke(revoked, "alice", NOW);
        dao.add("bob", hash("b1"), "Firefox", NOW, NOW + 30 * DAY);

        assertEquals(2, dao.revokeAll("alice", NOW + 1), "the ones not revoked already");
        assertEquals(0, dao.revokeAll("alice", NOW + 2));
        assertTrue(dao.findLive(hash("a1"), NOW + 2).isEmpty());
        assertTrue(dao.findLive(hash("a2"), NOW + 2).isEmpty());
        assertEquals(1, dao.listLive("bob", NOW + 2).size());
        assertTrue(dao.findLive(hash("b1"), NOW + 2).isPresent());
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void touchingAndListing(String kind) {
        RememberedDeviceDao dao = dao(kind);
        long first = dao.add("alice", hash("a1"), "Firefox", NOW, NOW + 30 * DAY);
        long second = dao.add("alice", hash("a2"), "Safari", NOW + 10, NOW + 30 * DAY);
        dao.add("alice", hash("a3"), "old", NOW - 40 * DAY, NOW - 10 * DAY);

        assertEquals(List.of(second, first), dao.listLive("alice", NOW + 20).stream().map(RememberedDevice::id).toList());
        assertTrue(dao.touch(first, NOW + 100));
        List<RememberedDevice> live = dao.listLive("alice", NOW + 200);
        assertEquals(List.of(first, second), live.stream().map(RememberedDevice::id).toList(), "most recently seen first");
        assertEquals(NOW + 100, live.get(0).lastSeenAt());
        assertEquals(NOW, live.get(0).createdAt());
        assertNull(live.get(0).revokedAt());
        assertEquals(List.of(), dao.listLive("nobody", NOW));
    }

    @ParameterizedTest
    @MethodSource(TestDatabases.KINDS)
    void labelsAreCutAndHashesChecked(String kind) {
        RememberedDeviceDao dao = dao(kind);
        String agent = "\uD83D\uDCBB".repeat(300);
        long id = dao.add("alice", hash("a1"), agent, NOW, NOW + DAY);
        String label = dao.findLive(hash("a1"), NOW).orElseThrow().label();
        assertEquals("\uD83D\uDCBB".repeat(RememberedDeviceDao.MAX_LABEL), label);
        assertEquals(id, dao.findLive(hash("a1"), NOW).orElseThrow().id());
        dao.add("alice", hash("a2"), null, NOW, NOW + DAY);
        assertEquals("", dao.findLive(hash("a2"), NOW).orElseThrow().label());

        assertThrows(IllegalArgumentException.class, () -> dao.add("alice", "raw-token", "x", NOW, NOW + DAY));
        assertThrows(IllegalArgumentException.class, () -> dao.add("alice", hash("a3").toUpperCase(java.util.Locale.ROOT),
                "x", NOW, NOW + DAY));
        assertThrows(DataAccessException.class, () -> dao.add("bob", hash("a1"), "x", NOW, NOW + DAY),
                "a token hash belongs to one device");
    }
}
