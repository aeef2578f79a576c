package dev.twostep.delivery;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

import com.twilio.exception.TwilioException;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.rest.api.v2010.account.MessageCreator;
import com.twilio.type.PhoneNumber;

/**
 * Codes by SMS through Twilio Programmable Messaging, from a number or a Messaging Service. The body ends
 * with the WebOTP line ("@host #123456") when the public origin is https on the default port (the line
 * names a host, never a port or a scheme, and browsers only read it for a secure origin), so browsers and
 * phone keyboards can offer the code. A message carries the code's life as its validity period: Twilio drops it,
 * instead of delivering a dead code, if it is still queued when the code expires.
 */
public final class TwilioSmsSender implements CodeSender {
    /** Twilio's range for ValidityPeriod, in seconds (its default is the maximum, 10 hours). */
    static final int MIN_VALIDITY = 1;
    static final int MAX_VALIDITY = 36000;

    private final TwilioRestClient client;
    private final String from;
    private final String messagingServiceSid;
    private final String appName;
    private final String webOtpHost;
    private final URI statusCallback;
    private final DeliveryTexts texts;

    /**
     * @param from the Twilio number to send from (E.164), or null when a Messaging Service sends
     * @param messagingServiceSid the Messaging Service (MG...), or null
     * @param webOtpHost the host for the WebOTP line, or null to leave the line out
     * @param statusCallback where Twilio reports delivery, or null for no reports
     */
    public TwilioSmsSender(TwilioRestClient client, String from, String messagingServiceSid, String appName,
                           String webOtpHost, URI statusCallback, DeliveryTexts texts) {
        this.client = Objects.requireNonNull(client, "client");
        if (from == null && messagingServiceSid == null) {
            throw new IllegalArgumentException("a from number or a Messaging Service SID is needed");
        }
        this.from = from;
        this.messagingServiceSid = messagingServiceSid;
        this.appName = appName;
        this.webOtpHost = webOtpHost;
        this.statusCallback = statusCallback;
        this.texts = texts;
    }

    @Override
    public String send(CodeMessage m) throws DeliveryException {
        String body = body(m);
        MessageCreator creator = messagingServiceSid != null
                ? Message.creator(new PhoneNumber(m.to()), messagingServiceSid, body)
                : Message.creator(new PhoneNumber(m.to()), new PhoneNumber(from), body);
        creator.setValidityPeriod(validityPeriod(m.validFor()));
        if (statusCallback != null) {
            creator.setStatusCallback(statusCallback);
        }
        try {
            return creator.create(client).getSid();
        } catch (TwilioException e) {
            throw TwilioErrors.map(e, m.channel(), m.to());
        }
    }

    /** The code's remaining life in whole seconds, within what Twilio accepts. */
    static int validityPeriod(Duration validFor) {
        return (int) Math.max(MIN_VALIDITY, Math.min(MAX_VALIDITY, validFor.toSeconds()));
    }

    @Override
    public String notice(String to, Channel channel, String text) throws DeliveryException {
        MessageCreator creator = messagingServiceSid != null
                ? Message.creator(new PhoneNumber(to), messagingServiceSid, text)
                : Message.creator(new PhoneNumber(to), new PhoneNumber(from), text);
        try {
            return creator.create(client).getSid();
        } catch (TwilioException e) {
            throw TwilioErrors.map(e, Channel.SMS, to);
        }
    }

    String body(CodeMessage m) {
        String text = texts.smsBody(m.locale(), appName, m.code(), m.validFor());
        return webOtpHost == null ? text : text + "\n\n@" + webOtpHost + " #" + m.code();
    }
}
