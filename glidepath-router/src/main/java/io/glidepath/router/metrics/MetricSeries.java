package io.glidepath.router.metrics;

import io.glidepath.analysis.LatencyLadder;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.AtomicHistogram;
import org.HdrHistogram.PackedHistogram;
import org.HdrHistogram.Histogram;

/**
 * Request figures of one route track or one endpoint: one-second buckets kept for {@link #SECONDS}
 * seconds (counts by status class, connect failures, shielded responses, requests cut by a drain,
 * clients' first errors on a sticky split, and a latency histogram), plus running totals for Prometheus (counts, latency sum, and a classic
 * latency histogram with fixed buckets that PromQL's histogram_quantile reads). Safe for concurrent writers (every
 * event loop) and readers (the admin API).
 *
 * <p>Memory follows traffic: the ring of buckets is allocated on a series' first event, a bucket on the
 * first event of its second, a bucket's histogram on its first response; {@link #releaseIdle()} gives
 * the ring back once no second it holds is still kept (no event for {@link #SECONDS} seconds). A route
 * that never saw traffic holds no array at all (its totals too come with its first event); 10,000 idle
 * routes do not hold 300 buckets per track.
 */
public final class MetricSeries {
    public static final int SECONDS = 300;
    static final long MAX_LATENCY_MICROS = 60_000_000L;

    // counter slots in a bucket and in the totals
    static final int C1XX = 0, C2XX = 1, C3XX = 2, C4XX = 3, C5XX = 4, CONNECT_FAILURES = 5, SHIELDED = 6, CUT = 7,
            FIRST_CLIENT_ERRORS = 8;
    static final int SLOTS = 9;

    private final LongSupplier epochMillis;
    /** The ring of one-second buckets, by second modulo {@link #SECONDS}; null until the first event and once released. */
    private volatile AtomicReferenceArray<Bucket> buckets;
    /** The last second a bucket was opened for (changed under this series' lock). */
    private volatile long lastSecond = Long.MIN_VALUE;
    /** Running totals since start, allocated on the first event (a Prometheus latency histogram is some 200 longs). */
    private volatile Totals totals;
    /**
     * Upper bounds of the Prometheus latency buckets, in seconds (a last bucket, +Inf, takes the rest):
     * the steps a sequential judge's slow-request threshold may take, so Prometheus can answer it.
     */
    public static final double[] LATENCY_BOUNDS_SECONDS = LatencyLadder.BOUNDS_SECONDS;
    private static final long[] LATENCY_BOUNDS_MICROS = java.util.Arrays.stream(LATENCY_BOUNDS_SECONDS).mapToLong(b -> Math.round(b * 1e6)).toArray();

    /** Counts by slot, the latency sum, and responses per latency bucket (not cumulative; the last one is above every bound). */
    private record Totals(AtomicLongArray counts, AtomicLongArray latencyMicros, AtomicLongArray latencyBuckets) {
        Totals() {
            this(new AtomicLongArray(SLOTS), new AtomicLongArray(1), new AtomicLongArray(LATENCY_BOUNDS_SECONDS.length + 1));
        }
    }

    private Totals totals() {
        Totals t = totals;
        if (t == null) {
            synchronized (this) {
                t = totals;
                if (t == null) {
                    t = new Totals();
                    totals = t;
                }
            }
        }
        return t;
    }

    public MetricSeries(LongSupplier epochMillis) {
        this.epochMillis = epochMillis;
    }

    public static MetricSeries systemClock() {
        return new MetricSeries(System::currentTimeMillis);
    }

    /** A response that reached the client or was shielded from it, with its status and latency. */
    public void recordResponse(int status, long latencyMicros) {
        int slot = statusSlot(status);
        Bucket b = current();
        b.counts.incrementAndGet(slot);
        b.histogram().recordValue(Math.min(Math.max(latencyMicros, 1), MAX_LATENCY_MICROS));
        Totals t = totals();
        t.counts().incrementAndGet(slot);
        t.latencyMicros().addAndGet(0, latencyMicros);
        t.latencyBuckets().incrementAndGet(latencyBucket(latencyMicros));
    }

    /** The first bucket whose bound is at or above {@code micros} (the last, +Inf, above them all): on every response, so a binary search. */
    static int latencyBucket(long micros) {
        int i = java.util.Arrays.binarySearch(LATENCY_BOUNDS_MICROS, micros);
        return i >= 0 ? i : -i - 1;
    }

