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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.concurrent.atomic.LongAdder;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's certificates, from directories of PEM files, chosen per connection by the name the
 * client asks for (SNI). The operator's directory comes first and the ACME client's after it: for a
 * name two directories serve, the first directory's file wins. Each {@code NAME.crt} or {@code NAME.pem} holds a certificate chain (leaf
 * first) and its key is {@code NAME.key}, or a PRIVATE KEY block in the same file (HAProxy's
 * combined form). The names a certificate serves are its DNS subject alternative names (its common
 * name when it has none), wildcards ({@code *.example.com}: one label) included. A client naming none
 * of them, or none at all, gets the default certificate: {@code default.*}, else the first file by name
 * (of the first directory that has one). A store may start empty when certificates are still to come
 * (ACME): a handshake then fails until one is there.
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
    public record Loaded(String file, List<String> names, Instant notAfter, String issuer, Optional<String> error, Path directory) {
    }

    /** What the store serves now. */
    public record View(List<Loaded> certificates, Optional<String> defaultFile) {
    }

    /** A loaded file, with a digest of what it was loaded from (a reload of the same bytes keeps the context). */
    private record Entry(Loaded info, SslContext context, String digest) {
    }

    /** Which directory's certificate serves a name, for {@link #directoryServing}. */
    private record Served(SslContext context, Path directory) {
    }

    private final List<Path> dirs;
    private final SslProvider provider;
    private final LongAdder reloadErrors = new LongAdder();
    private volatile Map<String, Entry> byFile = Map.of();
    private volatile Map<String, Served> exact = Map.of();
    private volatile Map<String, Served> wildcard = Map.of();
    private volatile Consumer<String> unservedName = name -> { };
    private volatile SslContext fallback;
    private volatile View view = new View(List.of(), Optional.empty());

    private Certificates(List<Path> dirs) {
        this.dirs = List.copyOf(dirs);
        // BoringSSL through netty-tcnative where its native library loads: less CPU per handshake and record
        this.provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** Loads {@code dir}; fails when no certificate in it loads (a TLS listener with nothing to serve is a mistake to catch at start). */
    public static Certificates load(Path dir) throws IOException {
        return load(List.of(dir), false);
    }

    /**
     * Loads {@code dirs}, the operator's first. With {@code mayStartEmpty} (certificates an ACME client
     * is still to bring) a store in which nothing loads yet is fine; without, it fails.
     */
    public static Certificates load(List<Path> dirs, boolean mayStartEmpty) throws IOException {
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                throw new IOException("certificate directory " + dir + " does not exist or is not a directory: create it and put NAME.crt "
                        + "with NAME.key (PEM) in it");
            }
        }
        Certificates c = new Certificates(dirs);
        c.reload();
        if (c.fallback == null && !mayStartEmpty) {
            String errors = String.join("; ", c.view.certificates().stream().flatMap(l -> l.error().stream().map(e -> l.file() + ": " + e)).toList());
            throw new IOException("no certificate in " + String.join(", ", dirs.stream().map(Path::toString).toList()) + " loads"
                    + (errors.isEmpty() ? " (put NAME.crt with NAME.key, PEM, in it)" : ": " + errors));
        }
        return c;
    }

    /** The TLS implementation in use: "OpenSSL (BoringSSL)" or "JDK". */
    public String provider() {
        return provider == SslProvider.OPENSSL ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK";
    }

    /** The first directory: the operator's (the ACME client's when there is no other). */
    public Path directory() {
        return dirs.get(0);
    }

    /** Every directory, in the order they win a name. */
    public List<Path> directories() {
        return dirs;
    }

    /**
     * Told, on the event loop of the handshake, each name a client asked for that no certificate
     * serves (it got the default, or nothing): an ACME client's cue to order one. It must return at once.
     */
    public void onUnservedName(Consumer<String> listener) {
        this.unservedName = listener;
    }

    /** The directory whose certificate serves {@code host} (exact, then wildcard); empty when none does. */
    public Optional<Path> directoryServing(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        Served s = exact.get(h);
        if (s == null) {
            int dot = h.indexOf('.');
            s = dot > 0 ? wildcard.get(h.substring(dot + 1)) : null;
        }
        return s == null ? Optional.empty() : Optional.of(s.directory());
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
            Served c = exact.get(h);
            if (c != null) {
                return c.context();
            }
            int dot = h.indexOf('.');
            if (dot > 0) {
                c = wildcard.get(h.substring(dot + 1));
                if (c != null) {
                    return c.context();
                }
            }
            unservedName.accept(h);
        }
        if (fallback == null) {
            // nothing to serve yet (ACME still ordering): the handshake fails and the connection closes
            throw new IllegalStateException("no certificate yet for " + host);
        }
        return fallback;
    }

    /** Reads the directory again; returns true when what is served changed. */
    public synchronized boolean reload() throws IOException {
        Map<String, Entry> before = byFile;
        Map<String, Entry> now = new LinkedHashMap<>(); // by path: the first directory's files first, each directory's by name
        List<Loaded> infos = new ArrayList<>();
        for (Path certFile : certificateFiles()) {
            String file = certFile.toString();
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
                    infos.add(new Loaded(p.file(), p.names(), p.notAfter(), p.issuer(), Optional.of(why), p.directory()));
                } else {
                    log.warn("certificate {}: {}", certFile, why);
                    infos.add(new Loaded(certFile.getFileName().toString(), List.of(), null, null, Optional.of(why), certFile.getParent()));
                }
            }
        }
        boolean changed = !now.equals(before);
        Map<String, Served> ex = new HashMap<>();
        Map<String, Served> wild = new HashMap<>();
        String defaultFile = null;
        Path defaultDir = null;
        for (Map.Entry<String, Entry> e : now.entrySet()) {
            Loaded info = e.getValue().info();
            Served served = new Served(e.getValue().context(), info.directory());
            for (String name : info.names()) {
                // the first directory, then the first file by name, wins a name two files claim: predictable, and reported in the view
                if (name.startsWith("*.")) {
                    wild.putIfAbsent(name.substring(2), served);
                } else {
                    ex.putIfAbsent(name, served);
                }
            }
            boolean isDefault = baseName(info.file()).equals("default");
            if (defaultFile == null || isDefault && info.directory().equals(defaultDir) && !baseName(now.get(defaultFile).info().file()).equals("default")) {
                defaultFile = e.getKey();
                defaultDir = info.directory();
            }
        }
        byFile = Map.copyOf(now);
        exact = Map.copyOf(ex);
        wildcard = Map.copyOf(wild);
        fallback = defaultFile == null ? null : now.get(defaultFile).context();
        view = new View(List.copyOf(infos), Optional.ofNullable(defaultFile).map(f -> now.get(f).info().file()));
        if (changed) {
            log.info("certificates from {}: {} loaded ({}), default {}", dirs, now.size(), provider(), defaultFile);
        }
        return changed;
    }

    /** A cheap fingerprint of the directory (names, sizes, modification times) to tell whether to reload. */
    public String fingerprint() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path dir : dirs) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                List<Path> sorted = new ArrayList<>();
                files.forEach(sorted::add);
                sorted.sort(null);
                for (Path p : sorted) {
                    if (Files.isRegularFile(p)) {
                        sb.append(p).append(':').append(Files.size(p)).append(':').append(Files.getLastModifiedTime(p).toMillis()).append(';');
                    }
                }
            }
        }
        return sb.toString();
    }

    private List<Path> certificateFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path dir : dirs) {
            List<Path> inDir = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{crt,pem}")) {
                files.forEach(inDir::add);
            }
            inDir.sort(null);
            out.addAll(inDir);
        }
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
        Collection<? extends java.security.cert.Certificate> certs = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(certificateBlocks(text)));
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
                leaf.getIssuerX500Principal().getName(X500Principal.RFC2253), Optional.empty(), certFile.getParent()), context, digest);
    }

    private static final java.util.regex.Pattern CERTIFICATE_BLOCK =
            java.util.regex.Pattern.compile("-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----");

    /**
     * The CERTIFICATE blocks of a PEM text, nothing else: the JDK's parser takes a PRIVATE KEY block after
     * them (the combined form) for one more certificate and fails.
     */
    public static byte[] certificateBlocks(String pem) {
        StringBuilder sb = new StringBuilder();
        java.util.regex.Matcher m = CERTIFICATE_BLOCK.matcher(pem);
        while (m.find()) {
            sb.append(m.group()).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
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
