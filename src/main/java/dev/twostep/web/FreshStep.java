package dev.twostep.web;

import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.config.TwostepConfig;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardState;

/**
 * Changing how someone signs in (adding an app or a phone, making recovery codes, removing a factor) needs a
 * second step passed within {@code twostep.security.fresh-minutes}: a session left open, or stolen, must
 * not be able to add a factor of its own. An older one is shown "Confirm it's you", whose button sends the
 * session back to the code step and then to the page it came from.
 */
public final class FreshStep {
    /**
     * The pages a confirmation may return to, by the name the confirm form carries: the guard's own, and the
     * standalone app's phone change ({@code phone}).
     */
    static final Set<String> PAGES = Set.of("security", "app", "recovery", "enroll", "phone");

    /** Where a confirmation named {@code then} returns to; the security page for any other name. */
    static String returnPath(TwostepConfig config, String then) {
        if ("phone".equals(then)) {
            return "/account/phone";
        }
        return config.pagesPath() + "/" + (then != null && PAGES.contains(then) ? then : "security");
    }

    /**
     * "Confirm it's you" pressed: the session goes back to the code step of this sign-in
     * ({@link dev.twostep.guard.GuardSession#stepUp}), audited as {@code STEP_UP_ASKED} with {@code detail}, and
     * comes back to {@code back} after it. A session that moved on meanwhile is sent to {@code back}, which
     * sorts out where it stands.
     */
    public void confirm(HttpServletRequest request, HttpServletResponse response, GuardState state, String back,
                        String detail) {
        if (!dev.twostep.guard.GuardSession.stepUp(request, state)) {
            dev.twostep.guard.Http.seeOther(request, response, back);
            return;
        }
        dev.twostep.guard.ReturnTo.save(request.getSession(), back);
        Attributes.require(request.getServletContext(), dev.twostep.audit.AuditLog.class).record(
                dev.twostep.audit.AuditLog.Event.STEP_UP_ASKED, state.username(),
                Requests.client(request.getServletContext(), request), detail);
        dev.twostep.guard.Http.seeOther(request, response, config.pagesPath() + "/code");
    }

    private final TwostepConfig config;
    private final Clock clock;
    private final Views views;

    private FreshStep(ServletContext context) {
        config = Attributes.require(context, TwostepConfig.class);
        clock = Attributes.require(context, Clock.class);
        views = Attributes.require(context, Views.class);
    }

    public static FreshStep of(ServletContext context) {
        return new FreshStep(context);
    }

    /**
     * For a signed-in session about to change its factors: true after answering 403 with "Confirm it's you"
     * when its second step is older than the setting; false when it may go on.
     *
     * @param page where the confirmation returns to, one of {@link #PAGES}
     */
    public boolean confirmFirst(HttpServletRequest request, HttpServletResponse response, GuardState state,
                                String page)
            throws IOException {
        if (!state.verified() || state.verifiedWithin(config.securityFresh(), clock.millis())) {
            return false;
        }
        if (!PAGES.contains(page)) {
            throw new IllegalArgumentException("not a page a confirmation returns to: " + page);
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("then", page);
        vars.put("freshMinutes", config.securityFresh().toMinutes());
        views.render(request, response, HttpServletResponse.SC_FORBIDDEN, "confirm", vars);
        return true;
    }
}