    /** Responses per latency bucket since start, each bucket on its own (bounds in {@link #LATENCY_BOUNDS_SECONDS}, then +Inf). */
    public long[] latencyBucketCounts() {
        long[] counts = new long[LATENCY_BOUNDS_SECONDS.length + 1];
        Totals t = totals;
        for (int i = 0; t != null && i < counts.length; i++) {
            counts[i] = t.latencyBuckets().get(i);
        }
        return counts;
    }

    public void recordConnectFailure() {
        count(CONNECT_FAILURES, 1);
    }

    public void recordShielded() {
        count(SHIELDED, 1);
    }

    public void recordCut(int n) {
        count(CUT, n);
    }

    /** A client of a sticky split had its first 5xx since the canary began (its 5xx is recorded as a response too). */
    public void recordFirstClientError() {
        count(FIRST_CLIENT_ERRORS, 1);
    }

    private void count(int slot, int n) {
        current().counts.addAndGet(slot, n);
        totals().counts().addAndGet(slot, n);
    }

    private Bucket current() {
        long now = Math.floorDiv(epochMillis.getAsLong(), 1_000);
        AtomicReferenceArray<Bucket> ring = buckets;
        if (ring != null) {
            Bucket b = ring.get((int) Math.floorMod(now, SECONDS));
            if (b != null && b.second == now) {
                return b;
            }
        }
        return open(now);
    }

    /** The bucket of second {@code now}, the ring and the bucket allocated or reused as needed: once a second at most. */
    private synchronized Bucket open(long now) {
        Bucket b = slot(now);
        AtomicReferenceArray<Bucket> ring = buckets;
        if (now > lastSecond) {
            // the seconds that may still hold a flat histogram are the last two that saw events: seal those over by a
            // whole second (a writer would have to stall that long between finding a bucket and recording into it)
            for (long s = lastSecond - 1; lastSecond != Long.MIN_VALUE && s <= lastSecond; s++) {
                if (s <= now - 2) {
                    Bucket old = ring.get((int) Math.floorMod(s, SECONDS));
                    if (old != null) {
                        old.seal(s);
                    }
                }
            }
            lastSecond = now;
        }
        return b;
    }

    /**
     * Gives back the ring of buckets (and the histograms in it) when every second it holds has left the
     * kept {@link #SECONDS}: the figures it could still answer are none, the totals stay. Returns whether
     * the series holds no buckets now.
     */
    public synchronized boolean releaseIdle() {
        if (buckets == null) {
            return true;
        }
        if (currentSecond() - lastSecond < SECONDS) {
            return false;
        }
        buckets = null;
        return true;
    }

    /** How many buckets hold a flat (unsealed) histogram now (tests). */
    synchronized int flatHistograms() {
        AtomicReferenceArray<Bucket> ring = buckets;
        int n = 0;
        for (int i = 0; ring != null && i < SECONDS; i++) {
            Bucket b = ring.get(i);
            n += b != null && b.histogram != null ? 1 : 0;
        }
        return n;
    }

    /** Whether the series holds its ring of buckets now (tests and memory accounting). */
    public boolean holdsBuckets() {
        return buckets != null;
    }

    /**
     * Aggregates the seconds that overlap the last {@code window}: the current (partial) second and
     * the full ones before it, so a one-second window always holds at least one whole second.
     * {@code percentiles} (such as 99.9) come back in {@link WindowStats#latencyAt()}.
     */
    public WindowStats window(Duration window, double... percentiles) {
        return window(window, percentiles, List.of());
    }

    /**
     * As {@link #window(Duration, double...)}, with how many requests took longer than each of
     * {@code slowerThan} (each above 0 and below {@link SlowerThan#LIMIT}) in {@link WindowStats#slowerThan()}:
     * counted here, from the merged histogram, so the data path records nothing more.
     */
    public WindowStats window(Duration window, double[] percentiles, Collection<Duration> slowerThan) {
        long nowMillis = epochMillis.getAsLong();
        long now = Math.floorDiv(nowMillis, 1_000);
        long from = Math.max(now - SECONDS + 1, Math.floorDiv(nowMillis - Math.max(1, window.toMillis()), 1_000));
        return seconds(from, now + 1, window, percentiles, slowerThan);
    }

    /** The second now running (epoch seconds): its figures are still coming in. */
    public long currentSecond() {
        return Math.floorDiv(epochMillis.getAsLong(), 1_000);
    }

    /**
     * The whole seconds from {@code fromSecond} (inclusive) to {@code toSecond} (exclusive), epoch
     * seconds, as far as they are kept (the last {@link #SECONDS}): a reader that asks from where its
     * last read ended to {@link #currentSecond()} sees every request once, never twice.
     */
    public WindowStats seconds(long fromSecond, long toSecond, double[] percentiles, Collection<Duration> slowerThan) {
        return seconds(fromSecond, toSecond, Duration.ofSeconds(Math.max(0, toSecond - fromSecond)), percentiles, slowerThan);
    }

