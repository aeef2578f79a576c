package dev.twostep.delivery;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each code through the sender of its channel, with a bound on sends in flight: when the provider
 * is slow, at most that many request threads wait on it, and the rest are told at once to try later
 * instead of piling up until the server has no threads left.
 */
public final class ChannelRouter implements CodeSender {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelRouter.class);

    private final Map<Channel, CodeSender> senders;
    private final Semaphore inFlight;
    private final Duration queueWait;

    public ChannelRouter(Map<Channel, CodeSender> senders, int maxInFlight, Duration queueWait) {
        this.senders = Map.copyOf(senders);
        this.inFlight = new Semaphore(maxInFlight);
        this.queueWait = Objects.requireNonNull(queueWait);
    }

    @Override
    public String notice(String to, Channel channel, String text) throws DeliveryException {
        CodeSender sender = senders.get(channel);
        return sender == null ? null : sender.notice(to, channel, text);
    }

    @Override
    public String send(CodeMessage message) throws DeliveryException {
        CodeSender sender = senders.get(message.channel());
        if (sender == null) {
            throw new DeliveryException(DeliveryException.Reason.CHANNEL_UNAVAILABLE, null,
                    "no sender for " + message.channel(), null);
        }
        boolean admitted;
        try {
            admitted = inFlight.tryAcquire(queueWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admitted = false;
        }
        if (!admitted) {
            LOG.warn("Too many code sends in flight; refused a {} for now", message.channel());
            throw new DeliveryException(DeliveryException.Reason.TRY_LATER, null, "too many sends in flight", null);
        }
        try {
            return sender.send(message);
        } finally {
            inFlight.release();
        }
    }
}
