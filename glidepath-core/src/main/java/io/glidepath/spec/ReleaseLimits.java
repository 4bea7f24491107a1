package io.glidepath.spec;

/**
 * How large and how deep a release file (or any YAML or JSON document read with {@link YamlSource}) may
 * be. One set of numbers for every reader: {@code glidepath validate}, {@code plan} and {@code deploy}
 * read files through them, and the server's body limit is {@link #MAX_BYTES}, so a file that validates
 * is one the server accepts. They also keep hostile input (thousands of nested brackets, alias bombs,
 * megabyte scalars, binary files) to a located error, in bounded time and memory.
 *
 * @param maxBytes       the document's size in UTF-8 bytes
 * @param maxDepth       nested mappings and lists, the root counting as 1 (a release file needs about 8)
 * @param maxNodes       keys, values, mappings and lists in the document, counting an alias once per use
 *                       (a 1,000-service release has about 60,000; each costs a few hundred bytes while read)
 * @param maxAliases     alias uses ({@code *name}) in the document
 * @param maxScalarChars the longest key or value, in characters
 */
public record ReleaseLimits(int maxBytes, int maxDepth, int maxNodes, int maxAliases, int maxScalarChars) {
    /** 4 MiB: the largest release file, and the server's request body limit. */
    public static final int MAX_BYTES = 4 * 1024 * 1024;

    /** The limits every release file and the webhooks file are read with. */
    public static final ReleaseLimits STANDARD = new ReleaseLimits(MAX_BYTES, 32, 100_000, 50, 64 * 1024);

    public ReleaseLimits {
        if (maxBytes < 1 || maxDepth < 1 || maxNodes < 1 || maxAliases < 0 || maxScalarChars < 1) {
            throw new IllegalArgumentException("limits must be positive: " + maxBytes + ", " + maxDepth + ", " + maxNodes + ", " + maxAliases
                    + ", " + maxScalarChars);
        }
    }

    /** The size limit as messages give it: {@code 4 MiB (4194304 bytes)}. */
    String maxBytesText() {
        int mib = 1024 * 1024;
        return maxBytes % mib == 0 ? maxBytes / mib + " MiB (" + maxBytes + " bytes)" : maxBytes + " bytes";
    }
}
