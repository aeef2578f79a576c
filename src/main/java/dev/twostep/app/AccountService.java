package dev.twostep.app;

import static dev.twostep.db.Jdbc.params;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator.BlockPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.audit.LogText;
import dev.twostep.db.DataAccessException;
import dev.twostep.db.Jdbc;
import dev.twostep.delivery.Channel;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.guard.ClientAddress;
import dev.twostep.limits.LimitedException;
import dev.twostep.limits.LockKeys;
import dev.twostep.limits.Lockouts;
import dev.twostep.limits.RateLimiter;

/** The standalone app's own accounts: registration and password sign-in. */
public final class AccountService {
    private static final Logger LOG = LoggerFactory.getLogger(AccountService.class);

    static final int MIN_PASSWORD = 8;
    static final int MAX_PASSWORD = 128;
    static final int MAX_USERNAME = 64;
    private static final Pattern USERNAME = Pattern.compile("[a-z0-9][a-z0-9._@-]{2,63}");

    private static final String INSERT = "INSERT INTO accounts (username, password_hash, created_at)"
            + " VALUES (?, ?, ?) ON CONFLICT (username) DO NOTHING";
    private static final String FIND_HASH = "SELECT password_hash FROM accounts WHERE username = ?";
    private static final String SET_HASH = "UPDATE accounts SET password_hash = ? WHERE username = ?";
    /** Only over the hash that was checked: a password changed meanwhile is not overwritten. */
    private static final String REHASH = "UPDATE accounts SET password_hash = ? WHERE username = ? AND password_hash = ?";

    private final Jdbc jdbc;
    private final PhoneDao phones;
    private final PasswordHasher hasher;
    private final Clock clock;
    private final Lockouts locks;
    private final RateLimiter limiter;
    private final RateLimiter.Rule perAddress;
    private final LockKeys lockKeys;

    AccountService(Jdbc jdbc, PhoneDao phones, PasswordHasher hasher, Clock clock) {
        this(jdbc, phones, hasher, clock, null, null, null, null);
    }

    /**
     * @param hasher computes password hashes, a bounded number at once
     * @param locks consecutive failed passwords per account, with growing locks
     * @param limiter where failed passwords per client address are counted
     * @param perAddress how many failed passwords a client address may have in a window
     * @param lockKeys the keys typed names are locked under (needed with {@code locks})
     */
    AccountService(Jdbc jdbc, PhoneDao phones, PasswordHasher hasher, Clock clock, Lockouts locks,
                   RateLimiter limiter, RateLimiter.Rule perAddress, LockKeys lockKeys) {
        this.jdbc = jdbc;
        this.phones = phones;
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.clock = clock;
        this.locks = locks;
        this.limiter = limiter;
        this.perAddress = perAddress;
        this.lockKeys = locks == null ? null : Objects.requireNonNull(lockKeys, "lockKeys");
    }

    /**
     * The outcome of a sign-in: OK, a wrong name or password, or refused for now (with the wait).
     *
     * @param locked true when this failure started a lock (for the audit trail)
     */
    public record SignIn(Outcome outcome, Duration retryAfter, boolean locked) {
        public enum Outcome { OK, WRONG, THROTTLED }
    }

