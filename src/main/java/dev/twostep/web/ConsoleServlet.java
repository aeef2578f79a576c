package dev.twostep.web;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.admin.AuditSearch;
import dev.twostep.admin.Health;
import dev.twostep.admin.UserDirectory;
import dev.twostep.audit.AuditLog;
import dev.twostep.config.TwostepConfig;
import dev.twostep.db.Jdbc;
import dev.twostep.delivery.PhoneMask;
import dev.twostep.factor.Factor;
import dev.twostep.factor.Factors;
import dev.twostep.factor.RememberedDeviceDao;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardState;
import dev.twostep.limits.LockKeys;
import dev.twostep.limits.Lockouts;

/**
 * The operators' console ({@code <pages-path>/admin}, issue 15): find a user, read what happened, unlock,
 * revoke remembered devices, end sessions, reset a lost factor, and see the server's health. Off (404)
 * unless {@code twostep.admin.users} or {@code twostep.admin.role} names operators; for anyone else who
 * passed both steps it answers 403. Every page is no-store ({@link Views}), every action a POST with the
 * CSRF token ({@link CsrfFilter}) answered by a redirect, and every action is audited on the user's trail
 * with the operator's name ({@link ConsoleActions}). Phones show their last two digits only; no code or
 * secret is ever read here.
 *
 * <p>Pages: {@code /admin} (users by name prefix), {@code /admin/user?name=} (one user), {@code /admin/audit}
 * (the trail across users, with {@code /admin/audit.csv} for the same search as CSV), {@code /admin/health}.
 */
