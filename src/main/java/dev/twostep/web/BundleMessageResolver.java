package dev.twostep.web;

import org.thymeleaf.context.ITemplateContext;
import org.thymeleaf.messageresolver.AbstractMessageResolver;

/** Thymeleaf's #{...} messages from {@link Messages}: Twostep's bundle, under the host's when it has one. */
final class BundleMessageResolver extends AbstractMessageResolver {
    private final Messages messages;

    BundleMessageResolver(Messages messages) {
        this.messages = messages;
    }

    @Override
    public String resolveMessage(ITemplateContext context, Class<?> origin, String key, Object[] args) {
        return messages.format(context.getLocale(), key, args);
    }

    @Override
    public String createAbsentMessageRepresentation(ITemplateContext context, Class<?> origin, String key,
                                                    Object[] args) {
        return "??" + key + "??";
    }
}
