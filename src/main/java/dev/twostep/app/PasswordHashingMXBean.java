package dev.twostep.app;

/**
 * The standalone app's password hashing as an operator sees it, read-only, registered by
 * {@link AppListener} as {@code dev.twostep:type=PasswordHashing,context="<context path>"} in the platform
 * MBean server (jconsole, jcmd, a JMX exporter). Counts run from the app's start. A hash is one Argon2
 * computation: a sign-in's password check (or the same work for an unknown user), a registration's or a
 * password change's new hash, a rehash at the new cost.
 */
public interface PasswordHashingMXBean {
    /** The Argon2 parameters new hashes get, e.g. {@code argon2id m=7168,t=5,p=1}. */
    String getParameters();

    /** Hashes that may run at once (twostep.password.max-concurrent). */
    int getSlots();

    /** Slots taken right now. */
    int getSlotsInUse();

    /** Requests waiting for a slot right now (an estimate). */
    int getQueueLength();

    /** How long a request may wait for a slot before it is answered 503, in milliseconds. */
    long getQueueWaitLimitMillis();

    /** Requests that got a slot. */
    long getSlotsTaken();

    /** Requests refused because no slot came free within the queue wait (answered 503 "busy"). */
    long getRefusedBusy();

    /** Nanoseconds all requests spent waiting for a slot, those refused included. */
    long getQueueWaitNanos();

    /** Hashes computed. */
    long getHashes();

    /**
     * CPU time of the threads computing those hashes while they computed them, in nanoseconds; -1 when the
     * JVM does not measure threads' CPU time.
     */
    long getHashCpuNanos();

    /** Average CPU time per hash in milliseconds; NaN before the first hash or when not measured. */
    double getHashCpuMillisPerHash();
}
