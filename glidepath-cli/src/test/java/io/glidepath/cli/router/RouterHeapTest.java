package io.glidepath.cli.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterHeapTest {
    @Test
    void theRoutersHeapIsOneGigabyteUnlessTheEnvironmentSaysOtherwise() {
        assertThat(RouterHeap.flag(Map.of())).isEqualTo("-Xmx1g");
        assertThat(RouterHeap.flag(Map.of("GLIDEPATH_ROUTER_HEAP", "2g"))).isEqualTo("-Xmx2g");
        assertThat(RouterHeap.flag(Map.of("GLIDEPATH_ROUTER_HEAP", "768m"))).isEqualTo("-Xmx768m");
        assertThat(RouterHeap.problem(Map.of("GLIDEPATH_ROUTER_HEAP", "768m"))).isEmpty();
    }

    @Test
    void aSettingThatIsNoHeapSizeIsRefusedWithWhatToWrite() {
        assertThat(RouterHeap.problem(Map.of("GLIDEPATH_ROUTER_HEAP", "lots"))).contains("GLIDEPATH_ROUTER_HEAP='lots' is not a heap size: use a "
                + "number with k, m or g (such as 512m or 2g), or unset it for 1g.");
        assertThat(RouterHeap.problem(Map.of("GLIDEPATH_ROUTER_HEAP", "-Xmx2g"))).isPresent();
        assertThat(RouterHeap.problem(Map.of("GLIDEPATH_ROUTER_HEAP", "0m"))).isPresent();
    }
}
