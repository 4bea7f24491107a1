package io.glidepath.router.tls;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the certificates when their directory changes (a renewal by certbot or any other tool that
 * writes the files): the directory's names, sizes and modification times are compared every
 * {@code every}. A poll, not inotify: it works the same on bind mounts and Kubernetes Secret volumes,
 * whose files are swapped through symbolic links.
 */
public final class CertificateWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CertificateWatcher.class);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("certificates").unstarted(r));
    private final Certificates certificates;
    private String seen;

    private CertificateWatcher(Certificates certificates) throws IOException {
        this.certificates = certificates;
        this.seen = certificates.fingerprint();
    }

    public static CertificateWatcher start(Certificates certificates, Duration every) throws IOException {
        CertificateWatcher w = new CertificateWatcher(certificates);
        w.timer.scheduleWithFixedDelay(w::poll, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return w;
    }

    private void poll() {
        try {
            String now = certificates.fingerprint();
            if (!now.equals(seen)) {
                seen = now;
                certificates.reload();
            }
        } catch (IOException | RuntimeException e) {
            log.warn("certificates in {}: cannot read them again ({}); serving what was loaded", certificates.directory(), e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
