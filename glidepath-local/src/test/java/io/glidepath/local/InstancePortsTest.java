package io.glidepath.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.local.InstancePorts.Range;
import io.glidepath.platform.PlatformException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An instance's port is found free, then bound by the instance a second or so later: it must come from
 * where no outgoing connection takes ports meanwhile (the CI failure of 2026-12-01: a healthy customer's
 * instance lost its port and the fleet rolled back).
 */
class InstancePortsTest {
    @TempDir
    Path dir;

    @Test
    void theKernelsEphemeralRangeIsReadFromItsSetting() throws Exception {
        Path setting = Files.writeString(dir.resolve("ip_local_port_range"), "32768\t60999\n");
        assertThat(InstancePorts.ephemeral(setting)).contains(new Range(32768, 60999));
        assertThat(InstancePorts.ephemeral(Files.writeString(dir.resolve("odd"), "not ports\n"))).isEmpty();
        assertThat(InstancePorts.ephemeral(dir.resolve("missing"))).isEmpty();
    }

    @Test
    void instancesGetPortsBelowTheEphemeralRangeElseAboveItElseFromIt() {
        assertThat(InstancePorts.outside(new Range(32768, 60999))).contains(new Range(20000, 32767));
        assertThat(InstancePorts.outside(new Range(40000, 65535))).contains(new Range(20000, 39999));
        // a range that starts low (tuned for many connections) leaves room only above it
        assertThat(InstancePorts.outside(new Range(1024, 30000))).contains(new Range(30001, 65535));
        assertThat(InstancePorts.outside(new Range(1024, 5000))).contains(new Range(20000, 65535));
        // no room either side: the caller falls back to the ephemeral range itself
        assertThat(InstancePorts.outside(new Range(1024, 65535))).isEmpty();
        assertThat(InstancePorts.outside(new Range(20500, 64900))).isEmpty();
    }

    @Test
    void aPortHeldByAListenerOrByAConnectionIsNotFreeAndIsNeverHandedOut() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
            int clientPort = client.getLocalPort();
            assertThat(InstancePorts.free(listener.getLocalPort())).isFalse();
            assertThat(InstancePorts.free(clientPort)).as("the local port of a live connection").isFalse();
            assertThatThrownBy(() -> new InstancePorts(new Range(clientPort, clientPort)).pick(p -> true))
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("no free port for an instance among 100 tried in " + clientPort + "-" + clientPort);
        }
    }

    @Test
    void aPortItsCallerDoesNotClaimIsNotHandedOut() throws Exception {
        int port = new InstancePorts(InstancePorts.outside(InstancePorts.LINUX_DEFAULT).orElseThrow()).pick(p -> true);
        InstancePorts one = new InstancePorts(new Range(port, port));
        assertThat(one.pick(p -> true)).isEqualTo(port);
        assertThatThrownBy(() -> one.pick(p -> false)).isInstanceOf(PlatformException.class);
    }

    /** While this host holds hundreds of outgoing connections, every port handed out is outside their range and can be listened on. */
    @Test
    void portsOnThisHostAreOutsideTheRangeConnectionsUseAndCanBeListenedOn() throws Exception {
        InstancePorts ports = InstancePorts.onThisHost();
        Range ephemeral = InstancePorts.ephemeral(InstancePorts.EPHEMERAL_RANGE).orElse(InstancePorts.LINUX_DEFAULT);
        assertThat(ports.range()).isEqualTo(InstancePorts.outside(ephemeral).orElseThrow());
        List<Socket> clients = new ArrayList<>();
        try (ServerSocket listener = new ServerSocket(0, 500, InetAddress.getLoopbackAddress())) {
            Set<Integer> clientPorts = new HashSet<>();
            for (int i = 0; i < 300; i++) {
                Socket c = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
                clients.add(c);
                clientPorts.add(c.getLocalPort());
            }
            assertThat(clientPorts).allMatch(ephemeral::contains);
            for (int i = 0; i < 200; i++) {
                int port = ports.pick(p -> true);
                assertThat(port).isNotIn(clientPorts);
                assertThat(ephemeral.contains(port)).as("port %d in the ephemeral range %s", port, ephemeral).isFalse();
                try (ServerSocket instance = new ServerSocket()) {
                    instance.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                }
            }
        } finally {
            for (Socket c : clients) {
                close(c);
            }
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing a test's client
        }
    }
}
