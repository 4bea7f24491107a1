package io.glidepath.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A document's text before YAML sees it: its size checked against {@link ReleaseLimits#maxBytes()}
 * (a larger file is refused before it is read whole), decoded as strict UTF-8, and refused with the
 * line and column of the first character YAML does not allow (NUL and other control characters: a
 * binary file). Each refusal is one located {@link SpecError}.
 */
public final class SourceText {
    private SourceText() {
    }

    /** The text of {@code path}; an IOException only when it cannot be read at all (missing, a directory...). */
    public static String read(Path path, ReleaseLimits limits) throws IOException, InvalidSpecException {
        String label = path.toString();
        if (Files.isRegularFile(path) && Files.size(path) > limits.maxBytes()) {
            throw tooLarge(label, Files.size(path), limits);
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            // at most one byte past the limit: a file that grows, or a device such as /dev/zero, costs no more
            bytes = in.readNBytes(limits.maxBytes() + 1);
        }
        if (bytes.length > limits.maxBytes()) {
            throw tooLarge(label, -1, limits);
        }
        return decode(label, bytes, limits);
    }

    /** {@code bytes} as UTF-8 text that passed {@link #check}; {@code label} names it in errors. */
    public static String decode(String label, byte[] bytes, ReleaseLimits limits) throws InvalidSpecException {
        if (bytes.length > limits.maxBytes()) {
            throw tooLarge(label, bytes.length, limits);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int offset = in.position();
            out.flip();
            Location at = end(label, out);
            throw new InvalidSpecException(List.of(new SpecError(at, "", "the file is not UTF-8 text: byte 0x"
                    + String.format(Locale.ROOT, "%02X", bytes[offset] & 0xff) + " at offset " + offset
                    + " cannot be read; is this a binary file? Save the file as UTF-8 (YAML or JSON)")));
        }
        out.flip();
        String text = out.toString();
        check(label, text, limits);
        return text;
    }

    /**
     * Refuses text over the size limit (counted in UTF-8 bytes, as the file and the server's request
     * body are) and text holding a character YAML does not allow, at its line and column.
     */
    public static void check(String label, String text, ReleaseLimits limits) throws InvalidSpecException {
        long size = utf8Length(text);
        if (size > limits.maxBytes()) {
            throw tooLarge(label, size, limits);
        }
        int line = 1;
        int column = 1;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (!allowed(c)) {
                throw new InvalidSpecException(List.of(new SpecError(new Location(label, line, column), "", what(c))));
            }
            if (c == '\n' || c == '\r' && (i + 1 == text.length() || text.charAt(i + 1) != '\n')) {
                line++;
                column = 1;
            } else if (c != '\r') {
                column++;
            }
            i += Character.charCount(c);
        }
    }

    /** YAML 1.2's printable characters (section 5.1), which is what SnakeYAML Engine accepts. */
    private static boolean allowed(int c) {
        return c >= 0x20 && c <= 0x7e || c == '\t' || c == '\n' || c == '\r' || c == 0x85 || c >= 0xa0 && c <= 0xd7ff
                || c >= 0xe000 && c <= 0xfffd || c >= 0x10000 && c <= 0x10ffff;
    }

    private static String what(int c) {
        String code = String.format(Locale.ROOT, "U+%04X", c);
        if (c == 0) {
            return "the file holds a NUL character (U+0000): is this a binary file? It must be YAML (or JSON) text";
        }
        if (c >= 0xd800 && c <= 0xdfff) {
            return "the file holds a lone surrogate (" + code + "), which is not a character; save the file as UTF-8";
        }
        return "the file holds the character " + code + ", which YAML does not allow in a file (a control character); remove it, "
                + "or write it as an escape such as \"\\x07\" inside a double-quoted value";
    }

    /** The location just after {@code decoded}, which is the text before the first byte that could not be read. */
    private static Location end(String label, CharBuffer decoded) {
        int line = 1;
        int column = 1;
        String s = decoded.toString();
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            if (c == '\n' || c == '\r' && (i + 1 == s.length() || s.charAt(i + 1) != '\n')) {
                line++;
                column = 1;
            } else if (c != '\r') {
                column++;
            }
            i += Character.charCount(c);
        }
        return new Location(label, line, column);
    }

    private static long utf8Length(String text) {
        long n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** {@code size} -1: more than the limit, by how much unknown (a stream, a device). */
    private static InvalidSpecException tooLarge(String label, long size, ReleaseLimits limits) {
        String is = size < 0 ? "the file is" : "the file is " + size + " bytes,";
        return new InvalidSpecException(List.of(new SpecError(new Location(label, 1, 1), "", is + " over the limit of "
                + limits.maxBytesText() + ", the largest release the server accepts; ship fewer services per release, "
                + "or move long values (smoke bodies, env) out of the file")));
    }
}
