package dev.twostep.guard;

import java.util.Objects;

import jakarta.servlet.ServletContext;

/**
 * Collaborators shared through the ServletContext, each under its class's name, so they never collide
 * with a host app's attributes.
 */
public final class Attributes {
    private Attributes() {
    }

    public static <T> void put(ServletContext context, Class<T> type, T value) {
        context.setAttribute(type.getName(), Objects.requireNonNull(value));
    }

    public static <T> T find(ServletContext context, Class<T> type) {
        return type.cast(context.getAttribute(type.getName()));
    }

    public static <T> T require(ServletContext context, Class<T> type) {
        T value = find(context, type);
        if (value == null) {
            throw new IllegalStateException(type.getName() + " is not set up: is "
                    + "dev.twostep.web.TwostepListener registered as a listener in web.xml?");
        }
        return value;
    }
}
