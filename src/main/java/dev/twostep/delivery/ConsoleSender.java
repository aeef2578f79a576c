package dev.twostep.delivery;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For development without Twilio: writes the code to the server log in one clearly marked line. It is
 * the only place where a code is ever logged, and it is used only when {@code twostep.delivery=console}
 * is set by name; a server missing its Twilio settings refuses to start instead.
 */
public final class ConsoleSender implements CodeSender {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleSender.class);

    @Override
    public String send(CodeMessage m) {
        LOG.warn("DEV DELIVERY (twostep.delivery=console): {} to {} code {} valid {} min",
                m.channel(), PhoneMask.mask(m.to()), m.code(), m.validFor().toMinutes());
        return null;
    }

    @Override
    public String notice(String to, Channel channel, String text) {
        LOG.warn("DEV DELIVERY (twostep.delivery=console): {} notice to {}: {}", channel, PhoneMask.mask(to), text);
        return null;
    }
}
