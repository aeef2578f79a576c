package dev.twostep.delivery;

/**
 * Delivers a code to a phone. Twostep picks one at start-up from the settings: the console sender when
 * no Twilio credentials are set, the Twilio SMS and voice senders when they are. A host app or a test can
 * put its own in the ServletContext attribute named by this interface's class name before start-up.
 */
public interface CodeSender {
    /**
     * Sends the code. Called with no database connection held.
     *
     * @return the provider's id for the message or call (a Twilio SID), or null when there is none
     * @throws DeliveryException when the code could not be handed over; its reason says what the user
     *         can do about it
     */
    String send(CodeMessage message) throws DeliveryException;

    /**
     * Tells a phone about something that happened to the account (its number was replaced), by text
     * message or by a call that reads the text. Senders that cannot do this do nothing.
     *
     * @return the provider's id, or null
     */
    default String notice(String to, Channel channel, String text) throws DeliveryException {
        return null;
    }
}
