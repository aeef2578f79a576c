package dev.twostep.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.twostep.delivery.TwilioSettings;

class TwostepConfigTest {

    private static TwostepConfig parse(Map<String, String> params, Map<String, String> env) {
        return TwostepConfig.from(new Settings(params::get, env));
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        TwostepConfig c = parse(Map.of(), Map.of());
        assertNull(c.dbUrl(), "an SQLite file per context, named by dev.twostep.db.Database");
        assertEquals("java:comp/env/jdbc/twostep", c.dbJndiName());
        assertFalse(c.dbJndiExplicit());
        assertEquals(6, c.codeLength());
        assertEquals(600, c.codeTtl().toSeconds());
        assertEquals(5, c.codeMaxAttempts());
        assertEquals("US", c.phoneRegion());
        assertNull(c.delivery(), "no delivery is chosen for the operator, least of all the console");
        assertEquals("/", c.successUrl());
        assertEquals(TwostepConfig.Identity.TWOSTEP, c.identity());
        assertEquals("/login", c.loginUrl());
        assertEquals("/twostep", c.pagesPath());
        assertEquals(5, c.securityFresh().toMinutes());
    }

    @Test
    void everyFactorIsOfferedByDefaultAndNoneRequired() {
        TwostepConfig c = parse(Map.of(), Map.of());
        assertEquals(java.util.EnumSet.allOf(TwostepConfig.FactorKind.class), c.factors());
        assertEquals(java.util.Set.of(), c.requiredFactors());
        assertEquals(java.util.EnumSet.allOf(dev.twostep.delivery.Channel.class), c.channels());
        // The older twostep.channels still narrows the phone's kinds when twostep.factors is not set.
        TwostepConfig smsOnly = parse(Map.of("twostep.channels", "sms"), Map.of());
        assertEquals(java.util.EnumSet.of(TwostepConfig.FactorKind.SMS, TwostepConfig.FactorKind.TOTP,
                TwostepConfig.FactorKind.RECOVERY), smsOnly.factors());
    }

    @Test
    void factorsWithoutAPhoneLeaveNoChannelAndRequiredKindsMustBeOffered() {
        TwostepConfig noPhone = parse(Map.of("twostep.factors", "totp, recovery"), Map.of());
        assertEquals(java.util.Set.of(), noPhone.channels());
        assertFalse(noPhone.offers(TwostepConfig.FactorKind.SMS));
        assertTrue(noPhone.offers(TwostepConfig.FactorKind.TOTP));
        TwostepConfig voice = parse(Map.of("twostep.factors", "voice,totp"), Map.of());
        assertEquals(java.util.Set.of(dev.twostep.delivery.Channel.VOICE), voice.channels());

        TwostepConfig required = parse(Map.of("twostep.factors.required", "phone, recovery"), Map.of());
        assertEquals(java.util.EnumSet.of(TwostepConfig.Required.PHONE, TwostepConfig.Required.RECOVERY),
                required.requiredFactors());
        ConfigException notOffered = assertThrows(ConfigException.class, () -> parse(Map.of(
                "twostep.factors", "sms,recovery", "twostep.factors.required", "totp"), Map.of()));
        assertEquals("twostep.factors.required", notOffered.setting());
        assertTrue(notOffered.getMessage().contains("does not offer"), notOffered.getMessage());
        ConfigException disagree = assertThrows(ConfigException.class, () -> parse(Map.of(
                "twostep.factors", "sms,totp", "twostep.channels", "sms,voice"), Map.of()));
        assertEquals("twostep.factors", disagree.setting());
    }

    @Test
    void theConsoleIsOffUntilOperatorsAreNamed() {
        assertFalse(parse(Map.of(), Map.of()).console().enabled());
        TwostepConfig named = parse(Map.of("twostep.admin.users", " Olga, root ,,"), Map.of());
        assertTrue(named.console().enabled());
        assertEquals(java.util.Set.of("olga", "root"), named.console().users(), "as the guard sees names: lower-cased");
        // A host that keeps names' case keeps the operators' too; the standalone app's accounts are lower-case.
        assertEquals(java.util.Set.of("Olga"), parse(Map.of("twostep.protect", "/app/*", "twostep.admin.users", "Olga",
                "twostep.identity.lowercase", "false"), Map.of()).console().users());
        assertEquals(java.util.Set.of("olga"), parse(Map.of("twostep.admin.users", "Olga",
                "twostep.identity.lowercase", "false"), Map.of()).console().users());
        TwostepConfig role = parse(Map.of("twostep.protect", "/app/*", "twostep.admin.role", "ops"), Map.of());
        assertEquals("ops", role.console().role());
        // Twostep's own sign-in has no container roles to check.
        ConfigException noRoles = assertThrows(ConfigException.class,
                () -> parse(Map.of("twostep.admin.role", "ops"), Map.of()));
        assertEquals("twostep.admin.role", noRoles.setting());
    }