    /**
     * Signs in with the throttles applied: too many failures for the account (growing locks) or from the
     * client address refuse even the right password until the wait is over. Each try is counted before the
     * slow password check and taken back when it succeeds, so a burst of parallel tries gets no more checks
     * than the limits allow. Unknown names are counted and locked like known ones, under a keyed hash of the
     * name ({@link LockKeys}), so locks tell nothing about which names exist and no typed name (often a
     * mistyped password) is kept or can be recovered from the table. A right password whose stored hash has
     * another algorithm or cost than the configured ones is hashed again and stored.
     *
     * @throws HashingBusyException when no hashing slot came free in time; then nothing was counted
     */
    public SignIn signIn(String username, String password, String address) throws HashingBusyException {
        if (username.length() > MAX_USERNAME) {
            return new SignIn(SignIn.Outcome.WRONG, null, false);
        }
        // The slot comes first: a sign-in refused for want of one has counted no try, toward neither the
        // account's lock nor the address's limit, so there is nothing to take back.
        String upgraded = null;
        String stored;
        boolean ok;
        try (var slot = hasher.slot()) {
            long now = clock.millis();
            Long counted = null;
            if (limiter != null && address != null) {
                try {
                    counted = limiter.acquire(perAddress, ClientAddress.limitKey(address), now,
                            LimitedException.Limit.PASSWORD_LOCK);
                } catch (LimitedException e) {
                    LOG.warn("Sign-in refused: too many failures from {}", address);
                    return new SignIn(SignIn.Outcome.THROTTLED, e.retryAfter(), false);
                }
            }
            String lockKey = locks == null ? null : lockKeys.of(username);
            if (locks != null) {
                Optional<Duration> refused = locks.attempt(lockKey, now);
                if (refused.isPresent()) {
                    if (counted != null) {
                        limiter.release(counted);
                    }
                    return new SignIn(SignIn.Outcome.THROTTLED, refused.get(), false);
                }
            }
            stored = verify(slot, username, password).orElse(null);
            ok = stored != null;
            if (ok && !hasher.isCurrent(stored)) {
                upgraded = hasher.hash(slot, password);
            }
            slot.close();
            // From here on only database work: the slot is already free for the next hash.
            if (!ok) {
                boolean nowLocked = locks != null && locks.lockedFor(lockKey, now).isPresent();
                return new SignIn(SignIn.Outcome.WRONG, null, nowLocked);
            }
            if (locks != null) {
                locks.reset(lockKey);
            }
            if (counted != null) {
                limiter.release(counted);
            }
        }
        if (upgraded != null) {
            store(username, stored, upgraded);
        }
        return new SignIn(SignIn.Outcome.OK, null, false);
    }

    /** Stores a hash at today's cost in place of the one just checked; a failure here fails no sign-in. */
    private void store(String username, String checked, String upgraded) {
        try {
            if (jdbc.update("storing a rehashed password", REHASH, params(upgraded, username, checked)) == 1) {
                LOG.info("Password hash of user {} moved to the configured algorithm and cost", LogText.safe(username));
            }
        } catch (DataAccessException e) {
            LOG.warn("The password hash of user {} could not be moved to the configured cost: {}",
                    LogText.safe(username), e.getMessage());
        }
    }

    /**
     * Changes the password of a signed-in user. The current password is checked as at sign-in, in the same
     * limits (the account's growing locks, failures per client address), so this form is no way around them;
     * only when it is right is the new one hashed and stored. The caller checks the new password first
     * ({@link #passwordAcceptable}) and ends the user's other sessions after.
     *
     * @return the check of the current password: OK when the new one is stored
     * @throws HashingBusyException when no hashing slot came free in time; nothing was stored then
     * @throws IllegalArgumentException when the new password breaks the rules
     */
    public SignIn changePassword(String username, String current, String fresh, String address)
            throws HashingBusyException {
        if (!passwordAcceptable(fresh)) {
            throw new IllegalArgumentException("the new password breaks the rules");
        }
        SignIn check = signIn(username, current == null ? "" : current, address);
        if (check.outcome() != SignIn.Outcome.OK) {
            return check;
        }
        String hash;
        try (var slot = hasher.slot()) {
            hash = hasher.hash(slot, fresh);
        }
        jdbc.update("changing a password", SET_HASH, params(hash, username));
        LOG.info("Password of user {} changed", LogText.safe(username));
        return check;
    }

    /**
     * Checks the password of a user who is already signed in (before a sensitive change). Not counted toward
     * the account's sign-in lock: a stolen session must not be able to lock its owner out by typing wrong
     * passwords here. The caller bounds the tries per session instead.
     *
     * @throws HashingBusyException when no hashing slot came free in time; the caller counts no try then
     */
    public boolean confirmPassword(String username, String password) throws HashingBusyException {
        return username.length() <= MAX_USERNAME && authenticate(username, password == null ? "" : password);
    }

