package dev.twostep.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.twostep.delivery.Channel;
import dev.twostep.delivery.CodeMessage;
import dev.twostep.delivery.CodeSender;
import dev.twostep.delivery.DeliveryException;

/** Keeps every code it is asked to send, so a test can type it; can be told to fail the next sends. */
public final class RecordingSender implements CodeSender {
    /** Never reset, so no two messages in one JVM share a SID. */
    private static final java.util.concurrent.atomic.AtomicLong SIDS = new java.util.concurrent.atomic.AtomicLong();
    private final List<CodeMessage> sent = new ArrayList<>();
    private DeliveryException failure;
    private boolean failAfterSending;
    private volatile java.util.function.Consumer<CodeMessage> beforeSend = m -> { };

    @Override
    public String send(CodeMessage message) throws DeliveryException {
        // Outside the lock, so a test can hold one send while another goes through.
        beforeSend.accept(message);
        synchronized (this) {
            if (failure != null && !failAfterSending) {
                throw failure;
            }
            sent.add(message);
            if (failure != null) {
                throw failure;
            }
            // Shaped like a Twilio SID, unique per message, so delivery reports can find it.
            return String.format(java.util.Locale.ROOT, "%s%032x", message.channel() == Channel.SMS ? "SM" : "CA",
                    SIDS.incrementAndGet());
        }
    }

    /** Runs before each send, on the sending request's thread (to order parallel sends in a test). */
    public void beforeSend(java.util.function.Consumer<CodeMessage> hook) {
        beforeSend = hook;
    }

    /** A notice to a phone (e.g. "your number was changed"). */
    public record Notice(String to, Channel channel, String text) {
    }

    private final List<Notice> notices = new ArrayList<>();

    @Override
    public synchronized String notice(String to, Channel channel, String text) throws DeliveryException {
        if (failure != null) {
            throw failure;
        }
        notices.add(new Notice(to, channel, text));
        return null;
    }

    public synchronized List<Notice> notices() {
        return List.copyOf(notices);
    }

    public synchronized List<CodeMessage> sent() {
        return List.copyOf(sent);
    }

    public synchronized Optional<CodeMessage> last() {
        return sent.isEmpty() ? Optional.empty() : Optional.of(sent.get(sent.size() - 1));
    }

    public synchronized String lastCode() {
        return last().orElseThrow(() -> new AssertionError("no code was sent")).code();
    }

    public synchronized void failWith(DeliveryException e) {
        failure = e;
        failAfterSending = false;
    }

    /** The next sends go out (a test can read their codes) and then report this failure: a lost answer. */
    public synchronized void failAfterSending(DeliveryException e) {
        failure = e;
        failAfterSending = true;
    }

    public synchronized void reset() {
        beforeSend = m -> { };
        sent.clear();
        notices.clear();
        failure = null;
        failAfterSending = false;
    }
}
