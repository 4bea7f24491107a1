package io.glidepath.router.metrics;

/**
 * The clients of one route that have had a 5xx since its canary began, so that a client's first error
 * counts once however many it has (docs/router.md, "Clients' first errors"). It keeps each client's
 * 64-bit hash on the route, never its id (which may be a user id).
 *
 * <p>A set of longs with open addressing (8 bytes a slot, linear probing, doubling when half full),
 * hand-written because no primitive collection is on the router's classpath and a boxed set would
 * cost about six times the memory. It holds at most {@code cap} clients (16 MiB of slots at the
 * default million); once a client beyond that errs it admits no one and is {@link #full()} for good,
 * so that the figures it feeds are left out rather than counted short. A new canary gets a new ledger.
 *
 * <p>Thread-safe: every event loop writes, but only on a 5xx, so one lock costs the data path nothing.
 */
public final class ClientErrorLedger {
    public static final int DEFAULT_CAP = 1_000_000;
    static final int INITIAL_SLOTS = 1 << 10;
    private static final long EMPTY = 0; // a client whose hash is 0 is kept in hasZero

    private final int cap;
    /** Allocated on the first error: a route whose clients never err (most of them) holds no slots. */
    private long[] slots;
    private int shift = Long.SIZE - Integer.numberOfTrailingZeros(INITIAL_SLOTS);
    private int size;
    private boolean hasZero;
    private boolean full;

    public ClientErrorLedger() {
        this(DEFAULT_CAP);
    }

    public ClientErrorLedger(int cap) {
        if (cap < 1) {
            throw new IllegalArgumentException("a client ledger must hold at least one client; got a cap of " + cap);
        }
        this.cap = cap;
    }

    /**
     * Records an error of the client with this hash: true when it is the client's first (it is added),
     * false when the client had one before, or when the ledger is full and the client is not in it.
     */
    public synchronized boolean firstError(long clientHash) {
        if (clientHash == EMPTY) {
            if (hasZero || !admit()) {
                return false;
            }
            hasZero = true;
            size++;
            return true;
        }
        if (slots == null) {
            slots = new long[INITIAL_SLOTS];
        }
        int i = slot(clientHash);
        int mask = slots.length - 1;
        for (long v = slots[i]; v != EMPTY; v = slots[i]) {
            if (v == clientHash) {
                return false;
            }
            i = (i + 1) & mask;
        }
        if (!admit()) {
            return false;
        }
        slots[i] = clientHash;
        size++;
        if (size > slots.length / 2) {
            grow();
        }
        return true;
    }

    private boolean admit() {
        if (size >= cap) {
            full = true;
        }
        return !full;
    }

    /** Fibonacci hashing: the top bits of the product, so that any bits of the hash spread the slots. */
    private int slot(long h) {
        return (int) ((h * 0x9E3779B97F4A7C15L) >>> shift);
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        shift--;
        int mask = slots.length - 1;
        for (long v : old) {
            if (v != EMPTY) {
                int i = slot(v);
                while (slots[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                slots[i] = v;
            }
        }
    }

    /** Writes the clients it holds (and whether it is full), for a router that takes over to {@link #absorb}. */
    public synchronized void writeTo(java.io.DataOutput out) throws java.io.IOException {
        out.writeBoolean(full);
        out.writeInt(size);
        if (hasZero) {
            out.writeLong(EMPTY);
        }
        for (int i = 0; slots != null && i < slots.length; i++) {
            if (slots[i] != EMPTY) {
                out.writeLong(slots[i]);
            }
        }
    }

    /** Adds the clients a predecessor's ledger held ({@link #writeTo}): their next errors are not their first. */
    public void absorb(java.io.DataInput in) throws java.io.IOException {
        boolean wasFull = in.readBoolean();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            firstError(in.readLong());
        }
        if (wasFull) {
            synchronized (this) {
                full = true;
            }
        }
    }

    /** Whether a client was turned away: the counts this ledger fed since it began are short from then on. */
    public synchronized boolean full() {
        return full;
    }

    /** The clients it holds. */
    public synchronized int size() {
        return size;
    }

    public int cap() {
        return cap;
    }

    /** Slots allocated (for tests of its growth): none before the first error. */
    synchronized int capacity() {
        return slots == null ? 0 : slots.length;
    }
}