    private WindowStats seconds(long fromSecond, long toSecond, Duration window, double[] percentiles, Collection<Duration> slowerThan) {
        long from = Math.max(fromSecond, currentSecond() - SECONDS + 1);
        long now = toSecond - 1;
        long[] sums = new long[SLOTS];
        Histogram merged = new Histogram(1, MAX_LATENCY_MICROS, 2);
        forEachSecond(from, now, (s, b) -> {
            for (int i = 0; i < SLOTS; i++) {
                sums[i] += b.counts.get(i);
            }
            b.addTo(merged);
        });
        return WindowStats.of(window, sums, merged, percentiles, slowerThan);
    }

    private interface SecondVisitor<E extends Exception> {
        void visit(long second, Bucket b) throws E;
    }

    /** Each second from {@code from} to {@code to} (inclusive) that has a bucket, in order, under the bucket's lock. */
    private <E extends Exception> void forEachSecond(long from, long to, SecondVisitor<E> visitor) throws E {
        AtomicReferenceArray<Bucket> ring = buckets;
        for (long s = from; ring != null && s <= to; s++) {
            Bucket b = ring.get((int) Math.floorMod(s, SECONDS));
            if (b == null) {
                continue;
            }
            synchronized (b) {
                if (b.second == s) {
                    visitor.visit(s, b);
                }
            }
        }
    }

    /** Running total of a counter slot since start, for Prometheus. */
    public long total(int slot) {
        Totals t = totals;
        return t == null ? 0 : t.counts().get(slot);
    }

    public long totalResponses() {
        long n = 0;
        Totals t = totals;
        for (int i = C1XX; t != null && i <= C5XX; i++) {
            n += t.counts().get(i);
        }
        return n;
    }

    public double totalLatencySeconds() {
        Totals t = totals;
        return t == null ? 0 : t.latencyMicros().get(0) / 1e6;
    }

    // --- handed to a successor router (FiguresHandoff) -----------------------------------------------

    /**
     * Writes the seconds still kept and the totals, for a router that takes over from this one to
     * {@link #absorb}: figures the judge reads then span the restart.
     */
    public void writeTo(DataOutput out) throws IOException {
        Totals t = totals;
        out.writeBoolean(t != null);
        if (t != null) {
            for (int i = 0; i < SLOTS; i++) {
                out.writeLong(t.counts().get(i));
            }
            out.writeLong(t.latencyMicros().get(0));
            out.writeInt(t.latencyBuckets().length());
            for (int i = 0; i < t.latencyBuckets().length(); i++) {
                out.writeLong(t.latencyBuckets().get(i));
            }
        }
        long now = currentSecond();
        this.<IOException>forEachSecond(now - SECONDS + 1, now, (s, b) -> {
            out.writeBoolean(true);
            out.writeLong(s);
            for (int i = 0; i < SLOTS; i++) {
                out.writeLong(b.counts.get(i));
            }
            Histogram merged = new Histogram(1, MAX_LATENCY_MICROS, 2);
            b.addTo(merged);
            ByteBuffer encoded = ByteBuffer.allocate(merged.getNeededByteBufferCapacity());
            int length = merged.encodeIntoCompressedByteBuffer(encoded);
            out.writeInt(length);
            out.write(encoded.array(), 0, length);
        });
        out.writeBoolean(false);
    }

