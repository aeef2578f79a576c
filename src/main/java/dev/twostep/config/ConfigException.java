package dev.twostep.config;

/** An invalid setting. Thrown at start-up so the deployment fails with a message naming the setting. */
public final class ConfigException extends RuntimeException {
    private final String setting;

    public ConfigException(String setting, String problem) {
        super("Invalid setting " + setting + " (environment variable " + Settings.envName(setting) + "): " + problem);
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }
}
