package io.glidepath.router.acme;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import io.glidepath.router.tls.Certificates;

/**
 * The ACME client's files under the state directory, {@code acme/} (0700):
 * <ul>
 *   <li>{@code account.key}: the account's key pair (0600), made on first use;</li>
 *   <li>{@code account-HASH.url}: the account's URL at the CA whose directory URL hashes to HASH (a
 *       change of CA makes a new account with the same key);</li>
 *   <li>{@code certs/NAME.pem}: each name's chain, the site's certificate first, and its key, in one
 *       file (0600), so that a renewal replaces both in one rename: a reader never sees a new
 *       certificate beside the old key. The HTTPS listener loads this directory after the operator's.</li>
 * </ul>
 * Every file is written to a temporary file with its final permissions, forced to disk, then renamed.
 */
public final class AcmeStore {
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    /** A host name as a file name: letters, digits, dots and dashes only (route hosts are such; anything else is not stored). */
    private static final Pattern FILE_SAFE = Pattern.compile("[a-z0-9]([a-z0-9.-]*[a-z0-9])?");

    private final Path root;
    private final Path certs;

    private AcmeStore(Path root) {
        this.root = root;
        this.certs = root.resolve("certs");
    }

    /** The store of {@code stateDir}, its directories made (0700) when missing. */
    public static AcmeStore open(Path stateDir) throws IOException {
        AcmeStore s = new AcmeStore(stateDir.resolve("acme"));
        for (Path d : List.of(s.root, s.certs)) {
            if (!Files.isDirectory(d)) {
                Files.createDirectories(d);
                Files.setPosixFilePermissions(d, OWNER_ONLY_DIR);
            }
        }
        return s;
    }

    /** Where the issued certificates are, for the HTTPS listener. */
    public Path certificatesDirectory() {
        return certs;
    }

    static boolean storable(String name) {
        return FILE_SAFE.matcher(name).matches() && !name.contains("..");
    }

    /** The account's key pair, made and stored (0600) the first time: its PKCS#8 private key and X.509 public key, PEM. */
    KeyPair accountKey() throws IOException {
        Path file = root.resolve("account.key");
        if (Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            try {
                java.security.KeyFactory ec = java.security.KeyFactory.getInstance("EC");
                return new KeyPair(ec.generatePublic(new java.security.spec.X509EncodedKeySpec(block(text, "PUBLIC KEY"))),
                        ec.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(block(text, "PRIVATE KEY"))));
            } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
                throw new IOException(file + " does not hold an EC key pair (" + e.getMessage() + "): move it away to make a new account", e);
            }
        }
        KeyPair key = newKeyPair();
        writeAtomically(file, pem("PRIVATE KEY", key.getPrivate().getEncoded()) + pem("PUBLIC KEY", key.getPublic().getEncoded()));
        return key;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] block(String text, String type) {
        int begin = text.indexOf("-----BEGIN " + type + "-----");
        int end = text.indexOf("-----END " + type + "-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("no " + type + " block");
        }
        return Base64.getMimeDecoder().decode(text.substring(begin + type.length() + 16, end));
    }

    /** An EC P-256 key pair from the JDK's provider (acme4j's helper asks for BouncyCastle's registered as a provider, which the router does not do). */
    static KeyPair newKeyPair() {
        try {
            java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
            g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("the JDK makes no EC P-256 keys", e);
        }
    }

    /** The account's URL at the CA of {@code directory}, when an account was made there. */
    Optional<URL> accountLocation(URI directory) throws IOException {
        Path file = accountFile(directory);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        try {
            return Optional.of(URI.create(text).toURL());
        } catch (IllegalArgumentException | java.net.MalformedURLException e) {
            throw new IOException(file + " does not hold a URL (" + text + "): delete it, the account is found again by its key", e);
        }
    }

    void saveAccountLocation(URI directory, URL location) throws IOException {
        writeAtomically(accountFile(directory), location.toString() + "\n");
    }

    private Path accountFile(URI directory) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(directory.toString().getBytes(StandardCharsets.UTF_8));
            return root.resolve("account-" + HexFormat.of().formatHex(h, 0, 6) + ".url");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stores {@code name}'s chain (PEM, leaf first) with its key (PKCS#8) in one file, replacing what was there. */
    void saveCertificate(String name, String chainPem, PrivateKey key) throws IOException {
        if (!storable(name)) {
            throw new IOException("'" + name + "' cannot be a file name");
        }
        writeAtomically(certs.resolve(name + ".pem"), (chainPem.endsWith("\n") ? chainPem : chainPem + "\n") + pem("PRIVATE KEY", key.getEncoded()));
    }

    /** What is stored for {@code name}; empty when nothing, or nothing that parses (it is then ordered again). */
    Optional<StoredCertificate> certificate(String name) {
        Path file = certs.resolve(name + ".pem");
        if (!storable(name) || !Files.exists(file)) {
            return Optional.empty();
        }
        try {
            Collection<? extends java.security.cert.Certificate> chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Certificates.certificateBlocks(Files.readString(file, StandardCharsets.US_ASCII))));
            if (chain.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(describe((X509Certificate) chain.iterator().next()));
        } catch (IOException | CertificateException e) {
            return Optional.empty();
        }
    }

    static StoredCertificate describe(X509Certificate leaf) throws CertificateException {
        List<String> names = new ArrayList<>();
        Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
        if (sans != null) {
            for (List<?> san : sans) {
                if (san.size() == 2 && Integer.valueOf(2).equals(san.get(0))) {
                    names.add(san.get(1).toString().toLowerCase(Locale.ROOT));
                }
            }
        }
        return new StoredCertificate(List.copyOf(names), leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant(),
                leaf.getSerialNumber().toString(16));
    }

    /** Temporary file created 0600 (never readable by others, not even for a moment), forced, renamed over {@code target}. */
    static void writeAtomically(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot write " + target + ": " + tmp + " appeared meanwhile", e);
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            dir.force(true); // the rename itself on disk
        } catch (IOException e) {
            // some file systems cannot open a directory for this; the rename is still atomic
        }
    }
}
