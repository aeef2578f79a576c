package dev.twostep.web;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.audit.AuditLog;
import dev.twostep.audit.LogText;
import dev.twostep.code.Challenge;
import dev.twostep.code.CodeService;
import dev.twostep.code.Purpose;
import dev.twostep.code.VerifyResult;
import dev.twostep.config.TwostepConfig;
import dev.twostep.delivery.Channel;
import dev.twostep.delivery.CodeSender;
import dev.twostep.delivery.DeliveryException;
import dev.twostep.delivery.PhoneMask;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.factor.AuthenticatorApps;
import dev.twostep.factor.RecoveryCodeDao;
import dev.twostep.factor.RecoveryCodes;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardSession;
import dev.twostep.guard.GuardState;
import dev.twostep.guard.Http;
import dev.twostep.guard.ReturnTo;
import dev.twostep.guard.SetupOwed;
import dev.twostep.limits.LimitedException;

/**
 * The code page ({@code <pages-path>/code}). Viewing it never sends anything: the first code of a sign-in
 * is sent by the step before (a POST: the password, registration, enrollment), or, where the host app's own
 * login came first, by the person pressing "Text me a code" / "Call me" here. It then takes the typed code,
 * or sends a new one ("send a new code"), or sends one through the other channel ("call me instead" /
 * "text me instead"). A phone that is not confirmed yet gets its confirmation here: the first accepted
 * code confirms it. A user with no phone is sent to the enrollment page.
 */
