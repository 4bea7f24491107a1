package io.glidepath.router.metrics;

import io.glidepath.analysis.ClientOutcome;
import io.glidepath.route.RouteSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The clients of a sticky split, each revealed to the judge with its requests and 5xx answers since its
 * first request ({@link ClientOutcome}, docs/analysis.md "Clients as units"), so that the judge can
 * treat clients, which the split randomizes, as its units instead of requests, which are not
 * independent. A client is revealed at each level of {@link ClientOutcome#REVEALS}: once its requests,
 * at the route's error rate so far (both tracks: it depends on no client's track), would hold the
 * level's expected errors, or the level's time after its first request, whichever comes first; and only
 * if every one of its requests went to the same track (a weight step moves some clients to the canary).
 * With it goes the chance it had of the canary given the weights its requests were split under: a
 * client kept on the canary under weights from {@code min} to {@code max} had chance
 * {@code min / (min + FULL - max)}.
 *
 * <p>It keeps each client's 64-bit hash, never its id, and at most {@code cap} clients: one beyond is
 * not tracked (which clients are tracked depends on when they came, not on their track). Revealed
 * clients wait in per-second slots for the stats reads ({@link #seconds}) for {@link MetricSeries#SECONDS}.
 * A new canary gets new reveals.
 *
 * <p>Thread-safe: every event loop records; clients are spread over locked stripes by their hash.
 */
public final class ClientReveals {
    public static final int DEFAULT_CAP = 20_000;
    private static final int STRIPES = 16;
    private static final int ALL_LEVELS = (1 << ClientOutcome.REVEALS.size()) - 1;

    /** One client's requests since its first, on the track it kept, and the weights they were split under. */
    private static final class Client {
        final long firstSecond;
        final boolean canary;
        long requests;
        long errors;
        int minWeight;
        int maxWeight;
        boolean moved;
        int levelsDone;

        Client(long firstSecond, boolean canary, int weight) {
            this.firstSecond = firstSecond;
            this.canary = canary;
            this.minWeight = weight;
            this.maxWeight = weight;
        }
    }

    /** The clients revealed in one second. */
    private record Slot(long second, List<ClientOutcome> clients) {
    }

    private final int cap;
    private final LongSupplier epochMillis;
    @SuppressWarnings("unchecked")
    private final Map<Long, Client>[] stripes = new Map[STRIPES];
    private final AtomicInteger tracked = new AtomicInteger();
    private final LongAdder requests = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final Slot[] slots = new Slot[MetricSeries.SECONDS];
    private final AtomicLong sweptAt = new AtomicLong(Long.MIN_VALUE);

    public ClientReveals() {
        this(DEFAULT_CAP, System::currentTimeMillis);
    }

    public ClientReveals(int cap, LongSupplier epochMillis) {
        if (cap < 1) {
            throw new IllegalArgumentException("client reveals must track at least one client; got a cap of " + cap);
        }
        this.cap = cap;
        this.epochMillis = epochMillis;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new HashMap<>();
        }
    }

    /**
     * One answer to a client of the split, on the track its hash gave it under {@code weight} (of
     * {@link RouteSpec#FULL_WEIGHT}); reveals the client at every level that became due.
     */
    public void record(long clientHash, boolean canary, int weight, boolean error) {
        requests.increment();
        if (error) {
            errors.increment();
        }
        long now = currentSecond();
        Map<Long, Client> stripe = stripes[stripe(clientHash)];
        synchronized (stripe) {
            Client c = stripe.get(clientHash);
            if (c == null) {
                if (tracked.get() >= cap) {
                    return;
                }
                tracked.incrementAndGet();
                c = new Client(now, canary, weight);
                stripe.put(clientHash, c);
            }
            c.moved |= c.canary != canary;
            c.minWeight = Math.min(c.minWeight, weight);
            c.maxWeight = Math.max(c.maxWeight, weight);
            c.requests++;
            if (error) {
                c.errors++;
            }
            if (c.levelsDone != ALL_LEVELS) {
                revealDue(c, now, routeRate()); // the route's rate (two sums) only for a client something is left to reveal of
            }
        }
    }

    /** The route's error rate so far, over both tracks of the split. */
    private double routeRate() {
        long n = requests.sum();
        return n == 0 ? 0 : (double) errors.sum() / n;
    }

    private void revealDue(Client c, long now, double routeRate) {
        for (int level = 0; level < ClientOutcome.REVEALS.size(); level++) {
            if ((c.levelsDone & (1 << level)) != 0) {
                continue;
            }
            ClientOutcome.Reveal r = ClientOutcome.REVEALS.get(level);
            boolean due = now - c.firstSecond >= r.by().toSeconds() || routeRate > 0 && c.requests * routeRate >= r.expectedErrors();
            if (!due) {
                continue;
            }
            c.levelsDone |= 1 << level;
            if (!c.moved) {
                int stableAlways = RouteSpec.FULL_WEIGHT - c.maxWeight;
                double chance = c.minWeight + stableAlways == 0 ? 0 : c.minWeight / (double) (c.minWeight + stableAlways);
                add(now, new ClientOutcome(level, c.canary, chance, c.requests, c.errors));
            }
        }
    }

    private void add(long second, ClientOutcome o) {
        int i = (int) Math.floorMod(second, MetricSeries.SECONDS);
        synchronized (slots) {
            Slot s = slots[i];
            if (s == null || s.second() != second) {
                s = new Slot(second, new ArrayList<>());
                slots[i] = s;
            }
            s.clients().add(o);
        }
    }

    /**
     * Reveals the clients whose time at a level has passed though they sent nothing since (at most once a
     * second; a stats read calls it before reading, so they land in the running second, read next time).
     */
    public void sweep() {
        long now = currentSecond();
        long last = sweptAt.get();
        if (last >= now || !sweptAt.compareAndSet(last, now)) {
            return;
        }
        double routeRate = routeRate();
        for (Map<Long, Client> stripe : stripes) {
            synchronized (stripe) {
                for (Client c : stripe.values()) {
                    revealDue(c, now, routeRate);
                }
            }
        }
    }

    /** The clients revealed in the whole seconds from {@code fromSecond} (inclusive) to {@code toSecond} (exclusive), as far as kept. */
    public List<ClientOutcome> seconds(long fromSecond, long toSecond) {
        List<ClientOutcome> out = new ArrayList<>();
        long from = Math.max(fromSecond, currentSecond() - MetricSeries.SECONDS + 1);
        synchronized (slots) {
            for (long s = from; s < toSecond; s++) {
                Slot slot = slots[(int) Math.floorMod(s, MetricSeries.SECONDS)];
                if (slot != null && slot.second() == s) {
                    out.addAll(slot.clients());
                }
            }
        }
        return out;
    }

    /**
     * Writes the clients tracked, the route's running sums and the revealed clients still kept, for a router
     * that takes over to {@link #absorb}: a client is then not revealed again at a level it was revealed at.
     */
    public void writeTo(java.io.DataOutput out) throws java.io.IOException {
        out.writeLong(requests.sum());
        out.writeLong(errors.sum());
        for (Map<Long, Client> stripe : stripes) {
            synchronized (stripe) {
                for (Map.Entry<Long, Client> e : stripe.entrySet()) {
                    Client c = e.getValue();
                    out.writeBoolean(true);
                    out.writeLong(e.getKey());
                    out.writeLong(c.firstSecond);
                    out.writeBoolean(c.canary);
                    out.writeLong(c.requests);
                    out.writeLong(c.errors);
                    out.writeInt(c.minWeight);
                    out.writeInt(c.maxWeight);
                    out.writeBoolean(c.moved);
                    out.writeInt(c.levelsDone);
                }
            }
        }
        out.writeBoolean(false);
        long now = currentSecond();
        synchronized (slots) {
            for (Slot slot : slots) {
                if (slot == null || slot.second() <= now - MetricSeries.SECONDS) {
                    continue;
                }
                for (ClientOutcome o : slot.clients()) {
                    out.writeBoolean(true);
                    out.writeLong(slot.second());
                    out.writeInt(o.level());
                    out.writeBoolean(o.canary());
                    out.writeDouble(o.canaryChance());
                    out.writeLong(o.requests());
                    out.writeLong(o.errors());
                }
            }
        }
        out.writeBoolean(false);
    }

    /** Takes in what a predecessor's reveals held ({@link #writeTo}); clients it tracks already keep their own. */
    public void absorb(java.io.DataInput in) throws java.io.IOException {
        requests.add(in.readLong());
        errors.add(in.readLong());
        while (in.readBoolean()) {
            long hash = in.readLong();
            Client c = new Client(in.readLong(), in.readBoolean(), 0);
            c.requests = in.readLong();
            c.errors = in.readLong();
            c.minWeight = in.readInt();
            c.maxWeight = in.readInt();
            c.moved = in.readBoolean();
            c.levelsDone = in.readInt();
            Map<Long, Client> stripe = stripes[stripe(hash)];
            synchronized (stripe) {
                if (!stripe.containsKey(hash) && tracked.get() < cap) {
                    tracked.incrementAndGet();
                    stripe.put(hash, c);
                }
            }
        }
        long now = currentSecond();
        while (in.readBoolean()) {
            long second = in.readLong();
            ClientOutcome o = new ClientOutcome(in.readInt(), in.readBoolean(), in.readDouble(), in.readLong(), in.readLong());
            if (second > now - MetricSeries.SECONDS && second <= now) {
                add(second, o);
            }
        }
    }

    /** Clients tracked (for tests and the cap). */
    public int tracked() {
        return tracked.get();
    }

    public long currentSecond() {
        return Math.floorDiv(epochMillis.getAsLong(), 1_000);
    }

    private static int stripe(long hash) {
        return (int) ((hash * 0x9E3779B97F4A7C15L) >>> 60);
    }
}
