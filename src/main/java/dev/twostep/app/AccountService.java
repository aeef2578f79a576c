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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.db.Jdbc;
import dev.twostep.delivery.Channel;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.guard.ClientAddress;
import dev.twostep.limits.LimitedException;
import dev.twostep.limits.LockKeys;
import dev.twostep.limits.Lockouts;
import dev.twostep.limits.RateLimiter;
import dev.twostep.web.Logs;

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

    private final Jdbc jdbc;
    private final PhoneDao phones;
    private final PasswordHasher hasher;
    private final Clock clock;
    private final Lockouts locks;
    private final RateLimiter limiter;
    private final RateLimiter.Rule perAddress;
    private final LockKeys lockKeys;

    public AccountService(Jdbc jdbc, PhoneDao phones, int memoryKib, int iterations, Clock clock) {
        this(jdbc, phones, memoryKib, iterations, clock, null, null, null, null);
    }

    /**
     * @param locks consecutive failed passwords per account, with growing locks
     * @param limiter where failed passwords per client address are counted
     * @param perAddress how many failed passwords a client address may have in a window
     * @param lockKeys the keys typed names are locked under (needed with {@code locks})
     */
    public AccountService(Jdbc jdbc, PhoneDao phones, int memoryKib, int iterations, Clock clock, Lockouts locks,
                          RateLimiter limiter, RateLimiter.Rule perAddress, LockKeys lockKeys) {
        this.jdbc = jdbc;
        this.phones = phones;
        this.hasher = new PasswordHasher(memoryKib, iterations);
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
     * mistyped password) is kept or can be recovered from the table.
     */
    public SignIn signIn(String username, String password, String address) {
        long now = clock.millis();
        if (username.length() > MAX_USERNAME) {
            return new SignIn(SignIn.Outcome.WRONG, null, false);
        }
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
        if (authenticate(username, password)) {
            if (locks != null) {
                locks.reset(lockKey);
            }
            if (counted != null) {
                limiter.release(counted);
            }
            return new SignIn(SignIn.Outcome.OK, null, false);
        }
        boolean nowLocked = locks != null && locks.lockedFor(lockKey, now).isPresent();
        return new SignIn(SignIn.Outcome.WRONG, null, nowLocked);
    }

    /**
     * Checks the password of a user who is already signed in (before a sensitive change). Not counted toward
     * the account's sign-in lock: a stolen session must not be able to lock its owner out by typing wrong
     * passwords here. The caller bounds the tries per session instead.
     */
    public boolean confirmPassword(String username, String password) {
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
        int length = password == null ? 0 : password.codePointCount(0, password.length());
        if (length < MIN_PASSWORD || length > MAX_PASSWORD) {
            problems.add(Problem.PASSWORD_LENGTH);
        }
        return problems;
    }

    /**
     * Creates an account with its (unconfirmed) phone in one transaction.
     *
     * @return empty when created, or the problem
     */
    public Optional<Problem> register(String username, String password, String phoneE164, Channel channel) {
        Set<Problem> problems = check(username, password);
        if (!problems.isEmpty()) {
            return Optional.of(problems.iterator().next());
        }
        String hash = hasher.hash(password);
        long now = clock.millis();
        boolean created = jdbc.inTransaction("registering an account", c -> {
            if (Jdbc.update(c, INSERT, params(username, hash, now)) == 0) {
                return false;
            }
            if (!phones.insertIfAbsent(c, username, phoneE164, channel, now)) {
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
     */
    public boolean authenticate(String username, String password) {
        if (password == null || password.length() > MAX_PASSWORD * 2 || username.length() > MAX_USERNAME) {
            hasher.wasteTime("");
            return false;
        }
        Optional<String> hash = jdbc.queryOne("reading an account", FIND_HASH, params(username),
                rs -> rs.getString(1));
        if (hash.isEmpty()) {
            hasher.wasteTime(password);
            LOG.warn("Sign-in failed: unknown user");
            return false;
        }
        boolean ok = hasher.check(password, hash.get());
        if (!ok) {
            LOG.warn("Sign-in failed: wrong password for user {}", Logs.safe(username));
        }
        return ok;
    }
}
