package io.glidepath.router.acme;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.connector.HttpConnector;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/**
 * One ACME account at one CA, ordering one certificate at a time through HTTP-01 (acme4j). Blocking:
 * it runs on the ACME thread, never on an event loop.
 */
final class AcmeClient {
    /** How long the CA may take to validate a challenge, to get an order ready, and to issue. */
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(2);

    /** A certificate issued: its chain as PEM (leaf first) and the key it was issued for. */
    record Issued(String chainPem, KeyPair key) {
    }

    private final AcmeSettings settings;
    private final AcmeStore store;
    private final ChallengeTokens tokens;
    private final SSLContext trust;
    private Login login;

    private AcmeClient(AcmeSettings settings, AcmeStore store, ChallengeTokens tokens, SSLContext trust) {
        this.settings = settings;
        this.store = store;
        this.tokens = tokens;
        this.trust = trust;
    }

    /** Fails at once on a CA root file that does not load (a mistake to report at start, not at the first order). */
    static AcmeClient create(AcmeSettings settings, AcmeStore store, ChallengeTokens tokens) throws IOException {
        SSLContext trust = null;
        if (settings.caRoot().isPresent()) {
            trust = trusting(settings.caRoot().get());
        }
        return new AcmeClient(settings, store, tokens, trust);
    }

    /** A TLS context trusting only the certificates of the PEM file {@code file}. */
    static SSLContext trusting(Path file) throws IOException {
        try {
            Collection<? extends Certificate> roots = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)));
            if (roots.isEmpty()) {
                throw new IOException("--acme-ca-root " + file + " holds no CERTIFICATE block: give the PEM file of the ACME server's CA");
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (Certificate c : roots) {
                ks.setCertificateEntry("root" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("--acme-ca-root " + file + " does not exist: give the PEM file of the ACME server's CA", e);
        } catch (GeneralSecurityException e) {
            throw new IOException("--acme-ca-root " + file + " does not load as PEM certificates (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Orders a certificate for {@code name}: a new order, its HTTP-01 challenge answered by the
     * listener (the token is served while the CA validates), a new key, the CSR, the chain.
     */
    Issued order(String name) throws OrderFailedException, InterruptedException {
        try {
            Order order = login().newOrder().domain(name).create();
            for (Authorization auth : order.getAuthorizations()) {
                if (auth.getStatus() == Status.VALID) {
                    continue; // validated lately for this account: the CA reuses it
                }
                Http01Challenge challenge = auth.findChallenge(Http01Challenge.class)
                        .orElseThrow(() -> new OrderFailedException("the CA offers no http-01 challenge for " + name, false, null, null));
                tokens.put(challenge.getToken(), challenge.getAuthorization());
                try {
                    challenge.trigger();
                    Status s = auth.waitForCompletion(STEP_TIMEOUT);
                    if (s != Status.VALID) {
                        challenge.fetch();
                        throw new OrderFailedException("the CA could not validate " + name + " over HTTP-01: "
                                + challenge.getError().map(AcmeClient::describe).orElse("authorization " + s), false, null, null);
                    }
                } finally {
                    tokens.remove(challenge.getToken());
                }
            }
            if (order.waitUntilReady(STEP_TIMEOUT) != Status.READY) {
                throw new OrderFailedException("the order for " + name + " did not become ready: "
                        + order.getError().map(AcmeClient::describe).orElse("status " + order.getStatus()), false, null, null);
            }
            KeyPair key = AcmeStore.newKeyPair(); // a new key each issuance
            order.execute(key);
            if (order.waitForCompletion(STEP_TIMEOUT) != Status.VALID) {
                throw new OrderFailedException("the CA did not issue the certificate for " + name + ": "
                        + order.getError().map(AcmeClient::describe).orElse("status " + order.getStatus()), false, null, null);
            }
            StringWriter chain = new StringWriter();
            order.getCertificate().writeCertificate(chain);
            return new Issued(chain.toString(), key);
        } catch (AcmeRateLimitedException e) {
            throw new OrderFailedException("rate limited by the CA: " + describe(e.getProblem()), true, e.getRetryAfter().orElse(null), e);
        } catch (AcmeServerException e) {
            throw new OrderFailedException("the CA refused: " + describe(e.getProblem()), false, null, e);
        } catch (AcmeNetworkException e) {
            login = null; // the session's nonce and directory are stale after a network failure
            throw new OrderFailedException("cannot reach the CA at " + settings.directory() + ": " + rootMessage(e), false, null, e);
        } catch (AcmeException e) {
            throw new OrderFailedException("the order for " + name + " failed: " + rootMessage(e), false, null, e);
        } catch (IOException e) {
            throw new OrderFailedException("the ACME account's files: " + e.getMessage(), false, null, e);
        }
    }

    private Login login() throws AcmeException, IOException {
        if (login != null) {
            return login;
        }
        Session session = new Session(settings.directory(), new TrustingProvider(trust));
        KeyPair key = store.accountKey();
        Optional<java.net.URL> known = store.accountLocation(settings.directory());
        if (known.isPresent()) {
            login = session.login(known.get(), key);
        } else {
            AccountBuilder account = new AccountBuilder().agreeToTermsOfService().useKeyPair(key);
            settings.email().ifPresent(account::addEmail);
            login = account.createLogin(session);
            store.saveAccountLocation(settings.directory(), login.getAccountLocation());
        }
        return login;
    }

    private static String describe(Problem p) {
        StringBuilder sb = new StringBuilder(p.getDetail().orElse(p.getTitle().orElse(p.getType().toString())));
        for (Problem sub : p.getSubProblems()) {
            sb.append("; ").append(sub.getDetail().orElse(sub.getType().toString()));
        }
        return sb.toString();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
    }

    /** http(s) directories, with the HTTP client trusting {@code --acme-ca-root} when given. */
    private static final class TrustingProvider extends GenericAcmeProvider {
        private final SSLContext trust;

        TrustingProvider(SSLContext trust) {
            this.trust = trust;
        }

        @Override
        protected HttpConnector createHttpConnector(NetworkSettings settings) {
            return new HttpConnector(settings) {
                @Override
                public HttpClient.Builder createClientBuilder() {
                    HttpClient.Builder b = super.createClientBuilder();
                    return trust == null ? b : b.sslContext(trust);
                }
            };
        }
    }
}
