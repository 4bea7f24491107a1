package io.glidepath.testkit.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the processes a test starts (Prometheus, Pebble, a router on fixed addresses): found free
 * now, bound by the child a second or so later. Taken below the kernel's ephemeral range (32768 and up
 * on Linux), where no outgoing connection and no bind to port 0 elsewhere (the other lane's tests) can
 * take one first; the local platform does the same for instances ({@code InstancePorts}).
 */
public final class ChildPorts {
    private ChildPorts() {
    }

    /** A loopback TCP port free now, from 20000-31999 (port 0's choice only when none of 200 tries is free). */
    public static int free() throws IOException {
        for (int i = 0; i < 200; i++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
