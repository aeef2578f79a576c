package dev.twostep.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

import org.junit.jupiter.api.Test;

import dev.twostep.guard.GuardState;

/**
 * What Twostep keeps in the HttpSession survives serialization (containers persist sessions across restarts,
 * and move them between nodes), and stays small.
 */
class SerializabilityTest {

    @SuppressWarnings("unchecked")
    private static <T extends Serializable> T roundTrip(T value, int maxBytes) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        org.junit.jupiter.api.Assertions.assertTrue(bytes.size() <= maxBytes, value + " takes " + bytes.size() + " bytes");
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void theGuardStateRoundTrips() throws Exception {
        GuardState state = new GuardState("alice", GuardState.Step.PASSWORD, 42L, 1_700_000_000_000L, 1_699_999_999_000L,
                1_699_999_999_500L);
        assertEquals(state, roundTrip(state, 400));
    }

    @Test
    void theCodePageOutcomeRoundTrips() throws Exception {
        CodeSending.Outcome outcome = new CodeSending.Outcome(false, 429, "code.error.limit.sends",
                new Serializable[] {3L}, 180);
        CodeSending.Outcome back = roundTrip(outcome, 600);
        assertEquals(outcome.key(), back.key());
        assertEquals(outcome.status(), back.status());
        assertArrayEquals(outcome.args(), back.args());
        assertEquals(outcome.retryAfterSeconds(), back.retryAfterSeconds());
    }
}
