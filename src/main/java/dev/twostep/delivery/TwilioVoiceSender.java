package dev.twostep.delivery;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

import com.twilio.exception.TwilioException;
import com.twilio.http.HttpMethod;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.CallCreator;
import com.twilio.rest.api.v2010.account.Call;
import com.twilio.twiml.VoiceResponse;
import com.twilio.twiml.voice.Gather;
import com.twilio.twiml.voice.Pause;
import com.twilio.twiml.voice.Say;
import com.twilio.type.PhoneNumber;
import com.twilio.type.Twiml;

/**
 * Codes by voice call through Twilio Programmable Voice. The TwiML travels inline with the request, so
 * no public callback URL is needed. The code is read digit by digit with pauses, three times, in the
 * user's language where Twostep and Twilio have it.
 *
 * <p>A call can end in voicemail, and then the code is in the voicemail box. With a public origin and
 * {@code twilio.voice.press-key} on, the call instead asks the person to press a key first; only then does
 * Twilio fetch the code from Twostep (a request signed by Twilio, carrying a sealed {@link VoiceToken}).
 * Either way a code call rings only for the configured ring timeout, so that it usually ends before the
 * phone's voicemail answers. (Answering-machine detection is not used: with inline TwiML the call cannot
 * act on its result; see docs/twilio.md.)
 */
public final class TwilioVoiceSender implements CodeSender {
    static final int READINGS = 3;

    private final TwilioRestClient client;
    private final String callerId;
    private final String appName;
    private final URI statusCallback;
    private final URI pressKeyAction;
    private final VoiceToken tokens;
    private final DeliveryTexts texts;
    private final int ringTimeoutSeconds;

    /**
     * @param statusCallback where Twilio reports the call's progress, or null
     * @param pressKeyAction the URL Twilio asks for the code after a key press, or null to read the code
     *        straight away
     * @param ringTimeoutSeconds how long a code call rings before Twilio gives up (Twilio takes 1 to 600)
     */
    public TwilioVoiceSender(TwilioRestClient client, String callerId, String appName, URI statusCallback,
                             URI pressKeyAction, VoiceToken tokens, DeliveryTexts texts, int ringTimeoutSeconds) {
        this.client = Objects.requireNonNull(client, "client");
        this.callerId = Objects.requireNonNull(callerId, "callerId");
        this.appName = appName;
        this.statusCallback = statusCallback;
        this.pressKeyAction = pressKeyAction;
        this.tokens = tokens;
        this.texts = texts;
        this.ringTimeoutSeconds = ringTimeoutSeconds;
    }

    @Override
    public String send(CodeMessage m) throws DeliveryException {
        String twiml = pressKeyAction != null
                ? pressKeyTwiml(m, pressKeyAction + "?t=" + tokens.seal(new VoiceToken.Content(m.challengeId(), m.code(),
                        System.currentTimeMillis() + m.validFor().toMillis()))
                        + "&lang=" + texts.localeFor(m.locale()).toLanguageTag())
                : codeTwiml(texts, appName, m.code(), m.locale());
        CallCreator creator = Call.creator(new PhoneNumber(m.to()), new PhoneNumber(callerId), new Twiml(twiml));
        creator.setTimeout(ringTimeoutSeconds);
        if (statusCallback != null) {
            creator.setStatusCallback(statusCallback);
            // Only the "completed" event (Twilio's default): its CallStatus says completed, busy,
            // no-answer, canceled or failed, which is all the code page needs.
            creator.setStatusCallbackMethod(HttpMethod.POST);
        }
        try {
            return creator.create(client).getSid();
        } catch (TwilioException e) {
            throw TwilioErrors.map(e, m.channel(), m.to());
        }
    }

    @Override
    public String notice(String to, Channel channel, String text) throws DeliveryException {
        String twiml = new VoiceResponse.Builder().say(new Say.Builder(text).build())
                .pause(new Pause.Builder().length(1).build()).say(new Say.Builder(text).build()).build().toXml();
        try {
            return Call.creator(new PhoneNumber(to), new PhoneNumber(callerId), new Twiml(twiml)).create(client).getSid();
        } catch (TwilioException e) {
            throw TwilioErrors.map(e, Channel.VOICE, to);
        }
    }

    /** "1, 2, 3, 4, 5, 6": the commas make the voice pause between digits. */
    static String spaced(String code) {
        return String.join(", ", code.split(""));
    }

    /** The TwiML that reads the code. */
    public static String codeTwiml(DeliveryTexts texts, String appName, String code, Locale locale) {
        Say.Language language = texts.voiceLanguage(locale);
        VoiceResponse.Builder twiml = new VoiceResponse.Builder();
        twiml.say(say(texts.text(locale, "voice.intro", appName), language));
        for (int i = 0; i < READINGS; i++) {
            if (i > 0) {
                twiml.say(say(texts.text(locale, "voice.again"), language));
            }
            twiml.pause(new Pause.Builder().length(1).build());
            twiml.say(say(spaced(code) + ".", language));
            twiml.pause(new Pause.Builder().length(2).build());
        }
        twiml.say(say(texts.text(locale, "voice.bye"), language));
        return twiml.build().toXml();
    }

    private String pressKeyTwiml(CodeMessage m, String action) {
        Say.Language language = texts.voiceLanguage(m.locale());
        Gather gather = new Gather.Builder()
                .numDigits(1).timeout(10).action(action).method(HttpMethod.POST)
                .say(say(texts.text(m.locale(), "voice.pressKey", appName), language))
                .build();
        return new VoiceResponse.Builder()
                .gather(gather)
                .say(say(texts.text(m.locale(), "voice.noKey"), language))
                .build().toXml();
    }

    private static Say say(String text, Say.Language language) {
        return new Say.Builder(text).language(language).build();
    }
}
