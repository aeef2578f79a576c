package dev.twostep.delivery;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.twilio.exception.ApiConnectionException;
import com.twilio.exception.ApiException;
import com.twilio.exception.TwilioException;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Call;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.twiml.VoiceResponse;
import com.twilio.twiml.voice.Pause;
import com.twilio.twiml.voice.Say;
import com.twilio.type.PhoneNumber;
import com.twilio.type.Twiml;

import dev.twostep.config.TwostepConfig;

/**
 * Sends codes through Twilio: SMS by Programmable Messaging, voice by a call whose TwiML travels inline
 * with the request (no public callback URL needed). The client is given in the constructor.
 */
public final class TwilioSender implements CodeSender {
    private static final Logger LOG = LoggerFactory.getLogger(TwilioSender.class);
    /** Twilio errors that mean "this number cannot get this channel": offer the other one. */
    private static final Set<Integer> CHANNEL_UNAVAILABLE = Set.of(21408, 21610, 21612, 21614, 21215, 13227);
    private static final Set<Integer> INVALID_NUMBER = Set.of(21211, 21217, 21401, 21421, 13223, 13224);

    private final TwilioRestClient client;
    private final String fromNumber;
    private final String messagingServiceSid;
    private final String callerId;
    private final String appName;

    public TwilioSender(TwilioRestClient client, String fromNumber, String messagingServiceSid, String callerId,
                        String appName) {
        this.client = Objects.requireNonNull(client, "client");
        this.fromNumber = fromNumber;
        this.messagingServiceSid = messagingServiceSid;
        this.callerId = callerId == null ? fromNumber : callerId;
        this.appName = appName;
    }

    /** Builds a sender, with its client, from the settings. */
    public static TwilioSender from(TwostepConfig.Twilio t, String appName) {
        TwilioRestClient client = new TwilioRestClient.Builder(t.accountSid(), t.authToken())
                .httpClient(new BaseUrlHttpClient(t.baseUrl(), t.connectTimeout(), t.readTimeout()))
                .build();
        return new TwilioSender(client, t.fromNumber(), t.messagingServiceSid(), t.callerId(), appName);
    }

    @Override
    public String send(CodeMessage m) throws DeliveryException {
        try {
            return m.channel() == Channel.SMS ? sms(m) : call(m);
        } catch (ApiException e) {
            Integer code = e.getCode();
            LOG.warn("Twilio refused a {} to {}: error {} (HTTP {})", m.channel(), PhoneMask.mask(m.to()), code,
                    e.getStatusCode());
            throw new DeliveryException(reason(code), code == null ? null : code.toString(), e.getMessage(), e);
        } catch (ApiConnectionException e) {
            LOG.warn("Twilio could not be reached for a {}: {}", m.channel(), e.getMessage());
            throw new DeliveryException(DeliveryException.Reason.TRY_LATER, null, e.getMessage(), e);
        } catch (TwilioException e) {
            LOG.warn("Twilio call failed for a {}: {}", m.channel(), e.getMessage());
            throw new DeliveryException(DeliveryException.Reason.TRY_LATER, null, e.getMessage(), e);
        }
    }

    static DeliveryException.Reason reason(Integer code) {
        if (code != null && CHANNEL_UNAVAILABLE.contains(code)) {
            return DeliveryException.Reason.CHANNEL_UNAVAILABLE;
        }
        if (code != null && INVALID_NUMBER.contains(code)) {
            return DeliveryException.Reason.INVALID_NUMBER;
        }
        return DeliveryException.Reason.TRY_LATER;
    }

    private String sms(CodeMessage m) {
        String body = smsBody(appName, m.code(), m.validFor().toMinutes());
        Message message = messagingServiceSid != null
                ? Message.creator(new PhoneNumber(m.to()), messagingServiceSid, body).create(client)
                : Message.creator(new PhoneNumber(m.to()), new PhoneNumber(fromNumber), body).create(client);
        return message.getSid();
    }

    private String call(CodeMessage m) {
        Call call = Call.creator(new PhoneNumber(m.to()), new PhoneNumber(callerId),
                new Twiml(voiceTwiml(appName, m.code(), m.locale()))).create(client);
        return call.getSid();
    }

    static String smsBody(String appName, String code, long minutes) {
        return "Your " + appName + " code is " + code + ". It expires in " + minutes + " minutes.";
    }

    /** The code read digit by digit with pauses, twice. */
    static String voiceTwiml(String appName, String code, Locale locale) {
        String spaced = String.join(", ", code.split(""));
        VoiceResponse.Builder twiml = new VoiceResponse.Builder();
        for (int i = 0; i < 2; i++) {
            twiml.say(new Say.Builder((i == 0 ? "Your " + appName + " code is: " : "Again, your code is: ")
                    + spaced + ".").build());
            twiml.pause(new Pause.Builder().length(1).build());
        }
        return twiml.build().toXml();
    }
}