    /**
     * Adds what {@link #writeTo} wrote (a predecessor's figures) to these: its totals to the totals, each
     * second still kept to that second's bucket. Seconds beyond the kept window are read and left out.
     */
    public void absorb(DataInput in) throws IOException {
        if (in.readBoolean()) {
            Totals t = totals();
            for (int i = 0; i < SLOTS; i++) {
                t.counts().addAndGet(i, in.readLong());
            }
            t.latencyMicros().addAndGet(0, in.readLong());
            int n = in.readInt();
            if (n != t.latencyBuckets().length()) {
                throw new IOException("the figures have " + n + " latency buckets where this router has " + t.latencyBuckets().length());
            }
            for (int i = 0; i < n; i++) {
                t.latencyBuckets().addAndGet(i, in.readLong());
            }
        }
        while (in.readBoolean()) {
            long s = in.readLong();
            long[] counts = new long[SLOTS];
            for (int i = 0; i < SLOTS; i++) {
                counts[i] = in.readLong();
            }
            byte[] encoded = new byte[in.readInt()];
            in.readFully(encoded);
            long now = currentSecond();
            if (s <= now - SECONDS || s > now) {
                continue; // no longer kept (or from a clock ahead of this one)
            }
            Histogram latencies;
            try {
                latencies = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(encoded), MAX_LATENCY_MICROS);
            } catch (java.util.zip.DataFormatException | RuntimeException e) {
                throw new IOException("a latency histogram of second " + s + " cannot be read: " + e.getMessage(), e);
            }
            bucketOf(s).absorb(counts, latencies, s >= now - 1);
        }
    }

    /** The bucket of a kept second {@code s} for a predecessor's figures (the next second opened seals it, as any). */
    private synchronized Bucket bucketOf(long s) {
        Bucket b = slot(s);
        if (s > lastSecond) {
            lastSecond = s;
        }
        return b;
    }

    /** The ring's bucket for second {@code s}, the ring and the bucket allocated, the bucket reset if it held another second. */
    private Bucket slot(long s) {
        AtomicReferenceArray<Bucket> ring = buckets;
        if (ring == null) {
            ring = new AtomicReferenceArray<>(SECONDS);
            buckets = ring;
        }
        int i = (int) Math.floorMod(s, SECONDS);
        Bucket b = ring.get(i);
        if (b == null) {
            b = new Bucket();
            ring.set(i, b);
        }
        if (b.second != s) {
            b.resetTo(s);
        }
        return b;
    }

    static int statusSlot(int status) {
        int c = status / 100;
        return c >= 1 && c <= 5 ? c - 1 : C5XX;
    }

    /**
     * One second of figures. Writers see {@code second} (volatile) set only after the reset is done. While its
     * second runs, the latency histogram is a flat AtomicHistogram (lock-free, about 5 ns a record, but 2,560
     * longs, 20 KB, over 1 us..60 s at two digits whatever it saw); once the second is over it is sealed into a
     * PackedHistogram holding only the latency buckets the second saw (a few KB), so a series busy every second
     * keeps {@value #SECONDS} small histograms rather than 300 x 20 KB. (A concurrent packed histogram on the
     * data path was tried: under two event loops recording at once it slowed to a crawl.)
     */
    private static final class Bucket {
        volatile long second = Long.MIN_VALUE;
        final AtomicLongArray counts = new AtomicLongArray(SLOTS);
        /** The running second's histogram, made on its first response; null once sealed. */
        volatile AtomicHistogram histogram;
        /** The finished second's histogram, read only. */
        volatile AbstractHistogram sealed;

        synchronized void resetTo(long now) {
            if (second == now) {
                return; // another writer got here first
            }
            for (int i = 0; i < SLOTS; i++) {
                counts.set(i, 0);
            }
            if (histogram != null) {
                histogram.reset();
            }
            sealed = null;
            second = now;
        }

        AtomicHistogram histogram() {
            AtomicHistogram h = histogram;
            if (h == null) {
                synchronized (this) {
                    h = histogram;
                    if (h == null) {
                        h = new AtomicHistogram(1, MAX_LATENCY_MICROS, 2);
                        histogram = h;
                    }
                }
            }
            return h;
        }

        /** Packs the histogram of second {@code s}, over for at least a second, and lets the flat one go. */
        synchronized void seal(long s) {
            AtomicHistogram h = histogram;
            if (second != s || h == null) {
                return;
            }
            PackedHistogram packed = new PackedHistogram(1, MAX_LATENCY_MICROS, 2);
            packed.add(h);
            if (sealed != null) {
                packed.add(sealed); // a predecessor's figures of this second (absorb)
            }
            sealed = packed;
            histogram = null;
        }

        /** Adds a predecessor's figures of this second: to the running histogram while the second may still run. */
        synchronized void absorb(long[] add, Histogram latencies, boolean running) {
            for (int i = 0; i < SLOTS; i++) {
                counts.addAndGet(i, add[i]);
            }
            if (latencies.getTotalCount() == 0) {
                return;
            }
            if (running || histogram != null) {
                histogram().add(latencies);
                return;
            }
            PackedHistogram packed = new PackedHistogram(1, MAX_LATENCY_MICROS, 2);
            if (sealed != null) {
                packed.add(sealed);
            }
            packed.add(latencies);
            sealed = packed;
        }

        /** Adds this second's latencies to {@code merged} (the caller holds this bucket's lock). */
        void addTo(Histogram merged) {
            AtomicHistogram h = histogram;
            if (h != null) {
                merged.add(h);
            }
            AbstractHistogram p = sealed;
            if (p != null) {
                merged.add(p);
            }
        }
    }
}
