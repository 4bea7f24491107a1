package io.glidepath.router.acme;

import io.glidepath.route.RouteMatch;
import io.glidepath.router.route.ActiveRoute;
import io.glidepath.router.route.RoutingTable;
import io.glidepath.router.tls.Certificates;
import io.glidepath.time.Backoff;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificates from an ACME CA for every exact host name the routes match, as kamal-proxy gets them:
 * ordered when a route with a new name is created (and when a client's handshake asks for a name a
 * route serves and no certificate does yet), renewed at two thirds of their lifetime, stored under the
 * state directory and loaded by the HTTPS listener beside the operator's files.
 *
 * <p>What it leaves alone: names an operator's certificate serves (the operator's files win); wildcard
 * routes ({@code *.example.com}: HTTP-01 cannot prove a wildcard, and ordering one certificate per
 * name clients ask for is how on-demand TLS gets abused into rate limits); addresses and one-label
 * names, which public CAs do not issue for.
 *
 * <p>Everything runs on one thread of its own, one order at a time (the CA's rate limits count orders,
 * not threads): the event loops only read the challenge tokens and hand over names. A failed order
 * waits (1 minute, doubling up to 6 hours by default, and never before the CA's Retry-After) and
 * leaves every other name alone; a failed renewal keeps serving the certificate it was renewing.
 */
public final class AcmeCertificates implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AcmeCertificates.class);

    private final AcmeSettings settings;
    private final AcmeStore store;
    private final AcmeClient client;
    private final ChallengeTokens tokens;
    private final Certificates certificates;
    private final Clock clock;
    private final OrderRetry retry;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("acme").unstarted(r));
    private final AtomicBoolean kickQueued = new AtomicBoolean();
    private final LongAdder issued = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    /** The exact names of the routes, from the last published table. */
    private volatile Set<String> routeNames = Set.of();
    private volatile List<NameStatus> view = List.of();
    private volatile boolean closed;
    /** Confined to the ACME thread. */
    private final Map<String, NameStatus> states = new HashMap<>();

    private AcmeCertificates(AcmeSettings settings, AcmeStore store, AcmeClient client, ChallengeTokens tokens, Certificates certificates,
                             Clock clock) {
        this.settings = settings;
        this.store = store;
        this.client = client;
        this.tokens = tokens;
        this.certificates = certificates;
        this.clock = clock;
        this.retry = new OrderRetry(new Backoff(settings.retryFirst(), settings.retryMax(), Backoff.UNLIMITED));
    }

    /**
     * Prepares the client (the CA root file is read now: a bad one fails the start). Nothing is ordered
     * before {@link #start}; the listener must answer {@link #challenges()} by then.
     */
    public static AcmeCertificates create(AcmeSettings settings, AcmeStore store, Certificates certificates, Clock clock) throws IOException {
        ChallengeTokens tokens = new ChallengeTokens();
        return new AcmeCertificates(settings, store, AcmeClient.create(settings, store, tokens), tokens, certificates, clock);
    }

    /** The tokens of the orders in progress, for the plain listener to answer before routing. */
    public Http01Responder challenges() {
        return tokens;
    }

    /** Starts looking at the names: at once, every {@code checkEvery}, and when routes change or a handshake asks for a name without a certificate. */
    public void start(RoutingTable current) {
        routesChanged(current);
        certificates.onUnservedName(name -> {
            if (routeNames.contains(name)) {
                kick();
            }
        });
        long every = settings.checkEvery().toMillis();
        thread.scheduleWithFixedDelay(this::lookSafely, every, every, TimeUnit.MILLISECONDS);
    }

    /** A new routing table (called under the registry's lock: only takes the names and hands over). */
    public void routesChanged(RoutingTable table) {
        Set<String> names = new TreeSet<>();
        for (ActiveRoute r : table.routes().values()) {
            String host = orderable(r.spec().match());
            if (host != null) {
                names.add(host);
            }
        }
        if (!names.equals(routeNames)) {
            routeNames = Set.copyOf(names);
            kick();
        }
    }

    /** Each name, sorted: its state, certificate, failures and why. */
    public List<NameStatus> names() {
        return view;
    }

    public AcmeSettings settings() {
        return settings;
    }

    /** Certificates issued, orders failed, and those of them the CA refused as rate limited, since the start. */
    public long issuedCount() {
        return issued.sum();
    }

    public long failedCount() {
        return failed.sum();
    }

    public long rateLimitedCount() {
        return rateLimited.sum();
    }

    /** The host a route's match gives a certificate to, or null: exact names with a dot, not addresses. */
    static String orderable(RouteMatch m) {
        if (m.host() == null || m.isWildcardHost()) {
            return null;
        }
        String h = m.host().toLowerCase(Locale.ROOT);
        if (h.indexOf('.') < 0 || h.matches("[0-9.]+") || h.contains(":") || !AcmeStore.storable(h)) {
            return null;
        }
        return h;
    }

    private void kick() {
        if (!closed && kickQueued.compareAndSet(false, true)) {
            try {
                thread.execute(() -> {
                    kickQueued.set(false);
                    lookSafely();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    private void lookSafely() {
        try {
            look();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } catch (RuntimeException e) {
            log.error("ACME: looking at the names failed; trying again in {}", settings.checkEvery(), e);
        }
    }

    /** Orders what is due, one name after the other. */
    private void look() throws InterruptedException {
        Set<String> wanted = new TreeSet<>();
        for (String name : routeNames) {
            Optional<java.nio.file.Path> servedFrom = certificates.directoryServing(name);
            if (servedFrom.isEmpty() || servedFrom.get().equals(store.certificatesDirectory())) {
                wanted.add(name); // an operator's certificate for the name wins: nothing to order
            }
        }
        states.keySet().retainAll(wanted);
        for (String name : wanted) {
            if (closed) {
                return;
            }
            NameStatus s = states.computeIfAbsent(name, this::fromStore);
            Instant now = clock.instant();
            boolean due = switch (s.state()) {
                case PENDING, RENEWING -> true;
                // due for renewal, or its file went away (deleted by hand): nothing serves the name
                case VALID -> !now.isBefore(s.certificate().orElseThrow().renewAt()) || certificates.directoryServing(name).isEmpty();
                case FAILED -> !now.isBefore(s.nextAttempt().orElseThrow());
            };
            if (due) {
                order(s);
            }
        }
        publish();
    }

    /** What the store holds for a name the client has not looked at since the start (a restart reuses it). */
    private NameStatus fromStore(String name) {
        Optional<StoredCertificate> c = store.certificate(name).filter(x -> x.serves(name));
        return c.map(x -> NameStatus.pending(name).issued(x)).orElseGet(() -> NameStatus.pending(name));
    }

    private void order(NameStatus s) throws InterruptedException {
        String name = s.name();
        NameStatus ordering = s.withState(s.certificate().isPresent() ? NameStatus.State.RENEWING : NameStatus.State.PENDING);
        states.put(name, ordering);
        publish();
        log.info("ACME: ordering a certificate for {} from {}{}", name, settings.directory(), s.certificate().isPresent() ? " (renewal)" : "");
        try {
            AcmeClient.Issued got = client.order(name);
            store.saveCertificate(name, got.chainPem(), got.key().getPrivate());
            certificates.reload();
            StoredCertificate c = store.certificate(name).orElseThrow(() -> new IOException("the certificate stored for " + name + " does not read back"));
            states.put(name, ordering.issued(c));
            issued.increment();
            log.info("ACME: certificate for {} issued, valid until {} (renewal from {})", name, c.notAfter(), c.renewAt());
        } catch (OrderFailedException e) {
            failed(ordering, e);
        } catch (IOException e) {
            failed(ordering, new OrderFailedException("cannot store or load the certificate: " + e.getMessage(), false, null, e));
        } catch (RuntimeException e) {
            // a fault of ours or of the client library: it waits as any failure does, never hammering the CA
            log.error("ACME: the order for {} failed unexpectedly", name, e);
            failed(ordering, new OrderFailedException("unexpected " + e, false, null, e));
        }
    }

    private void failed(NameStatus s, OrderFailedException e) {
        Instant next = retry.next(clock.instant(), s.failures() + 1, e);
        states.put(s.name(), s.failed(e.getMessage(), next));
        failed.increment();
        if (e.rateLimited()) {
            rateLimited.increment();
        }
        log.warn("ACME: no certificate for {}: {}; next order at {}{}", s.name(), e.getMessage(), next,
                s.certificate().map(c -> " (serving the one valid until " + c.notAfter() + " meanwhile)").orElse(""));
    }

    private void publish() {
        view = List.copyOf(new ArrayList<>(new java.util.TreeMap<>(states).values()));
    }

    @Override
    public void close() {
        closed = true;
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
