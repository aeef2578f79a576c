package dev.twostep.web;

import java.util.Objects;
import java.util.Optional;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.twostep.audit.AuditLog;
import dev.twostep.audit.LogText;
import dev.twostep.config.TwostepConfig;
import dev.twostep.delivery.CodeSender;
import dev.twostep.delivery.DeliveryException;
import dev.twostep.delivery.PhoneMask;
import dev.twostep.enroll.Phone;
import dev.twostep.enroll.PhoneDao;
import dev.twostep.guard.Attributes;

/**
 * What follows every change of a user's factors (issue 12), in one place so each page that changes one
 * makes one call: the change goes to the audit trail, every remembered device of the user is revoked (a
 * device remembered by whoever made the change must not outlive it), and the user's phone is told, so a
 * change they did not make does not go unnoticed. A phone that was just removed is the one told.
 */
public final class FactorChanges {
    private static final Logger LOG = LoggerFactory.getLogger(FactorChanges.class);

    /** The changes, each with its audit event and the text the phone gets. */
    enum Change {
        APP_ADDED(AuditLog.Event.AUTHENTICATOR_ADDED, "security.notice.appAdded"),
        APP_REMOVED(AuditLog.Event.AUTHENTICATOR_REMOVED, "security.notice.appRemoved"),
        PHONE_REMOVED(AuditLog.Event.PHONE_REMOVED, "security.notice.phoneRemoved"),
        PHONE_ADDED(AuditLog.Event.ENROLLED, null),
        RECOVERY_CODES_CREATED(AuditLog.Event.RECOVERY_CODES_CREATED, "security.notice.recoveryCodes");

        final AuditLog.Event event;
        final String noticeKey;

        Change(AuditLog.Event event, String noticeKey) {
            this.event = event;
            this.noticeKey = noticeKey;
        }
    }

    private final PhoneDao phones;
    private final RememberedDevices devices;
    private final AuditLog audit;
    private final CodeSender sender;
    private final TwostepConfig config;
    private final ServletContext context;

    private FactorChanges(ServletContext context) {
        this.context = context;
        phones = Attributes.require(context, PhoneDao.class);
        devices = RememberedDevices.of(context);
        audit = Attributes.require(context, AuditLog.class);
        sender = Attributes.require(context, CodeSender.class);
        config = Attributes.require(context, TwostepConfig.class);
    }

    public static FactorChanges of(ServletContext context) {
        return new FactorChanges(Objects.requireNonNull(context, "context"));
    }

    /**
     * A factor other than the phone was added or removed, or recovery codes were made: audited with
     * {@code detail} (never a secret), the user's devices revoked, the user's phone told.
     */
    void changed(HttpServletRequest request, String username, Change change, String detail) {
        if (change == Change.PHONE_REMOVED || change == Change.PHONE_ADDED) {
            throw new IllegalArgumentException("a removed phone is told through phoneRemoved");
        }
        apply(request, username, change, detail, phones.find(username).filter(Phone::confirmed));
    }

    /**
     * A signed-in user confirmed a phone they added (they had none): audited as an enrollment with its
     * masked number and channel, and the devices revoked. The new phone is not told: it just got the code.
     */
    void phoneAdded(HttpServletRequest request, String username, String detail) {
        apply(request, username, Change.PHONE_ADDED, detail, Optional.empty());
    }

    /**
     * The password was changed (audited and signed out everywhere by the caller): the user's phone is told,
     * so a change they did not make does not go unnoticed.
     */
    public void passwordChanged(HttpServletRequest request, String username) {
        phones.find(username).filter(Phone::confirmed).ifPresent(phone -> {
            try {
                sender.notice(phone.e164(), phone.channel(),
                        Views.message(request, "security.notice.passwordChanged", config.appName()));
            } catch (DeliveryException | RuntimeException e) {
                LOG.warn("Telling user {} of a password change on the phone {} failed: {}", LogText.safe(username),
                        PhoneMask.mask(phone.e164()), e instanceof DeliveryException d ? d.reason() : e.toString());
            }
        });
    }

    /** The phone was removed: audited with its masked number, the devices revoked, and that phone told. */
    void phoneRemoved(HttpServletRequest request, String username, Phone removed) {
        apply(request, username, Change.PHONE_REMOVED, PhoneMask.mask(removed.e164()), Optional.of(removed));
    }

    private void apply(HttpServletRequest request, String username, Change change, String detail,
                       Optional<Phone> tell) {
        AuditLog.Client client = Requests.client(context, request);
        audit.record(change.event, username, client, detail);
        int forgotten = devices.forgetAll(username);
        if (forgotten > 0) {
            audit.record(AuditLog.Event.DEVICES_FORGOTTEN, username, client, forgotten + " (factor changed)");
        }
        tell.ifPresent(phone -> tell(request, username, change, phone));
    }

    private void tell(HttpServletRequest request, String username, Change change, Phone phone) {
        try {
            sender.notice(phone.e164(), phone.channel(), Views.message(request, change.noticeKey, config.appName()));
        } catch (DeliveryException | RuntimeException e) {
            // The change stands; only the notice failed.
            LOG.warn("Telling user {} of a change of factors ({}) on the phone {} failed: {}", LogText.safe(username),
                    change, PhoneMask.mask(phone.e164()), e instanceof DeliveryException d ? d.reason() : e.toString());
        }
    }
}
