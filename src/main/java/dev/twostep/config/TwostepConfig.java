package dev.twostep.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.google.i18n.phonenumbers.PhoneNumberUtil;

import dev.twostep.delivery.Channel;
import dev.twostep.delivery.TwilioSettings;

/**
 * Twostep's settings, parsed and checked once at start-up. Every setting is a context-param in
 * web.xml that an environment variable of the same name overrides (see {@link Settings}); secrets come
 * from the environment only. README.md lists each with its default.
 *
 * <p>{@code dbUrl} is null when {@code twostep.db.url} is not set: each web app then gets an SQLite file of
 * its own, named after its context path ({@code dev.twostep.db.Database}). {@code dbJndiExplicit} says
 * whether {@code twostep.db.jndi} was set, rather than left at its default. {@code securityFresh}
 * ({@code twostep.security.fresh-minutes}, default 5) is how recently the second step must have passed for
 * the security page to remove a factor.
 */
public record TwostepConfig(
        String dbUrl,
        String dbUser,
        String dbPassword,
        String dbJndiName,
        int dbPoolSize,
        Path dataDir,
        String secret,
        int codeLength,
        Duration codeTtl,
        int codeMaxAttempts,
        String phoneRegion,
        String appName,
        Delivery delivery,
        String successUrl,
        URI publicOrigin,
        Identity identity,
        String identityAttribute,
        boolean identityLowercase,
        boolean selfEnrollment,
        boolean registration,
        String hsts,
        String loginUrl,
        String pagesPath,
        Set<Channel> channels,
        String stylesheetUrl,
        Limits limits,
        Set<String> allowedRegions,
        List<IpRange> trustedProxies,
        TwilioSettings twilio,
        Duration sessionMaxAge,
        boolean sessionHostPrefix,
        boolean dbJndiExplicit,
        int rememberDeviceDays,
        Set<FactorKind> factors,
        Set<Required> requiredFactors,
        Duration securityFresh,
        Console console) {

    /**
     * The operators' console ({@code <pages-path>/admin}): off unless {@code twostep.admin.users} names
     * operators or {@code twostep.admin.role} names a container role whose members are operators.
     *
     * @param users operators' user names, as the guard sees them (lower-cased when the identity is)
     * @param role a container role checked with {@code isUserInRole}, or null
     */
    public record Console(Set<String> users, String role) {
        public boolean enabled() {
            return !users.isEmpty() || role != null;
        }
    }

    /**
     * How codes leave the server. There is no silent fallback: console delivery writes codes to the log,
     * so it is only ever used when someone asked for it by name.
     */
    public enum Delivery {
        /** Development only: each code is written to the server log in a line marked DEV DELIVERY. */
        CONSOLE,
        /** Twilio SMS and voice calls. */
        TWILIO
    }

    /**
     * Limits against guessing and SMS abuse (docs/security.md). Codes to numbers nobody has confirmed yet
     * (registration, enrollment, phone change: what SMS pumping uses) and codes to confirmed numbers (a
     * sign-in, which needs the user's first factor) are counted apart, so pumping cannot use up the budget
     * that established users sign in with.
     *
     * @param user sends per user name
     * @param number sends per destination number
     * @param address sends per client address to numbers not confirmed yet
     * @param addressConfirmedSends sends per client address to confirmed numbers in {@code sendWindow}: high,
     *        because an office or a carrier-grade NAT puts many users behind one address
     * @param newNumberSendsPerDay codes a day to one number nobody has confirmed, whoever asks
     * @param userSendsPerDay codes a day to one user, whatever the number: bounds what an account an attacker
     *        registered and confirmed on a number of their own can draw
     * @param establishedAfter how long after its confirmation a phone's codes count in the confirmed budget;
     *        before that they count as a new number's, so freshly made accounts cannot drain the budget that
     *        established users sign in with
     * @param sendWindow the window of those counts, and of failed sign-ins per address
     * @param sendsPerHour codes per hour for the whole server to numbers not confirmed yet (the cost guard)
     * @param sendsPerHourPerCountry of those, per destination country (pumping targets a few countries)
     * @param confirmedSendsPerHour codes per hour for the whole server to confirmed numbers
     * @param codeFailuresBeforeLock consecutive wrong codes before the second step locks for a while
     * @param codeFailuresCap consecutive wrong codes after which the second step stays locked until an
     *        operator unlocks it (at most 100, NIST SP 800-63B 5.2.2)
     * @param passwordFailuresBeforeLock consecutive wrong passwords before the account's sign-in locks
     * @param passwordFailuresPerAddress failed sign-ins per client address in {@code sendWindow}
     * @param lockDelays the growing lock durations; the last one repeats
     */
    public record Limits(SendRule user, SendRule number, SendRule address, int addressConfirmedSends,
                         int newNumberSendsPerDay, int userSendsPerDay, Duration establishedAfter,
                         Duration sendWindow, int sendsPerHour, int sendsPerHourPerCountry,
                         int confirmedSendsPerHour, int codeFailuresBeforeLock, int codeFailuresCap,
                         int passwordFailuresBeforeLock, int passwordFailuresPerAddress, List<Duration> lockDelays) {
    }

    /** At most {@code sends} codes per window, and at least {@code interval} between two. */
    public record SendRule(int sends, Duration interval) {
    }

    private static SendRule sendRule(Settings s, String what) {
        return new SendRule(s.getInt("twostep.limits." + what + ".sends", 5, 1, 1_000_000),
                Duration.ofSeconds(s.getInt("twostep.limits." + what + ".interval-seconds", 30, 0, 3600)));
    }

    /** Where the guard learns who passed the first step. */
    public enum Identity {
        /** Twostep's own password sign-in (the standalone app). */
        TWOSTEP,
        /** The container's authentication: request.getRemoteUser() (FORM or BASIC with a Realm, Jetty login services). */
        CONTAINER,
        /** A session attribute the host app sets at its own sign-in (a String, or a Principal). */
        SESSION_ATTRIBUTE
    }

    /**
     * The kinds of second factor users may add ({@code twostep.factors}). A kind left out cannot be added;
     * for SMS and voice it also cannot be used, as {@code twostep.channels} always did; an authenticator
     * app or recovery codes a user already has keep working, so taking a kind out never locks anyone out.
     */
    public enum FactorKind { SMS, VOICE, TOTP, RECOVERY }

    /** The kinds every user must have ({@code twostep.factors.required}); a phone is SMS or voice. */
    public enum Required { PHONE, TOTP, RECOVERY }

    public static final String DEFAULT_JNDI_NAME = "java:comp/env/jdbc/twostep";

    public static TwostepConfig from(Settings s) {
        if ("auto".equalsIgnoreCase(s.get("twostep.delivery", ""))) {
            throw new ConfigException("twostep.delivery", "'auto' is no longer accepted, because it fell back to"
                    + " writing codes to the log when the Twilio variables went missing: set twilio (production) or"
                    + " console (development)");
        }
        Delivery delivery = s.getEnum("twostep.delivery", Delivery.class, null);
        String accountSid = s.secret("TWILIO_ACCOUNT_SID");
        String authToken = s.secret("TWILIO_AUTH_TOKEN");
        String apiKey = s.secret("TWILIO_API_KEY");
        String apiSecret = s.secret("TWILIO_API_SECRET");
        boolean twilioConfigured = accountSid != null && (authToken != null || (apiKey != null && apiSecret != null));
        URI publicOrigin = publicOrigin(s.get("twostep.public-origin"));
        if (delivery == null && twilioConfigured) {
            delivery = Delivery.TWILIO;
        }
        TwilioSettings twilio = null;
        if (delivery == Delivery.TWILIO) {
            if (!twilioConfigured) {
                throw new ConfigException("twostep.delivery", "twilio needs the environment variables"
                        + " TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET)");
            }
            String from = s.get("twilio.from-number");
            String service = s.get("twilio.messaging-service-sid");
            if (from == null && service == null) {
                throw new ConfigException("twilio.from-number",
                        "set a Twilio number to send from (or twilio.messaging-service-sid)");
            }
            String callerId = s.get("twilio.caller-id", from);
            if (callerId == null) {
                throw new ConfigException("twilio.caller-id", "voice calls need a caller id (or twilio.from-number)");
            }
            // The safer call by default wherever it can work: the code is read only after a key press, so it
            // does not land in voicemail. It needs Twilio to call back, which needs a public origin and the token.
            boolean pressKey = s.getBoolean("twilio.voice.press-key", publicOrigin != null && authToken != null);
            if (pressKey && (publicOrigin == null || authToken == null)) {
                throw new ConfigException("twilio.voice.press-key", "needs twostep.public-origin and TWILIO_AUTH_TOKEN,"
                        + " so that Twilio can call back and Twostep can check its signature");
            }
            twilio = new TwilioSettings(accountSid, authToken, authToken == null ? apiKey : null,
                    authToken == null ? apiSecret : null, from, service, callerId,
                    baseUrl(s.get("twilio.base-url", "https://api.twilio.com")),
                    Duration.ofMillis(s.getInt("twilio.connect-timeout-ms", 5000, 100, 60000)),
                    Duration.ofMillis(s.getInt("twilio.read-timeout-ms", 10000, 100, 120000)),
                    Locale.forLanguageTag(s.get("twilio.voice.language", "en-US")),
                    pressKey,
                    s.getInt("twilio.max-in-flight", 16, 1, 1000),
                    Duration.ofMillis(s.getInt("twilio.deadline-ms", 10000, 1000, 120000)),
                    // Twilio takes up to 600 s; below 5 s most phones would not even ring.
                    s.getInt("twilio.voice.ring-timeout-seconds", 20, 5, 600));
        }
        String region = s.get("twostep.phone.default-region", "US").toUpperCase(Locale.ROOT);
        Set<String> regions = PhoneNumberUtil.getInstance().getSupportedRegions();
        if (!regions.contains(region)) {
            throw new ConfigException("twostep.phone.default-region",
                    "must be a two-letter region code such as US or GB, got '" + region + "'");
        }
        String successUrl = path(s, "twostep.success-url", "/");
        // An app that names its protected pages in twostep.protect is a host app: its own login comes first.
        Identity identity = s.getEnum("twostep.identity", Identity.class,
                s.get("twostep.protect") != null ? Identity.CONTAINER : Identity.TWOSTEP);
        String loginUrl = path(s, "twostep.login-url", identity == Identity.TWOSTEP ? "/login" : null);
        String pagesPath = path(s, "twostep.pages-path", "/twostep").replaceAll("/+$", "");
        if (pagesPath.isEmpty()) {
            throw new ConfigException("twostep.pages-path", "must not be the root: Twostep's pages need a prefix");
        }
        Set<Channel> channels = EnumSet.noneOf(Channel.class);
        for (String name : s.get("twostep.channels", "sms,voice").split(",")) {
            channels.add(Channel.parse(name).orElseThrow(() -> new ConfigException("twostep.channels",
                    "must list sms, voice or both, got '" + name.trim() + "'")));
        }
        Set<FactorKind> factors = factors(s, channels);
        channels.removeIf(c -> !factors.contains(c == Channel.SMS ? FactorKind.SMS : FactorKind.VOICE));
        Set<Required> required = required(s, factors);
        Set<String> allowedRegions = new java.util.TreeSet<>();
        for (String r : s.get("twostep.phone.allowed-regions", region).split(",")) {
            String code = r.trim().toUpperCase(Locale.ROOT);
            if (!regions.contains(code)) {
                throw new ConfigException("twostep.phone.allowed-regions",
                        "must list region codes such as US,CA,GB, got '" + r.trim() + "'");
            }
            allowedRegions.add(code);
        }
        List<Duration> delays = new java.util.ArrayList<>();
        for (String m : s.get("twostep.limits.lock-minutes", "1,5,15,60").split(",")) {
            try {
                int minutes = Integer.parseInt(m.trim());
                if (minutes < 1 || minutes > 1440) {
                    throw new NumberFormatException();
                }
                delays.add(Duration.ofMinutes(minutes));
            } catch (NumberFormatException e) {
                throw new ConfigException("twostep.limits.lock-minutes",
                        "must list minutes from 1 to 1440, such as 1,5,15,60; got '" + m.trim() + "'");
            }
        }
        int failuresBeforeLock = s.getInt("twostep.limits.code-failures-before-lock", 10, 1, 100);
        int sendsPerHour = s.getInt("twostep.limits.sends-per-hour", 1000, 1, 10_000_000);
        Limits limits = new Limits(sendRule(s, "user"), sendRule(s, "number"), sendRule(s, "address"),
                s.getInt("twostep.limits.address.confirmed-sends", 100, 1, 1_000_000),
                s.getInt("twostep.limits.number.new-sends-per-day", 5, 1, 1000),
                s.getInt("twostep.limits.user.sends-per-day", 12, 1, 100_000),
                Duration.ofHours(s.getInt("twostep.limits.established-after-hours", 168, 0, 8760)),
                Duration.ofSeconds(s.getInt("twostep.limits.send-window-seconds", 900, 60, 86400)),
                sendsPerHour,
                s.getInt("twostep.limits.sends-per-hour-per-country", Math.max(1, sendsPerHour / 4), 1, 10_000_000),
                s.getInt("twostep.limits.confirmed-sends-per-hour", 10_000, 1, 10_000_000),
                failuresBeforeLock,
                s.getInt("twostep.limits.code-failures-cap", 100, failuresBeforeLock, 100),
                s.getInt("twostep.limits.password-failures-before-lock", 10, 1, 100),
                s.getInt("twostep.limits.password-failures-per-address", 50, 1, 100_000),
                List.copyOf(delays));
        List<IpRange> proxies = new java.util.ArrayList<>();
        for (String p : s.get("twostep.trusted-proxies", "").split(",")) {
            if (!p.isBlank()) {
                try {
                    proxies.add(IpRange.parse(p.trim()));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("twostep.trusted-proxies", "must list IP addresses or CIDR ranges"
                            + " such as 10.0.0.0/8 or fd00::/8: " + e.getMessage());
                }
            }
        }
        String stylesheet = s.get("twostep.stylesheet-url");
        if (stylesheet != null && !(stylesheet.startsWith("/") || stylesheet.startsWith("https://"))) {
            throw new ConfigException("twostep.stylesheet-url", "must be a path or an https URL");
        }
        return new TwostepConfig(
                s.get("twostep.db.url"),
                s.get("twostep.db.user"),
                s.secret("TWOSTEP_DB_PASSWORD"),
                jndiName(s.get("twostep.db.jndi", DEFAULT_JNDI_NAME)),
                s.getInt("twostep.db.pool-size", 8, 1, 200),
                Path.of(s.get("twostep.data-dir", "./data")),
                s.secret("TWOSTEP_SECRET"),
                s.getInt("twostep.code.length", 6, 6, 10),
                Duration.ofSeconds(s.getInt("twostep.code.ttl-seconds", 600, 30, 3600)),
                s.getInt("twostep.code.max-attempts", 5, 1, 10),
                region,
                s.get("twostep.app-name", "Twostep"),
                delivery,
                successUrl,
                publicOrigin,
                identity,
                s.get("twostep.identity.session-attribute", "user"),
                s.getBoolean("twostep.identity.lowercase", true),
                s.getBoolean("twostep.enroll.self", true),
                s.getBoolean("twostep.registration", true),
                s.get("twostep.hsts", "max-age=31536000"),
                loginUrl,
                pagesPath,
                Set.copyOf(channels),
                stylesheet,
                limits,
                Set.copyOf(allowedRegions),
                List.copyOf(proxies),
                twilio,
                Duration.ofMinutes(s.getInt("twostep.session.max-minutes", 720, 5, 43_200)),
                s.getBoolean("twostep.session.cookie-host-prefix", false),
                s.get("twostep.db.jndi") != null,
                s.getInt("twostep.remember-device.days", 0, 0, 365),
                Set.copyOf(factors),
                Set.copyOf(required),
                Duration.ofMinutes(s.getInt("twostep.security.fresh-minutes", 5, 1, 60)),
                console(s, identity, s.getBoolean("twostep.identity.lowercase", true)));

    }

    /**
     * {@code twostep.factors}: by default every kind, with SMS and voice as {@code twostep.channels} says.
     * Set with {@code twostep.channels} too, the two must agree on SMS and voice. At least one kind that
     * signs in alone (SMS, voice or an app) is needed: recovery codes run out.
     */
    private static Set<FactorKind> factors(Settings s, Set<Channel> channels) {
        String value = s.get("twostep.factors");
        Set<FactorKind> kinds = EnumSet.noneOf(FactorKind.class);
        if (value == null) {
            channels.forEach(c -> kinds.add(c == Channel.SMS ? FactorKind.SMS : FactorKind.VOICE));
            kinds.add(FactorKind.TOTP);
            kinds.add(FactorKind.RECOVERY);
            return kinds;
        }
        for (String name : value.split(",")) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            kinds.add(switch (n) {
                case "sms" -> FactorKind.SMS;
                case "voice" -> FactorKind.VOICE;
                case "totp", "app" -> FactorKind.TOTP;
                case "recovery" -> FactorKind.RECOVERY;
                default -> throw new ConfigException("twostep.factors",
                        "must list sms, voice, totp and recovery (any of them), got '" + name.trim() + "'");
            });
        }
        if (!kinds.contains(FactorKind.SMS) && !kinds.contains(FactorKind.VOICE) && !kinds.contains(FactorKind.TOTP)) {
            throw new ConfigException("twostep.factors", "needs sms, voice or totp: recovery codes alone run out");
        }
        if (s.get("twostep.channels") != null) {
            for (Channel c : Channel.values()) {
                boolean inFactors = kinds.contains(c == Channel.SMS ? FactorKind.SMS : FactorKind.VOICE);
                if (inFactors != channels.contains(c)) {
                    throw new ConfigException("twostep.factors", "and twostep.channels disagree on "
                            + c.name().toLowerCase(Locale.ROOT) + "; set only twostep.factors");
                }
            }
        }
        return kinds;
    }

    /** {@code twostep.factors.required}: each kind named must be one users may add. */
    private static Set<Required> required(Settings s, Set<FactorKind> factors) {
        Set<Required> required = EnumSet.noneOf(Required.class);
        String value = s.get("twostep.factors.required", "");
        for (String name : value.split(",")) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (n.isEmpty()) {
                continue;
            }
            Required kind = switch (n) {
                case "phone" -> Required.PHONE;
                case "totp", "app" -> Required.TOTP;
                case "recovery" -> Required.RECOVERY;
                default -> throw new ConfigException("twostep.factors.required",
                        "must list phone, totp or recovery, got '" + name.trim() + "'");
            };
            boolean offered = switch (kind) {
                case PHONE -> factors.contains(FactorKind.SMS) || factors.contains(FactorKind.VOICE);
                case TOTP -> factors.contains(FactorKind.TOTP);
                case RECOVERY -> factors.contains(FactorKind.RECOVERY);
            };
            if (!offered) {
                throw new ConfigException("twostep.factors.required", "requires " + n
                        + ", which twostep.factors does not offer");
            }
            required.add(kind);
        }
        return required;
    }

    /**
     * {@code twostep.admin.users} (comma-separated user names) and {@code twostep.admin.role} (a container
     * role; only where the container authenticates, as {@code isUserInRole} knows no other users). Names are
     * compared as the guard sees them: lower-cased with {@code twostep.identity.lowercase}, and always in the
     * standalone app, whose accounts are lower-case.
     */
    private static Console console(Settings s, Identity identity, boolean lowercase) {
        lowercase = lowercase || identity == Identity.TWOSTEP;
        Set<String> users = new java.util.TreeSet<>();
        for (String name : s.get("twostep.admin.users", "").split(",")) {
            String n = name.trim();
            if (!n.isEmpty()) {
                users.add(lowercase ? n.toLowerCase(Locale.ROOT) : n);
            }
        }
        String role = s.get("twostep.admin.role");
        if (role != null && role.isBlank()) {
            role = null;
        }
        if (role != null && identity != Identity.CONTAINER) {
            throw new ConfigException("twostep.admin.role", "needs the container's sign-in (twostep.identity=container),"
                    + " whose roles isUserInRole checks; name operators with twostep.admin.users instead");
        }
        return new Console(Set.copyOf(users), role == null ? null : role.trim());
    }

    /** Whether users may add this kind. */
    public boolean offers(FactorKind kind) {
        return factors.contains(kind);
    }

    /** A path inside the app: one leading slash, no scheme, host or backslash. */
    private static String path(Settings s, String name, String fallback) {
        String value = s.get(name, fallback);
        if (value == null) {
            return null;
        }
        if (!value.startsWith("/") || value.startsWith("//") || value.contains("\\")
                || value.chars().anyMatch(c -> c < 0x20)) {
            throw new ConfigException(name, "must be a path inside this app, starting with one /");
        }
        return value;
    }

    private static URI publicOrigin(String value) {
        if (value == null) {
            return null;
        }
        try {
            URI uri = new URI(value.replaceAll("/+$", ""));
            boolean ok = ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                    && (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null
                    && uri.getRawUserInfo() == null;
            if (!ok) {
                throw new ConfigException("twostep.public-origin",
                        "must be a scheme and host such as https://auth.example.com, got '" + value + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ConfigException("twostep.public-origin", "is not a URL: '" + value + "'");
        }
    }

    /** "none" turns the JNDI look-up off. */
    private static String jndiName(String value) {
        return "none".equalsIgnoreCase(value) ? null : value;
    }

    private static URI baseUrl(String value) {
        try {
            URI uri = new URI(value);
            if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new ConfigException("twilio.base-url", "must be an http or https URL, got '" + value + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ConfigException("twilio.base-url", "is not a URL: '" + value + "'");
        }
    }

    /** The settings as a log line: no secret, no password. */
    public String describe() {
        return "db=" + (dbUrl == null ? "per-context SQLite file"
                : dbUrl.startsWith("jdbc:sqlite:") ? dbUrl : dbUrl.replaceAll("\\?.*", "?..."))
                + ", jndi=" + dbJndiName + ", poolSize=" + dbPoolSize + ", dataDir=" + dataDir
                + ", secret=" + (secret == null ? "generated" : "from TWOSTEP_SECRET")
                + ", code.length=" + codeLength + ", code.ttl=" + codeTtl.toSeconds() + "s"
                + ", code.maxAttempts=" + codeMaxAttempts + ", phone.defaultRegion=" + phoneRegion
                + ", appName=" + appName + ", rememberDeviceDays=" + rememberDeviceDays
                + ", security.fresh=" + securityFresh.toMinutes() + "min"
                + ", delivery=" + (delivery == null ? "none chosen" : delivery) + ", successUrl=" + successUrl
                + ", publicOrigin=" + publicOrigin + ", identity=" + identity
                + (identity == Identity.SESSION_ATTRIBUTE ? "(" + identityAttribute + ")" : "")
                + ", loginUrl=" + loginUrl + ", pagesPath=" + pagesPath + ", channels=" + channels
                + ", factors=" + factors + ", factors.required=" + requiredFactors
                + ", allowedRegions=" + allowedRegions + ", trustedProxies=" + trustedProxies + ", " + limits
                + ", session.maxAge=" + sessionMaxAge.toMinutes() + "min, session.cookieHostPrefix=" + sessionHostPrefix
                + (twilio == null ? "" : ", " + twilio);
    }

    @Override
    public String toString() {
        return "TwostepConfig[" + describe() + "]";
    }
}
