package dev.twostep.app;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator.BlockPool;

/** {@link PasswordHashingMXBean} over a hasher's slots: every figure is read when asked for. */
final class PasswordHashing implements PasswordHashingMXBean {
    private final HashSlots<BlockPool> slots;
    private final PasswordSettings settings;

    PasswordHashing(HashSlots<BlockPool> slots, PasswordSettings settings) {
        this.slots = slots;
        this.settings = settings;
    }

    @Override
    public String getParameters() {
        return "argon2id m=" + settings.memoryKib() + ",t=" + settings.iterations() + ",p=1";
    }

    @Override
    public int getSlots() {
        return slots.size();
    }

    @Override
    public int getSlotsInUse() {
        return slots.size() - slots.available();
    }

    @Override
    public int getQueueLength() {
        return slots.queued();
    }

    @Override
    public long getQueueWaitLimitMillis() {
        return settings.queueWait().toMillis();
    }

    @Override
    public long getSlotsTaken() {
        return slots.entered();
    }

    @Override
    public long getRefusedBusy() {
        return slots.refused();
    }

    @Override
    public long getQueueWaitNanos() {
        return slots.waitedNanos();
    }

    @Override
    public long getHashes() {
        return slots.hashes();
    }

    @Override
    public long getHashCpuNanos() {
        return slots.hashCpuNanos();
    }

    @Override
    public double getHashCpuMillisPerHash() {
        // CPU first: a hash that ends between the two reads then lowers the average a little, never raises it.
        long cpu = slots.hashCpuNanos();
        long n = slots.hashes();
        return cpu < 0 || n == 0 ? Double.NaN : cpu / 1e6 / n;
    }
}
