package io.glidepath.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServerLeaseTest {
    FakeCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = new FakeCluster();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void aSecondServerIsRefusedWhileTheFirstHoldsTheLeaseAndTakesItOnceItIsGivenUp() {
        AtomicBoolean lost = new AtomicBoolean();
        ServerLease first = ServerLease.acquire(cluster.client(), "shop", "server-a/1", Duration.ofSeconds(2), Duration.ofSeconds(5), () -> lost.set(true));
        assertThatThrownBy(() -> ServerLease.acquire(cluster.client(), "shop", "server-b/2", Duration.ofSeconds(2), Duration.ofSeconds(4), () -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("another Glidepath server holds the lease glidepath-server in namespace shop (holder server-a/1, renewed ")
                .hasMessageContaining("one server at a time drives a namespace");
        assertThat(lost).as("renewed all along").isFalse();

        first.close();
        long t0 = System.nanoTime();
        try (ServerLease second = ServerLease.acquire(cluster.client(), "shop", "server-b/2", Duration.ofSeconds(2), Duration.ofSeconds(10), () -> { })) {
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("given up, not lapsed").isLessThan(Duration.ofSeconds(2));
            assertThat(ServerLease.holder(cluster.client(), "shop")).hasValueSatisfying(h -> assertThat(h).startsWith("holder server-b/2"));
        }
        assertThat(lost).as("a lease given up is not lost").isFalse();
    }

    @Test
    void aCrashedHoldersLeaseIsTakenOnceItLapses() {
        // what a server killed with SIGKILL leaves: a lease renewed a moment ago, never again
        cluster.client().leases().inNamespace("shop").resource(new LeaseBuilder().withNewMetadata().withName(ServerLease.NAME).withNamespace("shop")
                .endMetadata().withNewSpec().withHolderIdentity("dead/9").withLeaseDurationSeconds(3).withAcquireTime(ZonedDateTime.now())
                .withRenewTime(ZonedDateTime.now()).withLeaseTransitions(0).endSpec().build()).create();
        long t0 = System.nanoTime();
        try (ServerLease lease = ServerLease.acquire(cluster.client(), "shop", "server-c/3", Duration.ofSeconds(3), Duration.ofSeconds(15), () -> { })) {
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("it waited for the lapse").isGreaterThan(Duration.ofMillis(1500));
            assertThat(ServerLease.holder(cluster.client(), "shop")).hasValueSatisfying(h -> assertThat(h).startsWith("holder server-c/3"));
        }
    }
}