    /** True when an account of this name exists (for the audit trail, never for the page). */
    public boolean exists(String username) {
        return username.length() <= MAX_USERNAME && jdbc.queryOne("reading an account", FIND_HASH, params(username),
                rs -> Boolean.TRUE).isPresent();
    }

    /** Problems a registration form can have; each is a message key on the page. */
    public enum Problem { USERNAME_INVALID, USERNAME_TAKEN, PASSWORD_LENGTH }

    /** User names are compared without case; stored in lower case. */
    public static String normalizeUsername(String typed) {
        return typed == null ? "" : typed.strip().toLowerCase(Locale.ROOT);
    }

    /** Checks a user name and password for registration, before anything is stored. */
    public static Set<Problem> check(String username, String password) {
        Set<Problem> problems = EnumSet.noneOf(Problem.class);
        if (!USERNAME.matcher(username).matches()) {
            problems.add(Problem.USERNAME_INVALID);
        }
        if (!passwordAcceptable(password)) {
            problems.add(Problem.PASSWORD_LENGTH);
        }
        return problems;
    }

    /** The rule for a new password, at registration and on a change: 8 to 128 characters. */
    public static boolean passwordAcceptable(String password) {
        int length = password == null ? 0 : password.codePointCount(0, password.length());
        return length >= MIN_PASSWORD && length <= MAX_PASSWORD;
    }

    /**
     * Creates an account with its (unconfirmed) phone in one transaction.
     *
     * @return empty when created, or the problem
     * @throws HashingBusyException when no hashing slot came free in time; nothing was stored then
     */
    public Optional<Problem> register(String username, String password, String phoneE164, Channel channel)
            throws HashingBusyException {
        Set<Problem> problems = check(username, password);
        if (!problems.isEmpty()) {
            return Optional.of(problems.iterator().next());
        }
        String hash;
        try (var slot = hasher.slot()) {
            hash = hasher.hash(slot, password);
        }
        long now = clock.millis();
        boolean created = jdbc.inTransaction("registering an account", c -> {
            if (Jdbc.update(c, INSERT, params(username, hash, now)) == 0) {
                return false;
            }
            if (phoneE164 == null ? phones.known(c, username) : !phones.insertIfAbsent(c, username, phoneE164, channel, now)) {
                // A guarded host app sharing this database already knows this name: it is taken.
                c.rollback();
                return false;
            }
            return true;
        });
        if (!created) {
            return Optional.of(Problem.USERNAME_TAKEN);
        }
        LOG.info("Registered user {}", username);
        return Optional.empty();
    }

    /**
     * Checks a password. An unknown user costs the same hashing time as a known one, and both failures
     * look the same to the caller.
     *
     * @throws HashingBusyException when no hashing slot came free in time
     */
    public boolean authenticate(String username, String password) throws HashingBusyException {
        try (var slot = hasher.slot()) {
            return verify(slot, username, password).isPresent();
        }
    }

    /** The stored hash when the password is right, else empty; the same hashing time either way. */
    private Optional<String> verify(HashSlots<BlockPool>.Slot slot, String username, String password) {
        if (password == null || password.length() > MAX_PASSWORD * 2 || username.length() > MAX_USERNAME) {
            hasher.wasteTime(slot, "");
            return Optional.empty();
        }
        Optional<String> hash = jdbc.queryOne("reading an account", FIND_HASH, params(username),
                rs -> rs.getString(1));
        if (hash.isEmpty()) {
            hasher.wasteTime(slot, password);
            LOG.warn("Sign-in failed: unknown user");
            return Optional.empty();
        }
        if (!hasher.check(slot, password, hash.get())) {
            LOG.warn("Sign-in failed: wrong password for user {}", LogText.safe(username));
            return Optional.empty();
        }
        return hash;
    }
}