    @Test
    void theSecurityPagesFreshStepIsInMinutes() {
        assertEquals(15, parse(Map.of("twostep.security.fresh-minutes", "15"), Map.of()).securityFresh().toMinutes());
    }

    @Test
    void aJndiNameIsExplicitWhenSetEvenToTheDefault() {
        assertTrue(parse(Map.of("twostep.db.jndi", "java:comp/env/jdbc/twostep"), Map.of()).dbJndiExplicit());
        assertTrue(parse(Map.of(), Map.of("TWOSTEP_DB_JNDI", "java:comp/env/jdbc/other")).dbJndiExplicit());
        TwostepConfig off = parse(Map.of("twostep.db.jndi", "none"), Map.of());
        assertNull(off.dbJndiName());
    }

    @Test
    void environmentOverridesContextParams() {
        TwostepConfig c = parse(Map.of("twostep.code.length", "7"), Map.of("TWOSTEP_CODE_LENGTH", "8"));
        assertEquals(8, c.codeLength());
        assertEquals(7, parse(Map.of("twostep.code.length", "7"), Map.of()).codeLength());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "twostep.code.length         | 5",
        "twostep.code.length         | 11",
        "twostep.code.length         | six",
        "twostep.code.ttl-seconds    | 0",
        "twostep.code.max-attempts   | 0",
        "twostep.phone.default-region| XX",
        "twostep.delivery            | pigeon",
        "twostep.success-url         | https://evil.example",
        "twostep.success-url         | //evil.example",
        "twostep.public-origin       | ftp://auth.example.com",
        "twostep.public-origin       | https://auth.example.com/path",
        "twostep.public-origin       | auth.example.com",
        "twostep.trusted-proxies     | proxy.example.com",
        "twostep.trusted-proxies     | 10.0.0.0/33",
        "twostep.trusted-proxies     | 10.0.0.5/8",
        "twostep.trusted-proxies     | 10.0.0.1, 300.0.0.1",
        "twostep.security.fresh-minutes | 0",
        "twostep.security.fresh-minutes | 61",
        "twostep.security.fresh-minutes | five",
        "twostep.factors             | sms,fax",
        "twostep.factors             | recovery",
        "twostep.factors.required    | passport",
    })
    void invalidSettingsStopStartUpNamingTheSetting(String name, String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(Map.of(name, value), Map.of()));
        assertEquals(name, e.setting());
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    @Test
    void pressAKeyCallsAreTheDefaultWhereTwilioCanCallBack() {
        Map<String, String> twilio = Map.of("TWILIO_ACCOUNT_SID", "AC123", "TWILIO_AUTH_TOKEN", "token");
        assertTrue(parse(Map.of("twilio.from-number", "+15005550006", "twostep.public-origin", "https://auth.example.com"),
                twilio).twilio().voicePressKey(), "with a public origin and the auth token");
        assertFalse(parse(Map.of("twilio.from-number", "+15005550006"), twilio).twilio().voicePressKey(),
                "without a public origin Twilio cannot ask for the code");
        assertFalse(parse(Map.of("twilio.from-number", "+15005550006", "twostep.public-origin", "https://auth.example.com",
                "twilio.voice.press-key", "false"), twilio).twilio().voicePressKey(), "an operator can turn it off");
    }

    @Test
    void consoleDeliveryIsOnlyEverChosenByName() {
        assertEquals(TwostepConfig.Delivery.CONSOLE, parse(Map.of("twostep.delivery", "console"), Map.of()).delivery());
        // A production server whose environment lost the auth token: no fallback to the console.
        assertNull(parse(Map.of("twilio.from-number", "+15005550006"), Map.of("TWILIO_ACCOUNT_SID", "AC123")).delivery());
        ConfigException auto = assertThrows(ConfigException.class,
                () -> parse(Map.of("twostep.delivery", "auto"), Map.of()));
        assertEquals("twostep.delivery", auto.setting());
        ConfigException lost = assertThrows(ConfigException.class, () -> parse(
                Map.of("twostep.delivery", "twilio", "twilio.from-number", "+15005550006"),
                Map.of("TWILIO_ACCOUNT_SID", "AC123")));
        assertTrue(lost.getMessage().contains("TWILIO_AUTH_TOKEN"), lost.getMessage());
    }

    @Test
    void twilioIsChosenWhenItsCredentialsAreSetAndTheTokenNeverShows() {
        TwostepConfig c = parse(Map.of("twilio.from-number", "+15005550006"),
                Map.of("TWILIO_ACCOUNT_SID", "AC123", "TWILIO_AUTH_TOKEN", "sekret-token"));
        assertEquals(TwostepConfig.Delivery.TWILIO, c.delivery());
        assertEquals("https://api.twilio.com", c.twilio().baseUrl().toString());
        assertFalse(c.describe().contains("sekret-token"));
        assertFalse(c.toString().contains("sekret-token"));
    }

    @Test
    void twilioWithoutANumberToSendFromIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(Map.of(),
                Map.of("TWILIO_ACCOUNT_SID", "AC123", "TWILIO_AUTH_TOKEN", "x")));
        assertEquals("twilio.from-number", e.setting());
    }

    @Test
    void pressAKeyCallsNeedAPublicOriginAndTheAuthToken() {
        Map<String, String> apiKeyEnv = Map.of("TWILIO_ACCOUNT_SID", "AC1", "TWILIO_API_KEY", "SK1", "TWILIO_API_SECRET", "s");
        ConfigException noOrigin = assertThrows(ConfigException.class, () -> parse(Map.of("twilio.from-number", "+15005550006",
                "twilio.voice.press-key", "true"), Map.of("TWILIO_ACCOUNT_SID", "AC1", "TWILIO_AUTH_TOKEN", "t")));
        assertEquals("twilio.voice.press-key", noOrigin.setting());
        ConfigException noToken = assertThrows(ConfigException.class, () -> parse(Map.of("twilio.from-number", "+15005550006",
                "twilio.voice.press-key", "true", "twostep.public-origin", "https://a.example"), apiKeyEnv));
        assertEquals("twilio.voice.press-key", noToken.setting());
        TwostepConfig withKey = parse(Map.of("twilio.from-number", "+15005550006"), apiKeyEnv);
        assertEquals("SK1", withKey.twilio().apiKey());
        assertFalse(withKey.toString().contains("TWILIO_API_SECRET") || withKey.describe().contains("=s,"));
    }

    @Test
    void aBadTwilioBaseUrlIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(
                Map.of("twilio.from-number", "+15005550006", "twilio.base-url", "ftp://x"),
                Map.of("TWILIO_ACCOUNT_SID", "AC123", "TWILIO_AUTH_TOKEN", "x")));
        assertEquals("twilio.base-url", e.setting());
    }

    @Test
    void twilioCallsHaveADeadlineAndCodeCallsARingTimeoutWithinTheirRanges() {
        Map<String, String> env = Map.of("TWILIO_ACCOUNT_SID", "AC123", "TWILIO_AUTH_TOKEN", "x");
        TwilioSettings defaults = parse(Map.of("twilio.from-number", "+15005550006"), env).twilio();
        assertEquals(java.time.Duration.ofSeconds(10), defaults.deadline());
        assertEquals(20, defaults.voiceRingTimeoutSeconds());
        for (String[] bad : new String[][] {{"twilio.deadline-ms", "999"}, {"twilio.deadline-ms", "120001"},
                {"twilio.voice.ring-timeout-seconds", "4"}, {"twilio.voice.ring-timeout-seconds", "601"}}) {
            ConfigException e = assertThrows(ConfigException.class, () -> parse(
                    Map.of("twilio.from-number", "+15005550006", bad[0], bad[1]), env));
            assertEquals(bad[0], e.setting());
        }
    }
}
