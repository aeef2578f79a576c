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

/**
 * Twostep's settings, parsed and checked once at start-up. Every setting is a context-param in
 * web.xml that an environment variable of the same name overrides (see {@link Settings}); secrets come
 * from the environment only. README.md lists each with its default.
 *
 * <p>{@code dbUrl} is null when {@code twostep.db.url} is not set: each web app then gets an SQLite file of
 * its own, named after its context path ({@code dev.twostep.db.Database}). {@code dbJndiExplicit} says
 * whether {@code twostep.db.jndi} was set, rather than left at its default.
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
        List<String> trustedProxies,
        int passwordMemoryKib,
        int passwordIterations,
        Twilio twilio,
        boolean dbJndiExplicit) {

    /** How codes leave the server. */
    public enum Delivery { AUTO, CONSOLE, TWILIO }

    /**
     * Limits against guessing and SMS abuse (docs/security.md).
     *
     * @param user sends per user name
     * @param number sends per destination number
     * @param address sends per client address
     * @param sendWindow the window of those counts, and of failed sign-ins per address
     * @param sendsPerHour codes the whole server sends per hour (the cost guard)
     * @param codeFailuresBeforeLock consecutive wrong codes before the second step locks (at most 100)
     * @param passwordFailuresBeforeLock consecutive wrong passwords before the account's sign-in locks
     * @param passwordFailuresPerAddress failed sign-ins per client address in {@code sendWindow}
     * @param lockDelays the growing lock durations; the last one repeats
     */
    public record Limits(SendRule user, SendRule number, SendRule address, Duration sendWindow, int sendsPerHour,
                         int codeFailuresBeforeLock, int passwordFailuresBeforeLock, int passwordFailuresPerAddress,
                         List<Duration> lockDelays) {
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
     * Twilio account settings; present only when delivery uses Twilio. Either the auth token or an API key
     * and its secret authenticate requests; only the auth token can check Twilio's signatures on
     * callbacks, so status callbacks and the press-a-key call need it.
     */
    public record Twilio(String accountSid, String authToken, String apiKey, String apiSecret, String fromNumber,
                         String messagingServiceSid, String callerId, URI baseUrl, Duration connectTimeout,
                         Duration readTimeout, Locale voiceLanguage, boolean voicePressKey, int maxInFlight) {
        @Override
        public String toString() {
            // Neither the auth token nor the API secret ever reaches a log line.
            return "Twilio[accountSid=" + accountSid + ", auth=" + (apiKey != null ? "api key " + apiKey : "auth token")
                    + ", from=" + fromNumber + ", messagingServiceSid=" + messagingServiceSid + ", callerId=" + callerId
                    + ", baseUrl=" + baseUrl + ", connectTimeout=" + connectTimeout.toMillis() + "ms, readTimeout="
                    + readTimeout.toMillis() + "ms, voiceLanguage=" + voiceLanguage.toLanguageTag()
                    + ", voicePressKey=" + voicePressKey + ", maxInFlight=" + maxInFlight + "]";
        }
    }

    public static final String DEFAULT_JNDI_NAME = "java:comp/env/jdbc/twostep";
    /** OWASP Password Storage Cheat Sheet minimum for Argon2id: m=19 MiB, t=2, p=1. */
    public static final int MIN_PASSWORD_MEMORY_KIB = 19456;
    public static final int MIN_PASSWORD_ITERATIONS = 2;

    public static TwostepConfig from(Settings s) {
        Delivery delivery = s.getEnum("twostep.delivery", Delivery.class, Delivery.AUTO);
        String accountSid = s.secret("TWILIO_ACCOUNT_SID");
        String authToken = s.secret("TWILIO_AUTH_TOKEN");
        String apiKey = s.secret("TWILIO_API_KEY");
        String apiSecret = s.secret("TWILIO_API_SECRET");
        boolean twilioConfigured = accountSid != null && (authToken != null || (apiKey != null && apiSecret != null));
        URI publicOrigin = publicOrigin(s.get("twostep.public-origin"));
        if (delivery == Delivery.AUTO) {
            delivery = twilioConfigured ? Delivery.TWILIO : Delivery.CONSOLE;
        }
        Twilio twilio = null;
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
            boolean pressKey = s.getBoolean("twilio.voice.press-key", false);
            if (pressKey && (publicOrigin == null || authToken == null)) {
                throw new ConfigException("twilio.voice.press-key", "needs twostep.public-origin and TWILIO_AUTH_TOKEN,"
                        + " so that Twilio can call back and Twostep can check its signature");
            }
            twilio = new Twilio(accountSid, authToken, authToken == null ? apiKey : null,
                    authToken == null ? apiSecret : null, from, service, callerId,
                    baseUrl(s.get("twilio.base-url", "https://api.twilio.com")),
                    Duration.ofMillis(s.getInt("twilio.connect-timeout-ms", 5000, 100, 60000)),
                    Duration.ofMillis(s.getInt("twilio.read-timeout-ms", 10000, 100, 120000)),
                    Locale.forLanguageTag(s.get("twilio.voice.language", "en-US")),
                    pressKey,
                    s.getInt("twilio.max-in-flight", 16, 1, 1000));
        }
        String region = s.get("twostep.phone.default-region", "US").toUpperCase(Locale.ROOT);
        Set<String> regions = PhoneNumberUtil.getInstance().getSupportedRegions();
        if (!regions.contains(region)) {
            throw new ConfigException("twostep.phone.default-region",
                    "must be a two-letter region code such as US or GB, got '" + region + "'");
        }
        String successUrl = path(s, "twostep.success-url", "/");
        Identity identity = s.getEnum("twostep.identity", Identity.class, Identity.TWOSTEP);
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
        Limits limits = new Limits(sendRule(s, "user"), sendRule(s, "number"), sendRule(s, "address"),
                Duration.ofSeconds(s.getInt("twostep.limits.send-window-seconds", 900, 60, 86400)),
                s.getInt("twostep.limits.sends-per-hour", 1000, 1, 10_000_000),
                s.getInt("twostep.limits.code-failures-before-lock", 10, 1, 100),
                s.getInt("twostep.limits.password-failures-before-lock", 10, 1, 100),
                s.getInt("twostep.limits.password-failures-per-address", 50, 1, 100_000),
                List.copyOf(delays));
        List<String> proxies = new java.util.ArrayList<>();
        for (String p : s.get("twostep.trusted-proxies", "").split(",")) {
            if (!p.isBlank()) {
                if (!p.trim().matches("[0-9a-fA-F:.]+")) {
                    throw new ConfigException("twostep.trusted-proxies", "must list IP addresses, got '" + p.trim() + "'");
                }
                proxies.add(p.trim());
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
                s.getInt("twostep.password.memory-kib", MIN_PASSWORD_MEMORY_KIB, MIN_PASSWORD_MEMORY_KIB, 1 << 22),
                s.getInt("twostep.password.iterations", MIN_PASSWORD_ITERATIONS, MIN_PASSWORD_ITERATIONS, 100),
                twilio,
                s.get("twostep.db.jndi") != null);
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
                + ", appName=" + appName + ", delivery=" + delivery + ", successUrl=" + successUrl
                + ", publicOrigin=" + publicOrigin + ", identity=" + identity
                + (identity == Identity.SESSION_ATTRIBUTE ? "(" + identityAttribute + ")" : "")
                + ", loginUrl=" + loginUrl + ", pagesPath=" + pagesPath + ", channels=" + channels
                + ", allowedRegions=" + allowedRegions + ", trustedProxies=" + trustedProxies + ", " + limits
                + ", password=argon2id(m=" + passwordMemoryKib + "KiB,t=" + passwordIterations + ",p=1)"
                + (twilio == null ? "" : ", " + twilio);
    }

    @Override
    public String toString() {
        return "TwostepConfig[" + describe() + "]";
    }
}
