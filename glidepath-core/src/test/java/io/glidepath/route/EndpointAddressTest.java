package io.glidepath.route;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointAddressTest {
    @Test
    void parsesHostAndPort() {
        assertThat(EndpointAddress.parse("127.0.0.1:9001")).contains(new EndpointAddress("127.0.0.1", 9001));
        assertThat(EndpointAddress.parse("catalog.internal:80")).contains(new EndpointAddress("catalog.internal", 80));
        assertThat(EndpointAddress.parse("[::1]:8080")).hasValueSatisfying(a -> assertThat(a.toString()).isEqualTo("[::1]:8080"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "127.0.0.1", ":80", "host:", "host:0", "host:65536", "host:port", "::1:80", "a b:80", "http://x:80"})
    void refusesWhatIsNotHostColonPort(String text) {
        assertThat(EndpointAddress.parse(text)).isEmpty();
    }
}
