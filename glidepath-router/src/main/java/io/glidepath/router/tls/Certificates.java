package io.glidepath.router.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.Mapping;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's certificates, from a directory of PEM files, chosen per connection by the name the
 * client asks for (SNI). Each {@code NAME.crt} or {@code NAME.pem} holds a certificate chain (leaf
 * first) and its key is {@code NAME.key}, or a PRIVATE KEY block in the same file (HAProxy's
 * combined form). The names a certificate serves are its DNS subject alternative names (its common
 * name when it has none), wildcards ({@code *.example.com}: one label) included. A client naming none
 * of them, or none at all, gets the default certificate: {@code default.*}, else the first file by name.
 *
 * <p>{@link #reload()} reads the directory again; the listener calls it when files change. A file
 * that does not load keeps what it served before (its error is reported, see {@link #view()}), so a
 * half-written renewal never takes a site down. Connections already open keep their session: only
 * new handshakes see the new certificate.
 */
public final class Certificates implements Mapping<String, SslContext> {
    private static final Logger log = LoggerFactory.getLogger(Certificates.class);
    /** Mozilla's "intermediate" TLS 1.2 suites (forward secrecy, AEAD only); TLS 1.3's own suites are all modern. */
    static final List<String> TLS12_CIPHERS = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    static final List<String> TLS13_CIPHERS = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /**
     * One certificate file as loaded (or not).
     *
     * @param error why the file's current contents do not load; empty when they did. A file with an
     *              error may still serve what it loaded before ({@code names} non-empty)
     */
    public record Loaded(String file, List<String> names, Instant notAfter, String issuer, Optional<String> error) {
    }

    /** What the store serves now. */
    public record View(List<Loaded> certificates, Optional<String> defaultFile) {
    }

    /** A loaded file, with a digest of what it was loaded from (a reload of the same bytes keeps the context). */
    private record Entry(Loaded info, SslContext context, String digest) {
    }

    private final Path dir;
    private final SslProvider provider;
    private final LongAdder reloadErrors = new LongAdder();
    private volatile Map<String, Entry> byFile = Map.of();
    private volatile Map<String, SslContext> exact = Map.of();
    private volatile Map<String, SslContext> wildcard = Map.of();
    private volatile SslContext fallback;
    private volatile View view = new View(List.of(), Optional.empty());

    private Certificates(Path dir) {
        this.dir = dir;
        // BoringSSL through netty-tcnative where its native library loads: less CPU per handshake and record
        this.provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** Loads {@code dir}; fails when no certificate in it loads (a TLS listener with nothing to serve is a mistake to catch at start). */
    public static Certificates load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("certificate directory " + dir + " does not exist or is not a directory: create it and put NAME.crt "
                    + "with NAME.key (PEM) in it");
        }
        Certificates c = new Certificates(dir);
        c.reload();
        if (c.fallback == null) {
            String errors = String.join("; ", c.view.certificates().stream().flatMap(l -> l.error().stream().map(e -> l.file() + ": " + e)).toList());
            throw new IOException("no certificate in " + dir + " loads" + (errors.isEmpty() ? " (put NAME.crt with NAME.key, PEM, in it)" : ": " + errors));
        }
        return c;
    }

    /** The TLS implementation in use: "OpenSSL (BoringSSL)" or "JDK". */
    public String provider() {
        return provider == SslProvider.OPENSSL ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK";
    }

    public Path directory() {
        return dir;
    }

    public View view() {
        return view;
    }

    /** Files whose contents did not load, over this store's life (each failed reload of each file counts). */
    public long reloadErrors() {
        return reloadErrors.sum();
    }

    /** The context for a handshake naming {@code host} (null: no SNI). */
    @Override
    public SslContext map(String host) {
        if (host != null) {
            String h = host.toLowerCase(Locale.ROOT);
            SslContext c = exact.get(h);
            if (c != null) {
                return c;
            }
            int dot = h.indexOf('.');
            if (dot > 0) {
                c = wildcard.get(h.substring(dot + 1));
                if (c != null) {
                    return c;
                }
            }
        }
        return fallback;
    }

    /** Reads the directory again; returns true when what is served changed. */
    public synchronized boolean reload() throws IOException {
        Map<String, Entry> before = byFile;
        Map<String, Entry> now = new TreeMap<>();
        List<Loaded> infos = new ArrayList<>();
        for (Path certFile : certificateFiles()) {
            String file = certFile.getFileName().toString();
            Entry previous = before.get(file);
            try {
                Entry e = read(certFile, previous);
                now.put(file, e);
                infos.add(e.info());
            } catch (IOException | CertificateException | IllegalArgumentException e) {
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                reloadErrors.increment();
                if (previous != null) {
                    log.warn("certificate {}: {}; it keeps serving what it loaded before", certFile, why);
                    now.put(file, previous);
                    Loaded p = previous.info();
                    infos.add(new Loaded(p.file(), p.names(), p.notAfter(), p.issuer(), Optional.of(why)));
                } else {
                    log.warn("certificate {}: {}", certFile, why);
                    infos.add(new Loaded(file, List.of(), null, null, Optional.of(why)));
                }
            }
        }
        boolean changed = !now.equals(before);
        Map<String, SslContext> ex = new HashMap<>();
        Map<String, SslContext> wild = new HashMap<>();
        String defaultFile = null;
        for (Map.Entry<String, Entry> e : now.entrySet()) {
            for (String name : e.getValue().info().names()) {
                // the first file by name wins a name two files claim: predictable, and reported in the view
                if (name.startsWith("*.")) {
                    wild.putIfAbsent(name.substring(2), e.getValue().context());
                } else {
                    ex.putIfAbsent(name, e.getValue().context());
                }
            }
            if (defaultFile == null || baseName(e.getKey()).equals("default") && !baseName(defaultFile).equals("default")) {
                defaultFile = e.getKey();
            }
        }
        byFile = Map.copyOf(now);
        exact = Map.copyOf(ex);
        wildcard = Map.copyOf(wild);
        fallback = defaultFile == null ? null : now.get(defaultFile).context();
        view = new View(List.copyOf(infos), Optional.ofNullable(defaultFile));
        if (changed) {
            log.info("certificates from {}: {} loaded ({}), default {}", dir, now.size(), provider(), defaultFile);
        }
        return changed;
    }

    /** A cheap fingerprint of the directory (names, sizes, modification times) to tell whether to reload. */
    public String fingerprint() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            List<Path> sorted = new ArrayList<>();
            files.forEach(sorted::add);
            sorted.sort(null);
            for (Path p : sorted) {
                if (Files.isRegularFile(p)) {
                    sb.append(p.getFileName()).append(':').append(Files.size(p)).append(':').append(Files.getLastModifiedTime(p).toMillis()).append(';');
                }
            }
        }
        return sb.toString();
    }

    private List<Path> certificateFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{crt,pem}")) {
            files.forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    private Entry read(Path certFile, Entry previous) throws IOException, CertificateException {
        byte[] chain = Files.readAllBytes(certFile);
        String text = new String(chain, StandardCharsets.US_ASCII);
        Path keyFile = certFile.resolveSibling(baseName(certFile.getFileName().toString()) + ".key");
        byte[] key;
        if (Files.exists(keyFile)) {
            key = Files.readAllBytes(keyFile);
        } else if (text.contains("PRIVATE KEY-----")) {
            key = chain; // HAProxy's combined form: chain and key in one file
        } else {
            throw new IOException("no key: put it in " + keyFile.getFileName() + " (PEM, PKCS#8) or in the same file");
        }
        String digest = digest(chain, key);
        if (previous != null && previous.digest().equals(digest) && previous.info().error().isEmpty()) {
            return previous;
        }
        String keyText = new String(key, StandardCharsets.US_ASCII);
        if (keyText.contains("BEGIN RSA PRIVATE KEY") || keyText.contains("BEGIN EC PRIVATE KEY")) {
            throw new IOException("the key is in PKCS#1/SEC1 form; convert it to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY");
        }
        if (keyText.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
            throw new IOException("the key is encrypted; the router needs it unencrypted, readable by its user only (chmod 600)");
        }
        Collection<? extends java.security.cert.Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(chain));
        if (certs.isEmpty()) {
            throw new IOException("no CERTIFICATE block: the file must hold the certificate chain in PEM, the site's certificate first");
        }
        X509Certificate leaf = (X509Certificate) certs.iterator().next();
        List<String> names = names(leaf);
        if (names.isEmpty()) {
            throw new IOException("the certificate names no host (no DNS subject alternative name, no common name)");
        }
        if (!keyMatches(keyText, leaf)) {
            throw new IOException("the key is not this certificate's (it signs what the certificate's public key does not verify): "
                    + "put the key the certificate was issued for beside it");
        }
        SslContext context;
        try {
            context = SslContextBuilder.forServer(new ByteArrayInputStream(chain), new ByteArrayInputStream(key))
                    .sslProvider(provider)
                    .protocols(PROTOCOLS)
                    .ciphers(ciphers())
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2,
                            ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IOException("the key or chain does not load (" + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage())
                    + "); the key must be the certificate's, in PEM PKCS#8", e);
        }
        return new Entry(new Loaded(certFile.getFileName().toString(), names, leaf.getNotAfter().toInstant(),
                leaf.getIssuerX500Principal().getName(X500Principal.RFC2253), Optional.empty()), context, digest);
    }

    private static String digest(byte[] chain, byte[] key) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update(chain);
            md.update(key);
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the PKCS#8 key in {@code pem} is the private half of the certificate's public key: a signature made with one, checked with the other. */
    static boolean keyMatches(String pem, X509Certificate cert) throws IOException {
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IOException("no PRIVATE KEY block (PEM, PKCS#8) in the key");
        }
        byte[] der;
        try {
            der = java.util.Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        } catch (IllegalArgumentException e) {
            throw new IOException("the PRIVATE KEY block is not base64", e);
        }
        String algorithm = cert.getPublicKey().getAlgorithm();
        try {
            java.security.PrivateKey key = java.security.KeyFactory.getInstance(algorithm).generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
            String sig = switch (algorithm) {
                case "RSA" -> "SHA256withRSA";
                case "EC" -> "SHA256withECDSA";
                default -> algorithm; // Ed25519, Ed448
            };
            byte[] probe = "glidepath key check".getBytes(StandardCharsets.US_ASCII);
            java.security.Signature signer = java.security.Signature.getInstance(sig);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(sig);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (java.security.GeneralSecurityException e) {
            return false; // a key of another algorithm than the certificate's, or one that does not parse as such
        }
    }

    private static List<String> ciphers() {
        List<String> all = new ArrayList<>(TLS13_CIPHERS);
        all.addAll(TLS12_CIPHERS);
        return all;
    }

    static List<String> names(X509Certificate cert) throws CertificateException {
        Set<String> names = new LinkedHashSet<>();
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        if (sans != null) {
            for (List<?> san : sans) {
                if (san.size() == 2 && Integer.valueOf(2).equals(san.get(0))) { // dNSName
                    names.add(san.get(1).toString().toLowerCase(Locale.ROOT));
                }
            }
        }
        if (names.isEmpty()) {
            for (String rdn : cert.getSubjectX500Principal().getName(X500Principal.RFC2253).split(",")) {
                if (rdn.startsWith("CN=")) {
                    names.add(rdn.substring(3).toLowerCase(Locale.ROOT));
                }
            }
        }
        return List.copyOf(names);
    }

    private static String baseName(String file) {
        int dot = file.lastIndexOf('.');
        return dot < 0 ? file : file.substring(0, dot);
    }
}