public class CodeServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CodeServlet.class);

    private transient CodeService codes;
    private transient PhoneDao phones;
    private transient Views views;
    private transient TwostepConfig config;
    private transient Clock clock;
    private transient AuditLog audit;
    private transient CodeSending sending;
    private transient Enrollment enrollment;
    private transient CodeSender sender;
    private transient AuthenticatorApps apps;
    private transient RecoveryCodes recovery;
    private transient RecoveryCodeDao recoveryCodes;
    private transient RememberedDevices remembered;
    private transient SecondStep secondStep;

    @Override
    public void init() {
        audit = Attributes.require(getServletContext(), AuditLog.class);
        codes = Attributes.require(getServletContext(), CodeService.class);
        phones = Attributes.require(getServletContext(), PhoneDao.class);
        views = Attributes.require(getServletContext(), Views.class);
        config = Attributes.require(getServletContext(), TwostepConfig.class);
        clock = Attributes.require(getServletContext(), Clock.class);
        sending = CodeSending.of(getServletContext());
        enrollment = Enrollment.of(getServletContext());
        sender = Attributes.require(getServletContext(), CodeSender.class);
        apps = Attributes.require(getServletContext(), AuthenticatorApps.class);
        recovery = Attributes.require(getServletContext(), RecoveryCodes.class);
        recoveryCodes = Attributes.require(getServletContext(), RecoveryCodeDao.class);
        remembered = RememberedDevices.of(getServletContext());
        secondStep = SecondStep.of(getServletContext());
    }

    /**
     * The user at the code step, or null after answering for the other cases. A signed-in user adding a phone
     * (none confirmed yet) confirms it here too.
     */
    private GuardState pending(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<GuardState> state = GuardSession.current(request, config, clock.millis(), true);
        if (state.isEmpty()) {
            Requests.toSignIn(request, response, config);
            return null;
        }
        if (state.get().verified() && phones.find(state.get().username()).map(p -> p.confirmed()).orElse(true)) {
            Http.seeOther(request, response, ReturnTo.consume(request.getSession(), config.successUrl()));
            return null;
        }
        return state.get();
    }

    /** The user's ways, or null after sending a user with none to enrollment (or to the page that says why not). */
    private SecondStep.Ways ways(HttpServletRequest request, HttpServletResponse response, GuardState state,
                                 Challenge current) throws IOException {
        SecondStep.Ways ways = secondStep.ways(state.username(), state.verified(), current == null ? null : current.channel());
        if (!ways.offered().isEmpty()) {
            return ways;
        }
        if (ways.phone() == null) {
            enrollment.startOrRefuse(request, response, state.username());
        } else {
            // A phone the operator no longer sends to, and nothing else: only an operator can help.
            enrollment.refuse(request, response, "code.error.noWay");
        }
        return null;
    }

    /** The way the page shows: the one asked for when the user has it, else the code sent, else the first. */
    private static SecondStep.Way shown(HttpServletRequest request, SecondStep.Ways ways, Challenge current) {
        Optional<SecondStep.Way> asked = SecondStep.Way.parse(request.getParameter("way")).filter(ways::has);
        if (asked.isPresent()) {
            return asked.get();
        }
        if (current != null && ways.has(SecondStep.Way.of(current.channel()))) {
            return SecondStep.Way.of(current.channel());
        }
        return ways.offered().get(0);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        GuardState state = pending(request, response);
        if (state == null) {
            return;
        }
        Challenge current = sentFor(state);
        SecondStep.Ways ways = ways(request, response, state, current);
        if (ways == null) {
            return;
        }
        if (!state.verified() && remembered.signInIfRemembered(request, response, state)) {
            // A remembered device of this user (a host app's sign-in lands here): nothing is sent.
            secondStep.passed(request, response, state.username());
            return;
        }
        CodeSending.Outcome flash = CodeSending.takeFlash(request.getSession());
        SecondStep.Way way = shown(request, ways, current);
        if (flash != null && !flash.sent()) {
            showFailed(request, response, flash, state, ways, way, current);
            return;
        }
        if (current != null && current.deliveryFailed() && way.channel() == current.channel()) {
            show(request, response, HttpServletResponse.SC_OK, state, ways, way, current, null,
                    "code.error.notDelivered." + CodeSending.name(current.channel()));
            return;
        }
        show(request, response, HttpServletResponse.SC_OK, state, ways, way, current,
                flash == null ? null : flash.key(), null);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (Csrf.refused(request, response)) {
            return;
        }
        GuardState state = pending(request, response);
        if (state == null) {
            return;
        }
        Challenge current = sentFor(state);
        SecondStep.Ways ways = ways(request, response, state, current);
        if (ways == null) {
            return;
        }
        String action = request.getParameter("action");
        SecondStep.Way sentWay = current == null ? null : SecondStep.Way.of(current.channel());
        if ("totp".equals(action) && ways.has(SecondStep.Way.APP)) {
            verifyApp(request, response, state, ways, current);
            return;
        }
        if ("recovery".equals(action) && ways.has(SecondStep.Way.RECOVERY)) {
            verifyRecovery(request, response, state, ways, current);
            return;
        }
        SecondStep.Way phoneWay = sentWay != null ? sentWay
                : ways.offered().stream().filter(w -> w.channel() != null).findFirst().orElse(null);
        if (phoneWay == null) {
            // No phone to send to or verify a sent code from: only the app or a recovery code signs in.
            show(request, response, HttpServletResponse.SC_BAD_REQUEST, state, ways, ways.offered().get(0), current,
                    null, "code.error.action");
            return;
        }
        if ("verify".equals(action) || action == null) {
            verify(request, response, state, ways, phoneWay, current);
            return;
        }
        Channel channel;
        if ("send".equals(action) || "switch".equals(action)) {
            Optional<Channel> asked = Channel.parse(request.getParameter("channel"));
            if (asked.isEmpty() || !ways.has(SecondStep.Way.of(asked.get()))) {
                show(request, response, HttpServletResponse.SC_BAD_REQUEST, state, ways, phoneWay, current, null,
                        "code.error.channel");
                return;
            }
            channel = asked.get();
        } else if ("resend".equals(action)) {
            channel = phoneWay.channel();
        } else {
            show(request, response, HttpServletResponse.SC_BAD_REQUEST, state, ways, phoneWay, current, null,
                    "code.error.action");
            return;
        }
        CodeSending.Outcome outcome = sending.send(request, state, ways.phone(), channel, current != null);
        if (!outcome.sent()) {
            showFailed(request, response, outcome, state, ways, SecondStep.Way.of(channel), current);
            return;
        }
        CodeSending.flash(request.getSession(), outcome);
        Http.seeOther(request, response, config.pagesPath() + "/code");
    }

    private void verify(HttpServletRequest request, HttpServletResponse response, GuardState state,
                        SecondStep.Ways ways, SecondStep.Way way, Challenge current) throws IOException {
        if (state.challengeId() == 0) {
            show(request, response, Http.UNPROCESSABLE, state, ways, way, current, null, "code.error.notActive");
            return;
        }
        VerifyResult result = codes.verify(state.username(), state.challengeId(), request.getParameter("code"));
        AuditLog.Client client = Requests.client(getServletContext(), request);
        if (result.outcome() != VerifyResult.Outcome.ACCEPTED && result.outcome() != VerifyResult.Outcome.MALFORMED) {
            audit.record(result.outcome() == VerifyResult.Outcome.LOCKED
                    || result.outcome() == VerifyResult.Outcome.BLOCKED ? AuditLog.Event.LOCKOUT
                    : AuditLog.Event.CODE_REJECTED, state.username(), client, result.outcome().name().toLowerCase(Locale.ROOT));
        }
        switch (result.outcome()) {
            case ACCEPTED -> {
                Challenge used = result.challenge();
                audit.record(AuditLog.Event.CODE_ACCEPTED, state.username(), client, CodeSending.name(used.channel()));
                if (used.purpose() == Purpose.ENROLL) {
                    if (!phones.confirm(state.username(), used.destination(), clock.millis())) {
                        // The number was changed while this code was on its way: it confirms nothing.
                        show(request, response, Http.UNPROCESSABLE, state, ways, way, current, null,
                                "code.error.notActive");
                        return;
                    }
                    String detail = "phone " + PhoneMask.mask(used.destination()) + " by "
                            + CodeSending.name(used.channel());
                    if (state.verified()) {
                        // A signed-in user added a phone: a change of factors like any other.
                        FactorChanges.of(getServletContext()).phoneAdded(request, state.username(), detail);
                    } else {
                        audit.record(AuditLog.Event.ENROLLED, state.username(), client, detail);
                    }
                }
                if (!GuardSession.secondStepPassed(request, state)) {
                    // Another sign-in started on this session while the code was checked.
                    show(request, response, Http.UNPROCESSABLE, state, ways, way, current, null, "code.error.notActive");
                    return;
                }
                remembered.rememberIfAsked(request, response, state.username());
                secondStep.passed(request, response, state.username());
            }
            case WRONG -> show(request, response, Http.UNPROCESSABLE, state, ways, way, current, null,
                    "code.error.wrong", result.attemptsLeft());
            case MALFORMED -> show(request, response, HttpServletResponse.SC_BAD_REQUEST, state, ways, way, current,
                    null, "code.error.malformed", codes.policy().length());
            case EXPIRED -> show(request, response, Http.UNPROCESSABLE, state, ways, way, current, null,
                    "code.error.expired");
            case TOO_MANY_ATTEMPTS -> show(request, response, Http.UNPROCESSABLE, state, ways, way, current, null,
                    "code.error.tooMany");
            case NOT_ACTIVE -> show(request, response, Http.UNPROCESSABLE, state, ways, way, current, null,
                    "code.error.notActive");
            case BLOCKED -> {
                if (result.challenge() != null) {
                    tellBlocked(request, state, result.challenge().destination(), result.challenge().channel());
                }
                show(request, response, HttpServletResponse.SC_FORBIDDEN, state, ways, way, current, null,
                        "code.error.blocked");
            }
            case LOCKED -> {
                Requests.retryAfter(response, result.retryAfter());
                show(request, response, Http.TOO_MANY, state, ways, way, current, null, "code.error.locked",
                        LimitedException.minutes(result.retryAfter()));
            }
        }
    }

    /**
     * A code from an authenticator app, instead of a sent code: it needs nothing sent, so it works before
     * any code went out. Wrong app codes count in the same lock as wrong sent codes, and a locked second
     * step refuses them; a code is accepted once.
     */
    private void verifyApp(HttpServletRequest request, HttpServletResponse response, GuardState state,
                           SecondStep.Ways ways, Challenge current) throws IOException {
        String typed = request.getParameter("code");
        if (!AuthenticatorApps.wellFormed(typed)) {
            show(request, response, HttpServletResponse.SC_BAD_REQUEST, state, ways, SecondStep.Way.APP, current,
                    null, "code.app.error.malformed");
            return;
        }
        if (passedWithoutChallenge(request, response, state, ways, current, SecondStep.Way.APP, "authenticator app",
                () -> apps.signIn(state.username(), typed).isPresent(), "code.app.error.wrong")) {
            secondStep.passed(request, response, state.username());
        }
    }

    /**
     * A recovery code, instead of a sent code: like an app's code it needs nothing sent, and wrong ones count
     * in the same lock as wrong sent and app codes. A right code is spent in one compare-and-set, so it works
     * once. In a host app, which has no account page to say how many are left, the guard's recovery page
     * says it next.
     */
    private void verifyRecovery(HttpServletRequest request, HttpServletResponse response, GuardState state,
                                SecondStep.Ways ways, Challenge current) throws IOException {
        Optional<String> hash = recovery.hash(state.username(), request.getParameter("code"));
        if (hash.isEmpty()) {
            show(request, response, HttpServletResponse.SC_BAD_REQUEST, state, ways, SecondStep.Way.RECOVERY,
                    current, null, "code.recovery.error.malformed");
            return;
        }
        if (!passedWithoutChallenge(request, response, state, ways, current, SecondStep.Way.RECOVERY,
                "recovery code", () -> recoveryCodes.use(state.username(), hash.get(), clock.millis()),
                "code.recovery.error.wrong")) {
            return;
        }
        int left = recoveryCodes.remaining(state.username());
        audit.record(AuditLog.Event.RECOVERY_CODE_USED, state.username(), Requests.client(getServletContext(), request),
                left + " left");
        request.getSession().setAttribute(RecoveryCodesServlet.USED_FLASH, left);
        if (config.identity() != TwostepConfig.Identity.TWOSTEP && !SetupOwed.owed(request)
                && secondStep.owed(state.username()).isEmpty()) {
            Http.seeOther(request, response, config.pagesPath() + "/recovery");
            return;
        }
        secondStep.passed(request, response, state.username());
    }

    /**
     * Checks a factor that needs nothing sent (an app's code, a recovery code) through
     * {@link CodeService#verifyWithoutChallenge}, which counts the try in the shared lock before it checks and
     * does not check at all while the step is locked (so a locked step spends no recovery code), and answers
     * every outcome but success on the page, audited with {@code what}.
     *
     * @return true when the code was right and the session is now fully signed in (the caller answers);
     *     false after answering
     */
    private boolean passedWithoutChallenge(HttpServletRequest request, HttpServletResponse response,
                                           GuardState state, SecondStep.Ways ways, Challenge current,
                                           SecondStep.Way way, String what, java.util.function.BooleanSupplier check,
                                           String wrongKey) throws IOException {
        AuditLog.Client client = Requests.client(getServletContext(), request);
        VerifyResult result = codes.verifyWithoutChallenge(state.username(), check,
                () -> tellBlocked(request, state, ways.phone()));
        switch (result.outcome()) {
            case ACCEPTED -> {
                audit.record(AuditLog.Event.CODE_ACCEPTED, state.username(), client, what);
                if (!GuardSession.secondStepPassedWithoutChallenge(request, state)) {
                    show(request, response, Http.UNPROCESSABLE, state, ways, way, current, null, "code.error.notActive");
                    return false;
                }
                remembered.rememberIfAsked(request, response, state.username());
                return true;
            }
            case BLOCKED -> {
                audit.record(AuditLog.Event.LOCKOUT, state.username(), client, "blocked (" + what + ")");
                show(request, response, HttpServletResponse.SC_FORBIDDEN, state, ways, way, current, null,
                        "code.error.blocked");
            }
            case LOCKED -> {
                audit.record(AuditLog.Event.LOCKOUT, state.username(), client, "locked (" + what + ")");
                Requests.retryAfter(response, result.retryAfter());
                show(request, response, Http.TOO_MANY, state, ways, way, current, null, "code.error.locked",
                        LimitedException.minutes(result.retryAfter()));
            }
            default -> {
                audit.record(AuditLog.Event.CODE_REJECTED, state.username(), client, "wrong (" + what + ")");
                show(request, response, Http.UNPROCESSABLE, state, ways, way, current, null, wrongKey);
            }
        }
        return false;
    }

    /**
     * Tells the user's phone, once, that guessing reached the cap and the second step is locked: whoever
     * guessed has the password, and the user should know. A user with no phone is only logged.
     */
    private void tellBlocked(HttpServletRequest request, GuardState state, Phone phone) {
        if (phone == null || !phone.confirmed()) {
            LOG.warn("Second step of user {} locked until an operator unlocks it; no phone to tell",
                    LogText.safe(state.username()));
            return;
        }
        tellBlocked(request, state, phone.e164(), phone.channel());
    }

    private void tellBlocked(HttpServletRequest request, GuardState state, String destination, Channel channel) {
        LOG.warn("Second step of user {} locked until an operator unlocks it; telling the phone {}",
                LogText.safe(state.username()), PhoneMask.mask(destination));
        try {
            sender.notice(destination, channel,
                    Views.message(request, "code.notice.blocked", config.appName()));
        } catch (DeliveryException e) {
            LOG.warn("Telling user {} of the locked second step failed: {}", LogText.safe(state.username()), e.reason());
        }
    }

    /** The code sent for this sign-in, in whatever state, or null when none was sent yet. */
    private Challenge sentFor(GuardState state) {
        return state.challengeId() == 0 ? null : codes.find(state.username(), state.challengeId()).orElse(null);
    }

    /**
     * A send that did not happen, said on the page with its status (and Retry-After for a limit). A new code
     * asked for too soon is not an error: the page says when one can be asked for, as it does anyway.
     */
    private void showFailed(HttpServletRequest request, HttpServletResponse response, CodeSending.Outcome outcome,
                            GuardState state, SecondStep.Ways ways, SecondStep.Way way, Challenge current)
            throws IOException {
        if (outcome.retryAfterSeconds() > 0) {
            Requests.retryAfter(response, java.time.Duration.ofSeconds(outcome.retryAfterSeconds()));
        }
        if (current != null && "code.error.limit.sends".equals(outcome.key())
                && outcome.retryAfterSeconds() <= resendInterval() && way.channel() == current.channel()) {
            render(request, response, outcome.status(), state, ways, way, current, "code.resend.wait", null, false,
                    outcome.retryAfterSeconds());
            return;
        }
        render(request, response, outcome.status(), state, ways, way, current, null, outcome.key(), true, 0,
                (Object[]) outcome.args());
    }

    private void show(HttpServletRequest request, HttpServletResponse response, int status, GuardState state,
                      SecondStep.Ways ways, SecondStep.Way way, Challenge current, String noticeKey,
                      String errorKey, Object... errorArgs) throws IOException {
        render(request, response, status, state, ways, way, current, noticeKey, errorKey, false, 0, errorArgs);
    }

    /** Seconds between two codes to one user or number: the shorter of the two rules never decides. */
    private long resendInterval() {
        return Math.max(config.limits().user().interval().toSeconds(), config.limits().number().interval().toSeconds());
    }

    /** Notices that only repeat what the page says anyway ("a code is on its way" above "we sent a code"). */
    private static final java.util.Set<String> SAID_ANYWAY = java.util.Set.of("code.sent.sms", "code.sent.voice");

    /**
     * Renders the page for one way, with the user's other ways listed under "use another way".
     *
     * @param current the code sent for this sign-in, or null: a phone way shows the code field only when its
     *     channel sent it, else offers to send
     * @param failedSend a send just failed: the page says only that, not where an earlier code went
     * @param minWait seconds before a new code may be asked for, when a limit said so
     */
    private void render(HttpServletRequest request, HttpServletResponse response, int status, GuardState state,
                        SecondStep.Ways ways, SecondStep.Way way, Challenge current, String noticeKey,
                        String errorKey, boolean failedSend, long minWait, Object... errorArgs) throws IOException {
        Map<String, Object> vars = new HashMap<>();
        Phone phone = ways.phone();
        long now = clock.millis();
        boolean sent = current != null && way.channel() == current.channel();
        vars.put("way", way.id());
        vars.put("lastDigits", phone == null ? null : PhoneMask.lastDigits(phone.e164()));
        vars.put("channel", way.channel() == null ? null : CodeSending.name(way.channel()));
        vars.put("confirming", ways.confirming());
        vars.put("sent", sent);
        vars.put("failedSend", failedSend);
        // A code that can no longer be used: the field goes, and "Send a new code" is the one thing to do.
        boolean dead = sent && (current.consumedAt() != null || current.revokedAt() != null
                || current.expiresAt() <= now || current.attempts() >= codes.policy().maxAttempts()
                || "code.error.tooMany".equals(errorKey) || "code.error.expired".equals(errorKey)
                || "code.error.notActive".equals(errorKey));
        vars.put("dead", dead);
        long wait = sent ? Math.max(minWait, (current.createdAt() + resendInterval() * 1000 - now + 999) / 1000) : 0;
        vars.put("waitSeconds", wait);
        vars.put("waitText", wait > 0 ? Views.message(request, "code.resend.in", minutesAndSeconds(wait)) : null);
        vars.put("waitTemplate", Views.message(request, "code.resend.in", "{0}"));
        List<Map<String, String>> others = new ArrayList<>();
        for (SecondStep.Way other : ways.offered()) {
            if (other == way) {
                continue;
            }
            if (other.channel() == null) {
                others.add(Map.of("way", other.id(), "type", "link", "key", "code.another." + other.id()));
            } else if (current != null && current.channel() == other.channel()) {
                others.add(Map.of("way", other.id(), "type", "link", "key", "code.another.sent." + other.id()));
            } else {
                others.add(Map.of("way", other.id(), "type", "send", "action", current == null ? "send" : "switch",
                        "key", (current == null ? "code.send." : "code.switch.") + other.id()));
            }
        }
        vars.put("others", others);
        vars.put("codeLength", codes.policy().length());
        vars.put("validity", Views.message(request, "code.validity", codes.policy().length(),
                Math.max(1, codes.policy().ttl().toMinutes())));
        vars.put("rememberDays", remembered.enabled() && !state.verified() ? remembered.days() : null);
        vars.put("notice", errorKey == null && noticeKey != null && !SAID_ANYWAY.contains(noticeKey)
                ? Views.message(request, noticeKey, minutesAndSeconds(wait)) : null);
        vars.put("error", errorKey == null ? null : Views.message(request, errorKey, errorArgs));
        views.render(request, response, status, "code", vars);
    }

    /** 25 → "0:25", 90 → "1:30". */
    static String minutesAndSeconds(long seconds) {
        return (seconds / 60) + ":" + (seconds % 60 < 10 ? "0" : "") + (seconds % 60);
    }
}
