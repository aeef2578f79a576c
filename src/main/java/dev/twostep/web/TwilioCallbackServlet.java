package dev.twostep.web;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.twilio.security.RequestValidator;
import com.twilio.twiml.VoiceResponse;
import com.twilio.twiml.voice.Say;

import dev.twostep.code.Challenge;
import dev.twostep.code.CodeService;
import dev.twostep.config.TwostepConfig;
import dev.twostep.delivery.DeliveryTexts;
import dev.twostep.delivery.TwilioSenders;
import dev.twostep.delivery.TwilioVoiceSender;
import dev.twostep.delivery.VoiceToken;
import dev.twostep.guard.Attributes;

/**
 * Requests from Twilio: delivery reports for messages and calls ({@code /twostep/twilio/status}) and the
 * code for a call where the person pressed a key ({@code /twostep/twilio/voice}). Each must carry a valid
 * X-Twilio-Signature, checked with the SDK's RequestValidator against the URL Twilio was given (the public
 * origin plus this path); anything else gets 403 and records nothing. These paths take no CSRF token:
 * Twilio's signature is what proves where they come from.
 */
public class TwilioCallbackServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TwilioCallbackServlet.class);
    private static final Pattern SID = Pattern.compile("(SM|MM|CA)[0-9a-fA-F]{32}");
    private static final Set<String> STATUSES = Set.of("accepted", "scheduled", "queued", "sending", "sent",
            "delivered", "undelivered", "failed", "read", "canceled", "initiated", "ringing", "answered",
            "in-progress", "completed", "busy", "no-answer");

    private transient CodeService codes;
    private transient RequestValidator validator;
    private transient URI origin;
    private transient VoiceToken tokens;
    private transient DeliveryTexts texts;
    private String appName;

    @Override
    public void init() throws ServletException {
        TwostepConfig config = Attributes.require(getServletContext(), TwostepConfig.class);
        codes = Attributes.require(getServletContext(), CodeService.class);
        origin = config.publicOrigin();
        if (config.twilio() != null && config.twilio().authToken() != null && origin != null) {
            validator = new RequestValidator(config.twilio().authToken());
            tokens = Attributes.require(getServletContext(), VoiceToken.class);
            texts = new DeliveryTexts(config.twilio().voiceLanguage());
        }
        appName = config.appName();
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        if (validator == null) {
            // Callbacks are off: no public origin or no auth token to check signatures with.
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        if (!signatureValid(request, path)) {
            LOG.warn("Refused a Twilio callback to {} with a missing or wrong signature", path);
            response.sendError(HttpServletResponse.SC_FORBIDDEN);
            return;
        }
        if (TwilioSenders.STATUS_PATH.equals(path)) {
            status(request, response);
        } else if (TwilioSenders.VOICE_PATH.equals(path)) {
            voice(request, response);
        } else {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
        }
    }

    private boolean signatureValid(HttpServletRequest request, String path) {
        String signature = request.getHeader("X-Twilio-Signature");
        if (signature == null || signature.isBlank()) {
            return false;
        }
        String url = origin + request.getContextPath() + path
                + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
        Map<String, String> params = new HashMap<>();
        request.getParameterMap().forEach((name, values) -> {
            if (values.length > 0) {
                params.put(name, values[0]);
            }
        });
        // Query parameters are part of the URL Twilio signed, not of the posted form.
        if (request.getQueryString() != null) {
            for (String pair : request.getQueryString().split("&")) {
                params.remove(URLDecoder.decode(pair.split("=", 2)[0], StandardCharsets.UTF_8));
            }
        }
        return validator.validate(url, params, signature);
    }

    private void status(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String sid = Optional.ofNullable(request.getParameter("MessageSid")).orElse(request.getParameter("CallSid"));
        String status = Optional.ofNullable(request.getParameter("MessageStatus"))
                .orElse(request.getParameter("CallStatus"));
        String error = Optional.ofNullable(request.getParameter("ErrorCode"))
                .orElse(request.getParameter("SipResponseCode"));
        if (sid == null || !SID.matcher(sid).matches() || status == null
                || !STATUSES.contains(status.toLowerCase(Locale.ROOT))) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST);
            return;
        }
        if (error != null && !error.matches("[0-9]{1,8}")) {
            error = null;
        }
        boolean recorded = codes.recordDelivery(sid, status.toLowerCase(Locale.ROOT), error);
        if (Challenge.FAILED_DELIVERY.contains(status.toLowerCase(Locale.ROOT))) {
            LOG.warn("Twilio reports {} {} (error {})", sid, status, error);
        } else {
            LOG.debug("Twilio reports {} {}", sid, status);
        }
        response.setStatus(recorded ? HttpServletResponse.SC_NO_CONTENT : HttpServletResponse.SC_OK);
    }

    private void voice(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<VoiceToken.Content> token = tokens.open(request.getParameter("t"), System.currentTimeMillis());
        Optional<Challenge> live = token.flatMap(t -> codes.findLive(t.challengeId()));
        response.setContentType("text/xml;charset=UTF-8");
        response.setHeader("Cache-Control", "no-store");
        if (live.isEmpty()) {
            LOG.info("A press-a-key call asked for a code that is no longer valid");
            response.getWriter().write(new VoiceResponse.Builder()
                    .say(new Say.Builder(texts.text(null, "voice.bye")).build()).build().toXml());
            return;
        }
        Locale locale = Locale.forLanguageTag(Optional.ofNullable(request.getParameter("lang")).orElse(""));
        response.getWriter().write(TwilioVoiceSender.codeTwiml(texts, appName, token.get().code(),
                locale.getLanguage().isEmpty() ? null : locale));
    }
}
