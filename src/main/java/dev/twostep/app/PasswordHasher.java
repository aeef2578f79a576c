package dev.twostep.app;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator.BlockPool;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in the PHC string format ({@code $argon2id$v=19$m=7168,t=5,p=1$salt$hash}),
 * through Bouncy Castle. Every computation happens inside a {@link HashSlots} slot, whose block pool
 * Argon2 works in: a slot reuses its memory from one hash to the next, so hashing allocates next to nothing
 * and holds at most slots times one hash's memory (docs/benchmarks.md: Password4j, used before, allocated
 * about eleven times a hash's memory per hash).
 *
 * <p>Any Argon2 PHC string checks (id, i or d; version 16 or 19; other costs), such as the Password4j
 * hashes stored before; {@link #isCurrent} tells the ones to compute again at the next sign-in.
 */
final class PasswordHasher {
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();

    private final PasswordSettings settings;
    private final HashSlots<BlockPool> slots;
    private final SecureRandom random = new SecureRandom();
    /** Random salt and hash at the configured cost: checked for unknown users, so they take as long as known ones. */
    private final Phc decoy;

    PasswordHasher(PasswordSettings settings) {
        this.settings = settings;
        int blocks = Argon2BytesGenerator.getBlockCount(settings.memoryKib(), 1);
        // Each pool keeps the blocks of one hash; bigger (older) hashes borrow the rest and drop it after.
        this.slots = new HashSlots<>(settings.maxConcurrent(), settings.queueWait(),
                () -> new Argon2BytesGenerator.FixedBlockPool(blocks));
        this.decoy = new Phc(Argon2Parameters.ARGON2_id, Argon2Parameters.ARGON2_VERSION_13, settings.memoryKib(),
                settings.iterations(), 1, randomBytes(SALT_BYTES), randomBytes(HASH_BYTES));
    }

    /**
     * Waits for a hashing slot (at most the queue wait). Every method that computes a hash takes the slot,
     * so no hash runs outside one.
     */
    HashSlots<BlockPool>.Slot slot() throws HashingBusyException {
        return slots.enter();
    }

    /** A new hash at the configured cost, with a random salt. */
    String hash(HashSlots<BlockPool>.Slot slot, String password) {
        Phc phc = new Phc(Argon2Parameters.ARGON2_id, Argon2Parameters.ARGON2_VERSION_13, settings.memoryKib(),
                settings.iterations(), 1, randomBytes(SALT_BYTES), new byte[HASH_BYTES]);
        return phc.withHash(compute(slot, phc, password)).format();
    }

    /** True when the password gives the stored hash; false too for a stored value that is no Argon2 hash. */
    boolean check(HashSlots<BlockPool>.Slot slot, String password, String storedHash) {
        Optional<Phc> stored = Phc.parse(storedHash);
        if (stored.isEmpty()) {
            wasteTime(slot, password);
            return false;
        }
        return MessageDigest.isEqual(compute(slot, stored.get(), password), stored.get().hash());
    }

    /** Spends the time of a real check, for a user that does not exist. */
    void wasteTime(HashSlots<BlockPool>.Slot slot, String password) {
        // Compared like a real hash, so that nothing about this path differs but the outcome.
        MessageDigest.isEqual(compute(slot, decoy, password), decoy.hash());
    }

    /** True when the stored hash was made with today's algorithm and cost; otherwise rehash it at sign-in. */
    boolean isCurrent(String storedHash) {
        return Phc.parse(storedHash).filter(p -> p.type() == Argon2Parameters.ARGON2_id
                && p.version() == Argon2Parameters.ARGON2_VERSION_13 && p.memoryKib() == settings.memoryKib()
                && p.iterations() == settings.iterations() && p.lanes() == 1 && p.hash().length == HASH_BYTES
                && p.salt().length >= SALT_BYTES).isPresent();
    }

    /** Slots free right now (for tests). */
    int freeSlots() {
        return slots.available();
    }

    /** The operator's figures of this hasher's slots, for JMX. */
    PasswordHashingMXBean figures() {
        return new PasswordHashing(slots, settings);
    }

    private static byte[] compute(HashSlots<BlockPool>.Slot slot, Phc p, String password) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(p.type()).withVersion(p.version()).withMemoryAsKB(p.memoryKib())
                .withIterations(p.iterations()).withParallelism(p.lanes()).withSalt(p.salt())
                .withBlockPool(slot.resource()).build());
        byte[] secret = password.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[p.hash().length];
        try {
            // Counted by the slot, with the CPU time it took (PasswordHashingMXBean).
            slot.hash(() -> generator.generateBytes(secret, out));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        return out;
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    /**
     * An Argon2 hash in the PHC string format. The version is 16 when the string has none (Argon2's
     * reference format before 1.3). Costs are bounded so that a damaged row cannot stall a sign-in.
     */
    record Phc(int type, int version, int memoryKib, int iterations, int lanes, byte[] salt, byte[] hash) {
        private static final Pattern FORMAT = Pattern.compile("\\$argon2(id|i|d)\\$(?:v=(16|19)\\$)?m=(\\d{1,7}),"
                + "t=(\\d{1,3}),p=(\\d{1,2})\\$([A-Za-z0-9+/]{11,86})\\$([A-Za-z0-9+/]{6,86})");

        static Optional<Phc> parse(String value) {
            Matcher m = value == null ? null : FORMAT.matcher(value);
            if (m == null || !m.matches()) {
                return Optional.empty();
            }
            int type = switch (m.group(1)) {
                case "id" -> Argon2Parameters.ARGON2_id;
                case "i" -> Argon2Parameters.ARGON2_i;
                default -> Argon2Parameters.ARGON2_d;
            };
            int version = m.group(2) == null ? Argon2Parameters.ARGON2_VERSION_10 : Integer.parseInt(m.group(2));
            int memory = Integer.parseInt(m.group(3));
            int iterations = Integer.parseInt(m.group(4));
            int lanes = Integer.parseInt(m.group(5));
            if (lanes < 1 || lanes > 16 || iterations < 1 || iterations > 100 || memory < 8 * lanes
                    || memory > 1 << 22) {
                return Optional.empty();
            }
            try {
                byte[] salt = Base64.getDecoder().decode(m.group(6));
                byte[] hash = Base64.getDecoder().decode(m.group(7));
                if (salt.length < 8 || hash.length < 4) {
                    return Optional.empty();
                }
                return Optional.of(new Phc(type, version, memory, iterations, lanes, salt, hash));
            } catch (IllegalArgumentException notBase64) {
                return Optional.empty();
            }
        }

        Phc withHash(byte[] computed) {
            return new Phc(type, version, memoryKib, iterations, lanes, salt, computed);
        }

        String format() {
            String name = type == Argon2Parameters.ARGON2_id ? "argon2id" : type == Argon2Parameters.ARGON2_i
                    ? "argon2i" : "argon2d";
            return "$" + name + "$v=" + version + "$m=" + memoryKib + ",t=" + iterations + ",p=" + lanes + "$"
                    + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
        }
    }
}
