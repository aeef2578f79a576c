package dev.twostep.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sign-in load of {@link SignInBench} against a Twostep this benchmark did not start, e.g. HAProxy in front
 * of several nodes ({@code dev.twostep.cluster.ClusterBench}): a Twilio stand-in for the servers to send to, the
 * send limits they need to be given, registration of the virtual users and levels of {@link SignInLoad}. Only
 * the load generator's side is measured (sign-ins/s, latencies, errors, its own CPU): the servers' CPU is not.
 */
public final class ExternalSignIns implements AutoCloseable {
    private final TwilioStandIn twilio;

    /** Starts the Twilio stand-in (keep-alive, TCP_NODELAY, as {@link SignInBench} does). */
    public ExternalSignIns() throws IOException {
        twilio = new TwilioStandIn(true);
    }

    /** TWILIO_BASE_URL for the servers. */
    public String twilioBaseUrl() {
        return twilio.baseUrl();
    }

    /** The send limits {@link SignInBench} gives its server, so that the same users can sign in again and again. */
    public static Map<String, String> relaxedLimits() {
        return SignInBench.relaxedLimits();
    }

    /** One run against {@code base} (e.g. http://127.0.0.1:port/twostep): its users, then levels. */
    public Run against(String base, int users, int parallel) throws InterruptedException {
        SignInLoad load = new SignInLoad(base, twilio, Duration.ofSeconds(30));
        List<SignInLoad.User> registered = load.register(users, parallel);
        return new Run(load, registered);
    }

    /** Registered users on one server (or one cluster). */
    public static final class Run {
        private final SignInLoad load;
        private final List<SignInLoad.User> users;

        private Run(SignInLoad load, List<SignInLoad.User> users) {
            this.load = load;
            this.users = users;
        }

        public int users() {
            return users.size();
        }

        /** This many clients sign in for this long; nothing is kept (JIT, pools and caches warm up). */
        public void warmUp(int clients, Duration warmup) throws Exception {
            load.run(users, clients, Duration.ZERO, warmup, Long.MAX_VALUE, null, null, null);
        }

        /**
         * This many clients sign in; the window starts once as many sign-ins as clients have ended. Returns the
         * figures as lines: sign-ins/s, p50/p99 of each step, errors (and the first of each kind), the load
         * generator's CPU.
         */
        public List<String> level(int clients, Duration window) throws Exception {
            SignInLoad.Level l = load.run(users, clients, Duration.ZERO, window, Long.MAX_VALUE, null, null, null);
            List<String> lines = new java.util.ArrayList<>();
            lines.add(String.format(Locale.ROOT, "%d clients: %.1f sign-ins/s (%d sign-ins in %.1f s), %d attempts,"
                    + " %d errors, load generator CPU %.1f ms/sign-in", clients, l.perSecond(), l.signIns(),
                    l.windowSeconds(), l.attempts(), l.errorCount(), l.benchCpuPerSignIn()));
            double p50 = 0;
            double p99 = 0;
            for (int s = 0; s < SignInLoad.STEPS.length; s++) {
                lines.add(String.format(Locale.ROOT, "  %-20s p50 %7.1f ms  p99 %7.1f ms  (%d requests)",
                        SignInLoad.STEPS[s], l.percentile(s, 0.5), l.percentile(s, 0.99), l.latencies()[s].length));
                p50 += l.percentile(s, 0.5);
                p99 += l.percentile(s, 0.99);
            }
            lines.add(String.format(Locale.ROOT, "  %-20s p50 %7.1f ms  p99 %7.1f ms  (sums of the steps')",
                    "five steps", p50, p99));
            if (l.errorCount() > 0) {
                lines.add("  errors: " + l.errorsByStep());
                l.samples().forEach(sample -> lines.add("    " + sample));
            }
            return lines;
        }
    }

    /** CPU time the whole machine spent busy so far, all cores, in ms (/proc/stat). */
    public static double machineBusyMillis() throws IOException {
        return ServerProcess.machineBusyMillis();
    }

    /** CPU time so far of every process named postgres this user can see, in ms. */
    public static double postgresCpuMillis() throws IOException {
        return ServerProcess.processesCpuMillis("postgres");
    }

    @Override
    public void close() {
        twilio.close();
    }
}
