package dev.twostep.enroll;

import dev.twostep.delivery.Channel;

/** The phone bound to a user name. */
public record Phone(String username, String e164, Channel channel, Long confirmedAt) {
    public boolean confirmed() {
        return confirmedAt != null;
    }
}
