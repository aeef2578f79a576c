package dev.twostep.code;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.audit.LogText;
import dev.twostep.code.VerifyResult.Outcome;
import dev.twostep.db.Jdbc;
import dev.twostep.delivery.Channel;
import dev.twostep.delivery.CodeMessage;
import dev.twostep.delivery.CodeSender;
import dev.twostep.delivery.DeliveryException;
import dev.twostep.delivery.PhoneMask;
import dev.twostep.limits.LimitedException;
import dev.twostep.limits.Lockouts;

/**
 * One-time codes: made with SecureRandom, stored only as a keyed hash, valid for a short time, single
 * use, with a bounded number of tries, and bound to the user and to the challenge (the sign-in attempt)
 * they were sent for. A new send replaces the previous code.
 */
public final class CodeService {
    private static final Logger LOG = LoggerFactory.getLogger(CodeService.class);

    /** The rules for codes. */
    public record Policy(int length, Duration ttl, int maxAttempts) {
        public Policy {
            if (length < 6 || length > 10) {
                throw new IllegalArgumentException("code length must be 6 to 10");
            }
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1");
            }
            Objects.requireNonNull(ttl);
        }
    }

    private final ChallengeDao dao;
    private final SendLimits sendLimits;
    private final Lockouts codeLocks;
    private final CodeHasher hasher;
    private final CodeSender sender;
    private final Policy policy;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private static final int PURGE_BATCH = 1000;

    public CodeService(Jdbc jdbc, byte[] secret, CodeSender sender, Policy policy, Clock clock) {
        this(jdbc, secret, sender, policy, clock, SendLimits.NONE, null);
    }

    /**
     * @param sendLimits limits on sends per user, number, client address and server
     * @param codeLocks consecutive wrong codes per account, or null for none
     */
    public CodeService(Jdbc jdbc, byte[] secret, CodeSender sender, Policy policy, Clock clock, SendLimits sendLimits,
                       Lockouts codeLocks) {
        this.dao = new ChallengeDao(jdbc);
        this.sendLimits = Objects.requireNonNull(sendLimits, "sendLimits");
        this.codeLocks = codeLocks;
        this.hasher = new CodeHasher(secret);
        this.sender = Objects.requireNonNull(sender, "sender");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Policy policy() {
        return policy;
    }

    /**
     * Makes a new code, stores its hash, and sends it. Once the send succeeded, every older open code of
     * this user stops working. No database connection is held while the sender runs.
     *
     * @return the new challenge, whose id the caller keeps in the session; its delivery status is
     *         {@link Challenge#UNCERTAIN} when the sender got no answer but may have handed the code over
     * @throws DeliveryException when the sender failed; the new code is cancelled and older ones stay
     */
    public Challenge issue(String username, String destination, Channel channel, Purpose purpose, Locale locale)
            throws DeliveryException, LimitedException {
        return issue(username, destination, channel, purpose, locale, null);
    }

    /**
     * As {@link #issue(String, String, Channel, Purpose, Locale)}, counted against the send limits of the user,
     * the number, the client address and the server. A refused or failed send counts nothing.
     *
     * @throws LimitedException when a limit is reached, or the account's second step is locked
     */
    public Challenge issue(String username, String destination, Channel channel, Purpose purpose, Locale locale,
                           String clientAddress) throws DeliveryException, LimitedException {
        return issue(username, destination, channel, purpose, locale, clientAddress, null);
    }

    /**
     * As above, for a sign-in to a confirmed phone: {@code confirmedAt} (when the phone was confirmed, or null
     * when it is not) decides which send budget the code counts in (see {@link SendLimits}).
     */
    public Challenge issue(String username, String destination, Channel channel, Purpose purpose, Locale locale,
                           String clientAddress, Long confirmedAt) throws DeliveryException, LimitedException {
        long now = clock.millis();
        Optional<Duration> locked = codeLock(username, now);
        if (locked.isPresent()) {
            throw new LimitedException(Lockouts.permanent(locked.get()) ? LimitedException.Limit.CODE_BLOCKED
                    : LimitedException.Limit.CODE_LOCK, locked.get());
        }
        List<Long> counted = sendLimits.acquire(username, destination, clientAddress,
                purpose == Purpose.LOGIN ? confirmedAt : null, now);
        Challenge challenge = new Challenge(newId(), username, purpose, channel, destination, now,
                now + policy.ttl().toMillis(), 0, null, null, null, null, null);
        String code = newCode();
        dao.insert(challenge, hasher.hash(challenge.id(), code));
        String providerId;
        try {
            providerId = sender.send(new CodeMessage(challenge.id(), destination, channel, code, policy.ttl(), locale));
        } catch (DeliveryException e) {
            if (e.reason() == DeliveryException.Reason.MAYBE_SENT) {
                return uncertain(challenge, e);
            }
            sendLimits.release(counted);
            dao.revoke(challenge.id(), clock.millis());
            LOG.warn("Sending a code to user {} by {} to {} failed: {} (provider code {})", LogText.safe(username), channel,
                    PhoneMask.mask(destination), e.reason(), e.providerCode());
            throw e;
        } catch (RuntimeException e) {
            sendLimits.release(counted);
            dao.revoke(challenge.id(), clock.millis());
            LOG.error("Sending a code to user {} by {} failed unexpectedly: {}", LogText.safe(username), channel, e.toString());
            throw new DeliveryException(DeliveryException.Reason.TRY_LATER, null, e.toString(), e);
        }
        // Replacing older codes, the provider's id and reading the row back: one transaction.
        Optional<Challenge> stored = dao.sent(username, challenge.id(), challenge.createdAt(), clock.millis(), providerId);
        LOG.info("Code sent to user {} by {} to {}{}", LogText.safe(username), channel, PhoneMask.mask(destination),
                providerId == null ? "" : " (" + providerId + ")");
        return stored.orElse(challenge);
    }

    /**
     * The send got no answer, but the provider may have had it and may deliver (and bill) the code. So the
     * code is treated as sent: it stays valid, keeps its send-limit counts and replaces older codes, and it
     * is marked uncertain so the page can say it may take a moment, or may not come.
     */
    private Challenge uncertain(Challenge challenge, DeliveryException e) {
        dao.revokeOlder(challenge.username(), challenge.id(), challenge.createdAt(), clock.millis());
        dao.markUncertain(challenge.id());
        LOG.warn("A code to user {} by {} to {} may or may not have been sent ({}); it stays valid",
                LogText.safe(challenge.username()), challenge.channel(), PhoneMask.mask(challenge.destination()),
                e.getMessage());
        return dao.find(challenge.id(), challenge.username()).orElse(challenge);
    }

    /**
     * Checks a typed code against the challenge. Each check first takes one try from the code in a single
     * conditional UPDATE (live, not expired, tries left), then compares hashes in constant time, then
     * uses the code up in a single conditional UPDATE that only one caller can win.
     */
    public VerifyResult verify(String username, long challengeId, String typed) {
        String code = normalize(typed);
        if (code == null) {
            return VerifyResult.of(Outcome.MALFORMED);
        }
        long now = clock.millis();
        Optional<Duration> locked = codeLock(username, now);
        if (locked.isPresent()) {
            return VerifyResult.locked(locked.get());
        }
        if (!dao.takeAttempt(challengeId, username, now, policy.maxAttempts())) {
            return VerifyResult.of(whyNotLive(username, challengeId, now));
        }
        Optional<String> hash = dao.findHash(challengeId, username);
        if (hash.isPresent() && hasher.matches(challengeId, code, hash.get())) {
            if (dao.consume(challengeId, username, clock.millis())) {
                Challenge used = dao.find(challengeId, username).orElseThrow();
                if (codeLocks != null) {
                    codeLocks.reset(username);
                }
                LOG.info("Code accepted for user {}", LogText.safe(username));
                return new VerifyResult(Outcome.ACCEPTED, 0, used, null);
            }
            return VerifyResult.of(Outcome.NOT_ACTIVE);
        }
        Challenge after = dao.find(challengeId, username).orElseThrow();
        int left = Math.max(0, policy.maxAttempts() - after.attempts());
        LOG.warn("Wrong code for user {} ({} tries left on this code)", LogText.safe(username), left);
        if (codeLocks != null) {
            Optional<Duration> lock = codeLocks.fail(username, clock.millis());
            if (lock.isPresent() && Lockouts.permanent(lock.get())) {
                LOG.warn("Second step locked for user {} until an operator unlocks it: the cap of wrong codes without"
                        + " a success was reached (twostep.limits.code-failures-cap)", LogText.safe(username));
                return VerifyResult.justBlocked(after);
            }
            if (lock.isPresent()) {
                LOG.warn("Second step locked for user {} for {} min after {} wrong codes in a row", LogText.safe(username),
                        lock.get().toMinutes(), codeLocks.threshold());
                return VerifyResult.locked(lock.get());
            }
        }
        return left == 0 ? VerifyResult.of(Outcome.TOO_MANY_ATTEMPTS) : new VerifyResult(Outcome.WRONG, left, after, null);
    }

    /**
     * Checks a code of a factor that needs nothing sent (an authenticator app), under the same lock as sent
     * codes: a locked second step refuses it unchecked, a wrong one counts in the same run of failures
     * (same threshold, delays and cap), and a right one clears the run as a right sent code does. So a
     * guesser gets no extra tries by switching between factors. Call only for a well-formed code: a typo of
     * form is not a guess and the caller refuses it without counting.
     *
     * <p>Such a code has no limit of tries of its own (a sent code has one, taken in one UPDATE), so the
     * try is counted before it is checked: of parallel tries, those counted past the one that locks find
     * the lock and are refused unchecked, instead of all being checked before any failure is counted.
     *
     * @param check checks the code (and uses it up, so it counts once); true when it is right
     * @param justBlocked run once when this very failure reached the cap, to tell the user
     * @return ACCEPTED, WRONG (attempts left unknown: 0), LOCKED or BLOCKED
     */
    public VerifyResult verifyWithoutChallenge(String username, BooleanSupplier check, Runnable justBlocked) {
        Optional<Duration> locked = codeLock(username, clock.millis());
        if (locked.isPresent()) {
            return VerifyResult.locked(locked.get());
        }
        Optional<Duration> lock = Optional.empty();
        if (codeLocks != null) {
            lock = codeLocks.fail(username, clock.millis());
            if (lock.isEmpty()) {
                Optional<Duration> meanwhile = codeLock(username, clock.millis());
                if (meanwhile.isPresent()) {
                    // A parallel try reached the lock first: this one stays counted and is not checked.
                    return VerifyResult.locked(meanwhile.get());
                }
            }
        }
        if (check.getAsBoolean()) {
            if (codeLocks != null) {
                // Takes back the count of this try, and any lock it set, as a right sent code does.
                codeLocks.reset(username);
            }
            LOG.info("Authenticator code accepted for user {}", LogText.safe(username));
            return VerifyResult.of(Outcome.ACCEPTED);
        }
        LOG.warn("Wrong authenticator code for user {}", LogText.safe(username));
        if (lock.isPresent() && Lockouts.permanent(lock.get())) {
            LOG.warn("Second step locked for user {} until an operator unlocks it: the cap of wrong codes without"
                    + " a success was reached (twostep.limits.code-failures-cap)", LogText.safe(username));
            justBlocked.run();
            return VerifyResult.of(Outcome.BLOCKED);
        }
        if (lock.isPresent()) {
            LOG.warn("Second step locked for user {} for {} min after {} wrong codes in a row", LogText.safe(username),
                    lock.get().toMinutes(), codeLocks.threshold());
            return VerifyResult.locked(lock.get());
        }
        return VerifyResult.of(Outcome.WRONG);
    }

    /** How long this user's second step stays locked after wrong codes, or empty. */
    private Optional<Duration> codeLock(String username, long now) {
        return codeLocks == null ? Optional.empty() : codeLocks.lockedFor(username, now);
    }

    /** The challenge with this id for this user, in whatever state (used, replaced, expired or live). */
    public Optional<Challenge> find(String username, long challengeId) {
        return dao.find(challengeId, username);
    }

    /**
     * Records a delivery report from the provider against the code it was about.
     *
     * @return false when no code has that provider id (or its final status is already known)
     */
    public boolean recordDelivery(String providerId, String status, String errorCode) {
        return dao.recordStatus(providerId, status, errorCode) > 0;
    }

    /**
     * Deletes the rows of codes sent before a time (they hold full phone numbers), a batch at a time.
     * Retention is in days and codes live an hour at most, so no live code is ever among them.
     *
     * @return the rows removed
     */
    public long purgeSentBefore(Instant before) {
        return dao.purgeCreatedBefore(before.toEpochMilli(), PURGE_BATCH);
    }

    /** A code that can still be used: not used, replaced, expired or out of tries. */
    public Optional<Challenge> findLive(long challengeId) {
        long now = clock.millis();
        return dao.findById(challengeId).filter(c -> c.consumedAt() == null && c.revokedAt() == null
                && c.expiresAt() > now && c.attempts() < policy.maxAttempts());
    }

    private Outcome whyNotLive(String username, long challengeId, long now) {
        Optional<Challenge> found = dao.find(challengeId, username);
        if (found.isEmpty()) {
            return Outcome.NOT_ACTIVE;
        }
        Challenge c = found.get();
        if (c.consumedAt() != null || c.revokedAt() != null) {
            return Outcome.NOT_ACTIVE;
        }
        if (c.attempts() >= policy.maxAttempts()) {
            return Outcome.TOO_MANY_ATTEMPTS;
        }
        return c.expiresAt() <= now ? Outcome.EXPIRED : Outcome.NOT_ACTIVE;
    }

    /** Digits only, of the configured length, after dropping spaces and dashes people type. */
    String normalize(String typed) {
        if (typed == null || typed.length() > 64) {
            return null;
        }
        String digits = typed.replaceAll("[\\s-]", "");
        if (digits.length() != policy.length()) {
            return null;
        }
        for (int i = 0; i < digits.length(); i++) {
            char ch = digits.charAt(i);
            if (ch < '0' || ch > '9') {
                return null;
            }
        }
        return digits;
    }

    String newCode() {
        long bound = 1;
        for (int i = 0; i < policy.length(); i++) {
            bound *= 10;
        }
        return String.format(Locale.ROOT, "%0" + policy.length() + "d", random.nextLong(bound));
    }

    private long newId() {
        long id;
        do {
            id = random.nextLong() & Long.MAX_VALUE;
        } while (id == 0);
        return id;
    }
}
