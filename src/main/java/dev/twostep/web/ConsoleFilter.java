package dev.twostep.web;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;

import dev.twostep.admin.AuditSearch;
import dev.twostep.audit.AuditLog;

/**
 * The console's audit search form ({@code /admin/audit} and its CSV): from and to (a date, or a date and
 * time, in UTC; "to" a date includes that day), event kinds (any number), a user name and a client address,
 * each exact. Read once from the request, with a message key for each field that is wrong.
 */
record ConsoleFilter(AuditSearch.Filter filter, Map<String, Object> values, Map<String, String> errors,
                     String query) {
    /** Rows a CSV export holds at most. */
    static final int CSV_MAX = 100_000;
    /** The event kinds the form offers, by name. */
    static final List<String> EVENTS = Arrays.stream(AuditLog.Event.values()).map(Enum::name).sorted().toList();

    static ConsoleFilter read(HttpServletRequest request) {
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, Object> values = new HashMap<>();
        List<String> query = new ArrayList<>();
        Long from = time(request, "from", false, errors, values, query);
        Long to = time(request, "to", true, errors, values, query);
        if (from != null && to != null && from >= to) {
            errors.put("to", "console.error.range");
        }
        Set<AuditLog.Event> events = EnumSet.noneOf(AuditLog.Event.class);
        String[] picked = request.getParameterValues("event");
        if (picked != null) {
            for (String name : picked) {
                if (name.isEmpty()) {
                    continue;
                }
                if (!EVENTS.contains(name)) {
                    errors.put("event", "console.error.event");
                    continue;
                }
                if (events.add(AuditLog.Event.valueOf(name))) {
                    // Once per kind: a kind sent a thousand times must not make the links a thousand long.
                    query.add("event=" + ConsoleServlet.enc(name));
                }
            }
        }
        values.put("events", events.stream().map(Enum::name).toList());
        String user = text(request, "user", errors, values, query);
        String address = text(request, "address", errors, values, query);
        return new ConsoleFilter(new AuditSearch.Filter(from, to, Set.copyOf(events), user, address), values,
                errors, String.join("&", query));
    }

    private static String text(HttpServletRequest request, String name, Map<String, String> errors,
                               Map<String, Object> values, List<String> query) {
        String value = ConsoleServlet.field(request, name);
        if (value == null) {
            errors.put(name, "console.error.field");
            values.put(name, "");
            return null;
        }
        values.put(name, value);
        if (value.isEmpty()) {
            return null;
        }
        query.add(name + "=" + ConsoleServlet.enc(value));
        return value;
    }

    /** A time in UTC: "2026-11-29" or "2026-11-29T08:30" (what a datetime-local field sends). */
    private static Long time(HttpServletRequest request, String name, boolean end, Map<String, String> errors,
                             Map<String, Object> values, List<String> query) {
        String value = ConsoleServlet.field(request, name);
        values.put(name, value == null ? "" : value);
        if (value == null || value.isEmpty()) {
            if (value == null) {
                errors.put(name, "console.error.time");
            }
            return null;
        }
        try {
            long millis;
            if (value.length() == 10) {
                LocalDate day = LocalDate.parse(value);
                millis = (end ? day.plusDays(1) : day).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
            } else {
                millis = LocalDateTime.parse(value).toInstant(ZoneOffset.UTC).toEpochMilli();
            }
            query.add(name + "=" + ConsoleServlet.enc(value));
            return millis;
        } catch (DateTimeParseException | ArithmeticException e) {
            errors.put(name, "console.error.time");
            return null;
        }
    }
}