public class ConsoleServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    /** Rows a list page shows. */
    static final int PAGE = 50;
    /** Longest prefix, user name or address a form takes. */
    static final int MAX_FIELD = 255;

    private transient TwostepConfig config;
    private transient Clock clock;
    private transient Views views;
    private transient UserDirectory users;
    private transient AuditSearch search;
    private transient Health health;
    private transient Factors factors;
    private transient RememberedDeviceDao devices;
    private transient Jdbc jdbc;
    private transient LockKeys lockKeys;
    private transient ConsoleActions actions;
    private transient AuditLog audit;

    @Override
    public void init() {
        config = Attributes.require(getServletContext(), TwostepConfig.class);
        clock = Attributes.require(getServletContext(), Clock.class);
        views = Attributes.require(getServletContext(), Views.class);
        users = Attributes.require(getServletContext(), UserDirectory.class);
        search = Attributes.require(getServletContext(), AuditSearch.class);
        health = Attributes.require(getServletContext(), Health.class);
        factors = Attributes.require(getServletContext(), Factors.class);
        devices = Attributes.require(getServletContext(), RememberedDeviceDao.class);
        jdbc = Attributes.require(getServletContext(), Jdbc.class);
        lockKeys = Attributes.require(getServletContext(), LockKeys.class);
        actions = new ConsoleActions(getServletContext());
        audit = Attributes.require(getServletContext(), AuditLog.class);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        GuardState operator = operator(request, response);
        if (operator == null) {
            return;
        }
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        switch (path) {
            case "/" -> users(request, response);
            case "/user" -> user(request, response, operator, HttpServletResponse.SC_OK, null);
            case "/audit" -> audit(request, response);
            case "/audit.csv" -> csv(request, response, operator);
            case "/health" -> health(request, response);
            default -> error(request, response, HttpServletResponse.SC_NOT_FOUND, "error.404");
        }
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (Csrf.refused(request, response)) {
            return;
        }
        GuardState operator = operator(request, response);
        if (operator == null) {
            return;
        }
        if (!"/user".equals(request.getPathInfo())) {
            error(request, response, HttpServletResponse.SC_NOT_FOUND, "error.404");
            return;
        }
        String name = field(request, "name");
        if (name == null || name.isEmpty() || !users.exists(name)) {
            error(request, response, HttpServletResponse.SC_NOT_FOUND, "console.error.noUser");
            return;
        }
        ConsoleActions.Outcome outcome = actions.run(request, response, operator, name);
        if (outcome == null) {
            return;
        }
        if (outcome.done()) {
            Flash.set(request, outcome.messageKey());
            dev.twostep.guard.Http.seeOther(request, response, userPath(config, name));
        } else {
            user(request, response, operator, outcome.status(), outcome.messageKey());
        }
    }

    /** The console's page of one user, as a path inside the app. */
    static String userPath(TwostepConfig config, String name) {
        return config.pagesPath() + "/admin/user?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8);
    }

    /**
     * The operator of this request, or null after answering: 404 while the console is off, the sign-in or
     * the code page for a session short of both steps, the set-up page for one that owes a required factor, 403
     * for a user who is no operator.
     */
    private GuardState operator(HttpServletRequest request, HttpServletResponse response) throws IOException {
        TwostepConfig.Console console = config.console();
        if (!console.enabled()) {
            error(request, response, HttpServletResponse.SC_NOT_FOUND, "error.404");
            return null;
        }
        GuardState state = Requests.fullySignedIn(request, response, config, clock.millis());
        if (state == null) {
            return null;
        }
        if (dev.twostep.guard.SetupOwed.owed(request)) {
            // A factor twostep.factors.required asks for is still owed: closed, as the protected pages are.
            dev.twostep.guard.Http.seeOther(request, response, config.pagesPath() + "/setup");
            return null;
        }
        boolean operator = console.users().contains(state.username())
                || (console.role() != null && request.isUserInRole(console.role()));
        if (!operator) {
            error(request, response, HttpServletResponse.SC_FORBIDDEN, "console.error.notOperator");
            return null;
        }
        return state;
    }

    private void users(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String prefix = field(request, "q");
        String after = field(request, "after");
        Map<String, Object> vars = new HashMap<>();
        vars.put("q", prefix == null ? "" : prefix);
        if (prefix == null || after == null) {
            vars.put("q", "");
            vars.put("found", List.of());
            vars.put("errors", Map.of("q", text(request, "console.error.field")));
            render(request, response, HttpServletResponse.SC_BAD_REQUEST, "console-users", vars);
            return;
        }
        List<String> found = users.find(prefix, after == null || after.isEmpty() ? null : after, PAGE + 1);
        boolean more = found.size() > PAGE;
        List<String> shown = more ? found.subList(0, PAGE) : found;
        vars.put("found", shown.stream().map(n -> Map.of("name", n, "href", userPath(config, n))).toList());
        vars.put("next", more ? config.pagesPath() + "/admin?q=" + enc(prefix) + "&after=" + enc(shown.get(PAGE - 1))
                : null);
        vars.put("searched", request.getParameter("q") != null);
        render(request, response, HttpServletResponse.SC_OK, "console-users", vars);
    }

    private void user(HttpServletRequest request, HttpServletResponse response, GuardState operator, int status,
                      String messageKey) throws IOException {
        String name = field(request, "name");
        if (name == null || name.isEmpty() || !users.exists(name)) {
            error(request, response, HttpServletResponse.SC_NOT_FOUND, "console.error.noUser");
            return;
        }
        long now = clock.millis();
        Map<String, Object> vars = new HashMap<>();
        vars.put("name", name);
        List<Map<String, Object>> factorRows = new ArrayList<>();
        for (Factor f : factors.list(name)) {
            if (f instanceof Factor.PhoneFactor p) {
                factorRows.add(SecurityServlet.row("kind", Views.message(request, "console.factor." + p.phone().channel().name()
                                .toLowerCase(Locale.ROOT), PhoneMask.lastDigits(p.phone().e164())),
                        "added", Activity.utc(p.addedAt()), "lastUsed", Activity.utc(p.lastUsedAt())));
            } else if (f instanceof Factor.AppFactor a) {
                factorRows.add(SecurityServlet.row("kind", Views.message(request, "security.app", a.label()),
                        "added", Activity.utc(a.addedAt()), "lastUsed", Activity.utc(a.lastUsedAt())));
            } else if (f instanceof Factor.RecoveryCodesFactor r) {
                factorRows.add(SecurityServlet.row("kind", Views.message(request, "security.recovery", r.remaining(), r.total()),
                        "added", Activity.utc(r.addedAt()), "lastUsed", Activity.utc(r.lastUsedAt())));
            }
        }
        vars.put("factors", factorRows);
        List<Map<String, Object>> locks = new ArrayList<>();
        lock(request, locks, "code", name, now);
        if (config.identity() == TwostepConfig.Identity.TWOSTEP) {
            lock(request, locks, "password", lockKeys.of(name), now);
        }
        vars.put("locks", locks);
        Health.Sends sends = health.userSends(name);
        vars.put("sendsHour", sends.lastHour());
        vars.put("sendsDay", sends.lastDay());
        vars.put("devices", devices.listLive(name, now).stream().map(d -> SecurityServlet.row("label", d.label(),
                "added", Activity.utc(d.createdAt()), "lastUsed", Activity.utc(d.lastSeenAt()),
                "expires", Activity.utc(d.expiresAt()))).toList());
        AuditSearch.Filter filter = new AuditSearch.Filter(null, null, java.util.Set.of(), name, null);
        Optional<AuditSearch.Cursor> before = cursor(request);
        List<AuditSearch.Row> rows = search.page(filter, before.orElse(null), PAGE + 1);
        vars.put("trail", trail(request, rows));
        vars.put("trailNext", rows.size() > PAGE ? userPath(config, name) + "&before="
                + token(rows.get(PAGE - 1)) + "#trail" : null);
        vars.put("self", name.equals(operator.username()));
        vars.put("fresh", operator.verifiedWithin(config.securityFresh(), now));
        vars.put("freshMinutes", config.securityFresh().toMinutes());
        vars.put("reasonMax", ConsoleActions.REASON_MAX);
        vars.put("auditHref", config.pagesPath() + "/admin/audit?user=" + enc(name));
        String flash = status == HttpServletResponse.SC_OK ? Flash.take(request) : null;
        if (flash != null && flash.startsWith("console.done.")) {
            vars.put("notice", Views.message(request, flash));
        }
        if (messageKey != null) {
            vars.put("error", text(request, messageKey));
        }
        render(request, response, status, "console-user", vars);
    }

    private void lock(HttpServletRequest request, List<Map<String, Object>> locks, String scope, String key,
                      long now) {
        Lockouts.state(jdbc, scope, key).ifPresent(s -> {
            String what = Views.message(request, "console.lock." + scope);
            String text = !s.lockedAt(now) ? Views.message(request, "console.lock.failures", what, s.failures())
                    : s.lockedUntil() == Long.MAX_VALUE ? Views.message(request, "console.lock.forGood", what, s.failures())
                    : Views.message(request, "console.lock.locked", what, s.failures(), Activity.utc(s.lockedUntil()));
            locks.add(SecurityServlet.row("scope", scope, "text", text, "locked", s.lockedAt(now)));
        });
    }

    private void audit(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Map<String, Object> vars = new HashMap<>();
        ConsoleFilter form = ConsoleFilter.read(request);
        vars.put("form", form.values());
        vars.put("events", ConsoleFilter.EVENTS);
        if (!form.errors().isEmpty()) {
            vars.put("errors", form.errors().entrySet().stream().collect(LinkedHashMap<String, Object>::new,
                    (m, e) -> m.put(e.getKey(), text(request, e.getValue())), Map::putAll));
            vars.put("trail", List.of());
            render(request, response, HttpServletResponse.SC_BAD_REQUEST, "console-audit", vars);
            return;
        }
        List<AuditSearch.Row> rows = search.page(form.filter(), cursor(request).orElse(null), PAGE + 1);
        vars.put("trail", trail(request, rows));
        String query = form.query();
        vars.put("next", rows.size() > PAGE ? config.pagesPath() + "/admin/audit?" + query + (query.isEmpty() ? "" : "&")
                + "before=" + token(rows.get(PAGE - 1)) : null);
        vars.put("csvHref", config.pagesPath() + "/admin/audit.csv" + (query.isEmpty() ? "" : "?" + query));
        vars.put("searched", !query.isEmpty());
        render(request, response, HttpServletResponse.SC_OK, "console-audit", vars);
    }

    /**
     * The search as CSV. The export is audited on the operator's own trail (what was searched, how many rows):
     * a copy of the trail leaving the server is worth knowing about. A HEAD gets the headers only.
     */
    private void csv(HttpServletRequest request, HttpServletResponse response, GuardState operator)
            throws IOException {
        ConsoleFilter form = ConsoleFilter.read(request);
        if (!form.errors().isEmpty()) {
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            Views.securityHeaders(response);
            response.setContentType("text/plain;charset=UTF-8");
            for (Map.Entry<String, String> e : form.errors().entrySet()) {
                response.getWriter().println(e.getKey() + ": " + text(request, e.getValue()));
            }
            return;
        }
        Views.securityHeaders(response);
        response.setContentType("text/csv;charset=UTF-8");
        response.setHeader("Content-Disposition", "attachment; filename=\"twostep-audit.csv\"");
        if ("HEAD".equals(request.getMethod())) {
            return;
        }
        java.io.PrintWriter out = response.getWriter();
        out.print("time_utc,user,event,detail,address,user_agent,repeats\r\n");
        int rows = search.each(form.filter(), ConsoleFilter.CSV_MAX, r -> out.print(String.join(",",
                Csv.cell(java.time.Instant.ofEpochMilli(r.at()).toString()), Csv.cell(r.username()),
                Csv.cell(r.event().name()), Csv.cell(r.detail()), Csv.cell(r.address()), Csv.cell(r.userAgent()),
                Integer.toString(r.repeats())) + "\r\n"));
        audit.record(AuditLog.Event.OPERATOR_EXPORTED, operator.username(), Requests.client(getServletContext(),
                request), "rows=" + rows + (form.query().isEmpty() ? "" : "; " + form.query()));
    }

    private void health(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Health.Snapshot snapshot = health.snapshot(config);
        Map<String, Object> vars = new HashMap<>();
        vars.put("health", snapshot);
        render(request, response, HttpServletResponse.SC_OK, "console-health", vars);
    }

    /** Rows of the trail for the console's tables: in words as users read them, with the raw event and detail. */
    private List<Map<String, Object>> trail(HttpServletRequest request, List<AuditSearch.Row> rows) {
        return rows.stream().limit(PAGE).map(r -> {
            // A merged row says how often, as the user's own activity list does.
            String detail = r.repeats() > 1 ? (r.detail() == null ? "" : r.detail() + " ") + "(" + r.repeats()
                    + " times)" : r.detail();
            return SecurityServlet.row("iso", java.time.Instant.ofEpochMilli(r.at()).toString(), "when", Activity.utc(r.at()),
                    "user", r.username() == null ? "" : r.username(),
                    "userHref", r.username() == null ? null : userPath(config, r.username()),
                    "event", r.event().name(),
                    "text", Activity.sentence(request, new AuditLog.Entry(r.at(), r.event(), detail, r.address(),
                            r.userAgent())),
                    "detail", detail == null ? "" : detail, "address", r.address() == null ? "" : r.address());
        }).toList();
    }

    private void render(HttpServletRequest request, HttpServletResponse response, int status, String template,
                        Map<String, Object> vars) throws IOException {
        vars.put("wide", true);
        vars.put("console", config.pagesPath() + "/admin");
        views.render(request, response, status, template, vars);
    }

    private void error(HttpServletRequest request, HttpServletResponse response, int status, String key)
            throws IOException {
        views.render(request, response, status, "error", Map.of("status", status, "messageKey", key));
    }

    /** A console message; the two that name a length get it. */
    private static String text(HttpServletRequest request, String key) {
        return switch (key) {
            case "console.error.field" -> Views.message(request, key, MAX_FIELD);
            case "console.error.reason" -> Views.message(request, key, ConsoleActions.REASON_MAX);
            default -> Views.message(request, key);
        };
    }

    private static String token(AuditSearch.Row row) {
        return row.cursor().token();
    }

    private static Optional<AuditSearch.Cursor> cursor(HttpServletRequest request) {
        String token = request.getParameter("before");
        return token == null ? Optional.empty() : AuditSearch.Cursor.parse(token);
    }

    /** A text field: trimmed, null when too long or holding control characters; "" when absent. */
    static String field(HttpServletRequest request, String name) {
        String value = request.getParameter(name);
        if (value == null) {
            return "";
        }
        value = value.strip();
        if (value.length() > MAX_FIELD || value.chars().anyMatch(Character::isISOControl)) {
            return null;
        }
        return value;
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
