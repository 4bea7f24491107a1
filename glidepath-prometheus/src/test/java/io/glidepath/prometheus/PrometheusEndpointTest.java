package io.glidepath.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PrometheusEndpointTest {

    @Test
    void queriesGoUnderTheBasePath() {
        assertThat(PrometheusEndpoint.of(URI.create("http://127.0.0.1:9090")).queryUri()).isEqualTo(URI.create("http://127.0.0.1:9090/api/v1/query"));
        assertThat(PrometheusEndpoint.of(URI.create("https://ops.example/prometheus/")).queryUri())
                .isEqualTo(URI.create("https://ops.example/prometheus/api/v1/query"));
    }

    @Test
    void credentialsBecomeBasicAuthorizationAndNeverShow() {
        PrometheusEndpoint e = PrometheusEndpoint.of(URI.create("http://ops:s%40cret@127.0.0.1:9090/prom"));
        assertThat(e.toString()).isEqualTo("http://127.0.0.1:9090/prom");
        assertThat(e.queryUri().toString()).doesNotContain("ops").doesNotContain("cret");
        assertThat(e.authorization()).contains("Basic " + Base64.getEncoder().encodeToString("ops:s@cret".getBytes(StandardCharsets.UTF_8)));
        assertThat(PrometheusEndpoint.of(URI.create("http://127.0.0.1:9090")).authorization()).isEmpty();
    }
}
