package io.glidepath.testkit.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A certificate authority for tests: it issues site certificates as PEM files a router reads, and an SSLContext that trusts them. */
public final class TestCa {
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());
    private final KeyPair key;
    private final X509Certificate cert;

    private TestCa(KeyPair key, X509Certificate cert) {
        this.key = key;
        this.cert = cert;
    }

    public static TestCa create() throws Exception {
        KeyPair k = ecKey();
        X500Name name = new X500Name("CN=Glidepath Test CA");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(SERIALS.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(3650))), name, k.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new TestCa(k, sign(b, k));
    }

    /** An issued certificate: the chain (leaf, then this CA) and its key, as PEM text. */
    public record Issued(X509Certificate leaf, String chainPem, String keyPem) {
        /** Writes {@code NAME.crt} and {@code NAME.key} into {@code dir}. */
        public void writeTo(Path dir, String name) throws IOException {
            Files.createDirectories(dir);
            Path tmpCrt = dir.resolve("." + name + ".crt.tmp");
            Path tmpKey = dir.resolve("." + name + ".key.tmp");
            Files.writeString(tmpCrt, chainPem);
            Files.writeString(tmpKey, keyPem);
            Files.move(tmpKey, dir.resolve(name + ".key"), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmpCrt, dir.resolve(name + ".crt"), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A certificate for {@code dnsNames} (host names, or addresses such as 127.0.0.1), signed by this CA. */
    public Issued issue(Duration validFor, String... dnsNames) throws Exception {
        KeyPair k = ecKey();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(cert, BigInteger.valueOf(SERIALS.incrementAndGet()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validFor)), new X500Name("CN=" + dnsNames[0]), k.getPublic());
        GeneralName[] names = new GeneralName[dnsNames.length];
        for (int i = 0; i < dnsNames.length; i++) {
            // an address (127.0.0.1) as an iPAddress name, which clients check when the URL has no host name
            boolean ip = dnsNames[i].matches("[0-9.]+") || dnsNames[i].contains(":");
            names[i] = new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, dnsNames[i]);
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        X509Certificate leaf = sign(b, key);
        return new Issued(leaf, pem(leaf) + pem(cert), pem(new JcaPKCS8Generator(k.getPrivate(), null)));
    }

    /** This CA's certificate as PEM (a trust anchor to hand to a client). */
    public String rootPem() throws IOException {
        return pem(cert);
    }

    /** A client context trusting this CA only. */
    public SSLContext clientContext() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, tmf.getTrustManagers(), new SecureRandom());
        return c;
    }

    private static KeyPair ecKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair signer) throws Exception {
        X509CertificateHolder h = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()));
        return new JcaX509CertificateConverter().getCertificate(h);
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }
}
