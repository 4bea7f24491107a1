package io.glidepath.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server at a time on a namespace: a coordination.k8s.io Lease, held and renewed as Kubernetes'
 * own controllers hold theirs. Two servers driving the same services would fight over routes and
 * pods; so a server starts only once it holds the lease (a crashed holder's lease lapses after
 * {@code duration}), and a server that loses it (it could not renew in time, say behind a network
 * split) stops acting at once through {@code lost}: the next holder recovers from the journal.
 */
public final class ServerLease implements AutoCloseable {
    public static final String NAME = "glidepath-server";
    private static final Logger log = LoggerFactory.getLogger(ServerLease.class);

    private final LeaderElector elector;
    private final CompletableFuture<?> running;
    private final AtomicBoolean closing;

    private ServerLease(LeaderElector elector, CompletableFuture<?> running, AtomicBoolean closing) {
        this.elector = elector;
        this.running = running;
        this.closing = closing;
    }

    /**
     * Takes the lease, waiting at most {@code maxWait} for another holder's to lapse; renews it every
     * third of {@code duration}. {@code lost} runs if it is ever lost.
     *
     * @throws IllegalStateException when another server holds it all that time (the message names the holder)
     */
    public static ServerLease acquire(KubernetesClient client, String namespace, String identity, Duration duration, Duration maxWait,
                                      Runnable lost) {
        CompletableFuture<Void> leading = new CompletableFuture<>();
        AtomicBoolean closing = new AtomicBoolean();
        LeaderElector elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder().withName(NAME)
                .withLock(new LeaseLock(namespace, NAME, identity))
                .withLeaseDuration(duration).withRenewDeadline(duration.multipliedBy(2).dividedBy(3)).withRetryPeriod(duration.dividedBy(5))
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(() -> leading.complete(null), () -> {
                    if (leading.isDone() && !closing.get()) {
                        log.error("lost the lease {} in namespace {}: another server may act now; this one stops", NAME, namespace);
                        lost.run();
                    }
                }, leader -> log.info("the lease {} in namespace {} is held by {}", NAME, namespace, leader)))
                .build()).build();
        CompletableFuture<?> running = elector.start();
        try {
            leading.get(maxWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            running.cancel(true);
            String holder = holder(client, namespace).orElse("another server");
            throw new IllegalStateException("another Glidepath server holds the lease " + NAME + " in namespace " + namespace + " (" + holder
                    + "), and it did not lapse within " + maxWait.toSeconds() + " s: one server at a time drives a namespace; stop the other "
                    + "one, or wait for its lease to lapse if it died", e);
        } catch (InterruptedException e) {
            running.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the lease " + NAME, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot take the lease " + NAME + " in namespace " + namespace + ": " + e.getCause().getMessage(), e);
        }
        log.info("holding the lease {} in namespace {} as {}", NAME, namespace, identity);
        return new ServerLease(elector, running, closing);
    }

    /** Who holds the lease now, and when it was last renewed. */
    static Optional<String> holder(KubernetesClient client, String namespace) {
        Lease l = client.leases().inNamespace(namespace).withName(NAME).get();
        if (l == null || l.getSpec() == null || l.getSpec().getHolderIdentity() == null) {
            return Optional.empty();
        }
        return Optional.of("holder " + l.getSpec().getHolderIdentity() + Optional.ofNullable(l.getSpec().getRenewTime())
                .map(t -> ", renewed " + t).orElse(""));
    }

    /** Gives the lease up, so the next server need not wait for it to lapse. */
    @Override
    public void close() {
        closing.set(true);
        running.cancel(true);
        elector.release();
    }
}
