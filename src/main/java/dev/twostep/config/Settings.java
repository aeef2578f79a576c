package dev.twostep.config;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Where a setting's value comes from: an environment variable wins over a context-param of the same
 * name, which wins over the built-in default. The variable's name is the setting's name in upper case
 * with dots and dashes turned into underscores: {@code twostep.code.length} is
 * {@code TWOSTEP_CODE_LENGTH}.
 */
public final class Settings {
    private final Function<String, String> params;
    private final Map<String, String> env;

    /**
     * @param params looks up a context-param or init-param by name; returns null when absent
     * @param env the environment (System.getenv() outside tests)
     */
    public Settings(Function<String, String> params, Map<String, String> env) {
        this.params = Objects.requireNonNull(params);
        this.env = Objects.requireNonNull(env);
    }

    /** The environment variable that overrides a setting. */
    public static String envName(String setting) {
        return setting.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The configured value, trimmed, or null when neither the environment nor a param sets it. */
    public String get(String name) {
        String value = env.get(envName(name));
        if (value == null || value.isBlank()) {
            value = params.apply(name);
        }
        return value == null || value.isBlank() ? null : value.trim();
    }

    /** A secret: only ever taken from the environment, never from web.xml. */
    public String secret(String envName) {
        String value = env.get(envName);
        return value == null || value.isBlank() ? null : value.trim();
    }

    public String get(String name, String fallback) {
        String value = get(name);
        return value == null ? fallback : value;
    }

    public int getInt(String name, int fallback, int min, int max) {
        String value = get(name);
        if (value == null) {
            return fallback;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new ConfigException(name, "must be a whole number, got '" + value + "'");
        }
        if (parsed < min || parsed > max) {
            throw new ConfigException(name, "must be between " + min + " and " + max + ", got " + parsed);
        }
        return parsed;
    }

    public boolean getBoolean(String name, boolean fallback) {
        String value = get(name);
        if (value == null) {
            return fallback;
        }
        if ("true".equalsIgnoreCase(value) || "false".equalsIgnoreCase(value)) {
            return Boolean.parseBoolean(value);
        }
        throw new ConfigException(name, "must be true or false, got '" + value + "'");
    }

    public <E extends Enum<E>> E getEnum(String name, Class<E> type, E fallback) {
        String value = get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            StringBuilder allowed = new StringBuilder();
            for (E constant : type.getEnumConstants()) {
                allowed.append(allowed.length() == 0 ? "" : ", ")
                        .append(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
            throw new ConfigException(name, "must be one of " + allowed + ", got '" + value + "'");
        }
    }
}
