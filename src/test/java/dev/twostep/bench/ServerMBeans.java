package dev.twostep.bench;

import java.io.IOException;
import java.util.List;
import java.util.Set;

import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The server JVM's MBeans, read over the JDK's own JMX agent, which the server starts on a port of
 * 127.0.0.1 with the options of {@link #jvmOptions} (no password, no TLS: the port answers on the loopback
 * interface only, and the process lives as long as the benchmark). What the benchmark reads is Twostep's
 * {@code dev.twostep:type=PasswordHashing} MBean: the hashes the server computed and the CPU time its
 * hashing threads spent in them, measured inside the server while it shares the machine with everything
 * else.
 */
final class ServerMBeans implements AutoCloseable {
    private final int port;
    private JMXConnector connector;
    private MBeanServerConnection connection;
    private ObjectName hashing;

    /** The counters of the PasswordHashing MBean at one moment; {@code hashCpuNanos} is -1 when not measured. */
    record Hashing(long hashes, long hashCpuNanos, long slotsTaken, long refusedBusy, long queueWaitNanos,
                   int slots, String parameters) {
        /** What happened between {@code before} and this reading. */
        Hashing minus(Hashing before) {
            return new Hashing(hashes - before.hashes, hashCpuNanos < 0 || before.hashCpuNanos < 0 ? -1
                    : hashCpuNanos - before.hashCpuNanos, slotsTaken - before.slotsTaken,
                    refusedBusy - before.refusedBusy, queueWaitNanos - before.queueWaitNanos, slots, parameters);
        }

        double hashCpuMillis() {
            return hashCpuNanos < 0 ? Double.NaN : hashCpuNanos / 1e6;
        }
    }

    ServerMBeans(int port) {
        this.port = port;
    }

    /** JVM options that start the server's JMX agent on this port of 127.0.0.1 (RMI registry and objects). */
    static List<String> jvmOptions(int port) {
        return List.of("-Dcom.sun.management.jmxremote.port=" + port, "-Dcom.sun.management.jmxremote.rmi.port=" + port,
                "-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1",
                "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false");
    }

    /** The PasswordHashing MBean's counters now (connecting the first time). */
    Hashing hashing() throws IOException {
        try {
            if (connection == null) {
                connector = JMXConnectorFactory.connect(new JMXServiceURL(
                        "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi"));
                connection = connector.getMBeanServerConnection();
                Set<ObjectName> names = connection.queryNames(new ObjectName("dev.twostep:type=PasswordHashing,*"), null);
                if (names.size() != 1) {
                    throw new IllegalStateException("expected one dev.twostep:type=PasswordHashing MBean in the server,"
                            + " found " + names);
                }
                hashing = names.iterator().next();
            }
            var list = connection.getAttributes(hashing, new String[] {"Hashes", "HashCpuNanos", "SlotsTaken",
                "RefusedBusy", "QueueWaitNanos", "Slots", "Parameters"}).asList();
            if (list.size() != 7) {
                throw new IllegalStateException("the PasswordHashing MBean lacks attributes: " + list);
            }
            return new Hashing((Long) list.get(0).getValue(), (Long) list.get(1).getValue(),
                    (Long) list.get(2).getValue(), (Long) list.get(3).getValue(), (Long) list.get(4).getValue(),
                    (Integer) list.get(5).getValue(), (String) list.get(6).getValue());
        } catch (JMException e) {
            throw new IOException("reading the server's PasswordHashing MBean", e);
        }
    }

    @Override
    public void close() throws IOException {
        if (connector != null) {
            connector.close();
        }
    }
}
