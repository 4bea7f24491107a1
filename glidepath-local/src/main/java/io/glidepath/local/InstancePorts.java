package io.glidepath.local;

import io.glidepath.platform.PlatformException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where instances listen: a free port outside the kernel's ephemeral range. A port found free is
 * handed to a process that binds it a second or so later (a JVM starting); a port from the
 * ephemeral range can be taken meanwhile by any outgoing connection on the host (the kernel picks
 * connections' local ports from that range), and the instance then fails with "address in use".
 * Ports below the range (above it when there is no room below) are never given to connections, so
 * only another program binding that very port can take it. Docker's and Kubernetes' NodePort ranges
 * sit outside the ephemeral range for the same reason.
 */
final class InstancePorts {
    private static final Logger log = LoggerFactory.getLogger(InstancePorts.class);
    /** The kernel's setting: the range outgoing connections take their local ports from. */
    static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** Linux's default, where the setting cannot be read. */
    static final Range LINUX_DEFAULT = new Range(32768, 60999);
    /** Below this, well-known services (databases, brokers, admin consoles) are more likely to want a port later. */
    static final int FLOOR = 20000;
    /** The fewest ports worth a range of their own. */
    static final int MIN_SPAN = 1000;
    private static final int ATTEMPTS = 100;

    /** Ports from {@code low} to {@code high}, both included. */
    record Range(int low, int high) {
        Range {
            if (low < 1 || high > 65535 || low > high) {
                throw new IllegalArgumentException("not a port range: " + low + "-" + high);
            }
        }

        int size() {
            return high - low + 1;
        }

        boolean contains(int port) {
            return port >= low && port <= high;
        }

        @Override
        public String toString() {
            return low + "-" + high;
        }
    }

    private final Range range;

    InstancePorts(Range range) {
        this.range = range;
    }

    /** For this host: outside the ephemeral range its kernel uses. */
    static InstancePorts onThisHost() {
        Range ephemeral = ephemeral(EPHEMERAL_RANGE).orElse(LINUX_DEFAULT);
        Optional<Range> outside = outside(ephemeral);
        if (outside.isEmpty()) {
            log.warn("the kernel gives outgoing connections ports {} (net.ipv4.ip_local_port_range), leaving fewer than {} ports above {}: instances "
                    + "get ports from that range, where a connection may take one before its instance listens", ephemeral, MIN_SPAN, FLOOR);
        }
        return new InstancePorts(outside.orElse(ephemeral));
    }

    /** The range in the kernel's setting ("32768\t60999"); empty when it cannot be read. */
    static Optional<Range> ephemeral(Path setting) {
        try {
            String[] parts = Files.readString(setting).trim().split("\\s+");
            return Optional.of(new Range(Integer.parseInt(parts[0]), Integer.parseInt(parts[1])));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Ports no outgoing connection takes: from {@link #FLOOR} up to the ephemeral range, else above it; empty when neither has room. */
    static Optional<Range> outside(Range ephemeral) {
        if (ephemeral.low() - FLOOR >= MIN_SPAN) {
            return Optional.of(new Range(FLOOR, ephemeral.low() - 1));
        }
        if (65535 - ephemeral.high() >= MIN_SPAN) {
            return Optional.of(new Range(Math.max(ephemeral.high() + 1, FLOOR), 65535));
        }
        return Optional.empty();
    }

    Range range() {
        return range;
    }

    /**
     * A port of the range that nothing on this host is bound to (on any address: an instance may listen
     * on all of them) and that {@code claim} accepts (not an instance's, not handed out lately).
     */
    int pick(IntPredicate claim) throws PlatformException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = range.low() + ThreadLocalRandom.current().nextInt(range.size());
            if (free(port) && claim.test(port)) {
                return port;
            }
        }
        throw new PlatformException("no free port for an instance among " + ATTEMPTS + " tried in " + range + " (ports outside the kernel's "
                + "ephemeral range, so that no outgoing connection takes one first): free some, or widen the room below "
                + "net.ipv4.ip_local_port_range", null);
    }

    /** Bound, not listening, without SO_REUSEADDR: fails while any socket (a listener, a connection, one in TIME_WAIT) holds the port. */
    static boolean free(int port) {
        try (SocketChannel probe = SocketChannel.open()) {
            probe.setOption(StandardSocketOptions.SO_REUSEADDR, false);
            probe.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
