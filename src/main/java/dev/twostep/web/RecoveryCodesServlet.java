package dev.twostep.web;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.config.TwostepConfig;
import dev.twostep.factor.RecoveryCodeDao;
import dev.twostep.factor.RecoveryCodes;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardState;
import dev.twostep.guard.SetupOwed;

/**
 * Recovery codes ({@code <pages-path>/recovery}), for a session that passed both steps. Viewing the page
 * says how many codes the user has left; the button makes a new set of {@value RecoveryCodes#COUNT}, whose
 * hashes replace the old set (used or not) in one transaction. The new codes are shown once, in the answer
 * to that POST (and in a download link holding the same text): the server keeps only their hashes, in the
 * database, and nothing of them in the session.
 */
public class RecoveryCodesServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    /** Set on the session when a recovery code signed in: how many are left, for the next page to say. */
    public static final String USED_FLASH = RecoveryCodesServlet.class.getName() + ".used";

    private transient RecoveryCodes recovery;
    private transient RecoveryCodeDao dao;
    private transient Views views;
    private transient TwostepConfig config;
    private transient Clock clock;

    @Override
    public void init() {
        recovery = Attributes.require(getServletContext(), RecoveryCodes.class);
        dao = Attributes.require(getServletContext(), RecoveryCodeDao.class);
        views = Attributes.require(getServletContext(), Views.class);
        config = Attributes.require(getServletContext(), TwostepConfig.class);
        clock = Attributes.require(getServletContext(), Clock.class);
    }

    private GuardState verified(HttpServletRequest request, HttpServletResponse response) throws IOException {
        return Requests.fullySignedIn(request, response, config, clock.millis());
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        GuardState state = verified(request, response);
        if (state == null) {
            return;
        }
        Map<String, Object> vars = new HashMap<>();
        Optional<RecoveryCodeDao.Summary> summary = dao.summary(state.username());
        vars.put("hasSet", summary.isPresent());
        vars.put("remaining", summary.map(RecoveryCodeDao.Summary::remaining).orElse(0));
        vars.put("codes", null);
        vars.put("required", SetupOwed.owed(request));
        // Just signed in with a recovery code, in a host app (which has no account page to say it): how many
        // are left, once, and the way on to where the user was going.
        Object used = request.getSession().getAttribute(USED_FLASH);
        if (used != null && config.identity() != TwostepConfig.Identity.TWOSTEP) {
            request.getSession().removeAttribute(USED_FLASH);
            vars.put("used", used);
            vars.put("next", SecondStep.of(getServletContext()).next(request));
        } else {
            vars.put("used", null);
        }
        views.render(request, response, HttpServletResponse.SC_OK, "recovery", vars);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (Csrf.refused(request, response)) {
            return;
        }
        GuardState state = verified(request, response);
        if (state == null || FreshStep.of(getServletContext()).confirmFirst(request, response, state, "recovery")) {
            return;
        }
        List<String> codes = recovery.generate();
        List<String> hashes = new ArrayList<>(codes.size());
        for (String code : codes) {
            hashes.add(recovery.hash(state.username(), code).orElseThrow());
        }
        dao.replace(state.username(), hashes, clock.millis());
        FactorChanges.of(getServletContext()).changed(request, state.username(),
                FactorChanges.Change.RECOVERY_CODES_CREATED, codes.size() + " codes");
        Map<String, Object> vars = new HashMap<>();
        vars.put("hasSet", true);
        vars.put("remaining", codes.size());
        vars.put("codes", codes);
        vars.put("next", SecondStep.of(getServletContext()).next(request));
        vars.put("downloadName", fileName(config.appName()));
        vars.put("downloadHref", "data:text/plain;charset=utf-8," + percentEncoded(fileText(config.appName(), codes)));
        views.render(request, response, HttpServletResponse.SC_OK, "recovery", vars);
    }

    /** The text file's content: a line naming the site, then one code a line. */
    static String fileText(String appName, List<String> codes) {
        StringBuilder text = new StringBuilder();
        text.append(appName).append(" recovery codes. Each code works once.\n\n");
        for (String code : codes) {
            text.append(code).append('\n');
        }
        return text.toString();
    }

    /** Percent-encoding for a data: URL (URLEncoder's form encoding, with spaces as %20, not +). */
    static String percentEncoded(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** "<app-name>-recovery-codes.txt", the name reduced to characters safe in a file name. */
    static String fileName(String appName) {
        String safe = appName == null ? "" : appName.strip().replaceAll("[^A-Za-z0-9._-]+", "-")
                .replaceAll("^[-.]+|[-.]+$", "");
        return (safe.isEmpty() ? "twostep" : safe) + "-recovery-codes.txt";
    }
}
