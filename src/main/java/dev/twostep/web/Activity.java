package dev.twostep.web;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;

import dev.twostep.audit.AuditLog;

/**
 * The audit trail as a person reads it on the account and security pages: one sentence a row ("Code sent
 * by text message to the phone ending in 71"), the address it came from, and the time as an ISO instant
 * (which a small script shows in the browser's own time zone) with the server's rendering in UTC as the
 * fallback. Provider ids and other details meant for operators stay out.
 */
public final class Activity {
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'",
            java.util.Locale.ROOT).withZone(ZoneOffset.UTC);
    /** "sms to ••••••••71 SM…", "phone change, voice to ••71": the channel and the last two digits. */
    private static final Pattern SENT = Pattern.compile("^(phone change, )?(sms|voice) to \\S*?(\\d{2})(\\s.*)?$");
    /** At most nine digits: a detail of the user's own words (an app's name) may end in a count past an int. */
    private static final Pattern REPEATS = Pattern.compile("\\((\\d{1,9}) times\\)$");

    private Activity() {
    }

    /** A time as the account and security pages show it without script: in UTC, named; null stays null. */
    public static String utc(Long millis) {
        return millis == null ? null : UTC.format(Instant.ofEpochMilli(millis));
    }

    public static List<Map<String, Object>> rows(HttpServletRequest request, List<AuditLog.Entry> entries) {
        return entries.stream().map(e -> row(request, e)).toList();
    }

    static Map<String, Object> row(HttpServletRequest request, AuditLog.Entry e) {
        Map<String, Object> row = new HashMap<>();
        Instant at = Instant.ofEpochMilli(e.at());
        row.put("iso", at.toString());
        row.put("when", utc(e.at()));
        row.put("text", sentence(request, e));
        row.put("from", e.address() == null ? "" : Views.message(request, "activity.from", e.address()));
        // Kept for pages and tests that read the event and the raw detail.
        row.put("what", "audit." + e.event().name());
        row.put("detail", e.detail() == null ? "" : e.detail());
        return row;
    }

    static String sentence(HttpServletRequest request, AuditLog.Entry e) {
        String detail = e.detail() == null ? "" : e.detail();
        String text = switch (e.event()) {
            case CODE_SENT -> {
                Matcher m = SENT.matcher(detail.replaceAll("\\s*\\(\\d+ times\\)$", ""));
                yield m.matches() ? Views.message(request, "activity.codeSent." + m.group(2), m.group(3))
                        : Views.message(request, "audit.CODE_SENT");
            }
            case CODE_ACCEPTED -> switch (detail) {
                case "sms" -> Views.message(request, "activity.accepted.sms");
                case "voice" -> Views.message(request, "activity.accepted.voice");
                case "authenticator app" -> Views.message(request, "activity.accepted.app");
                case "recovery code" -> Views.message(request, "activity.accepted.recovery");
                default -> Views.message(request, "audit.CODE_ACCEPTED");
            };
            default -> Views.message(request, "audit." + e.event().name());
        };
        Matcher repeats = REPEATS.matcher(detail);
        if (repeats.find()) {
            text = Views.message(request, "activity.repeats", text, Integer.parseInt(repeats.group(1)));
        }
        return text;
    }
}
