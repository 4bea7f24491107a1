package io.glidepath.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.glidepath.examples.SampleService;
import io.glidepath.platform.Instance;
import io.glidepath.platform.PlatformException;
import io.glidepath.platform.ServiceVersion;
import io.glidepath.spec.RunSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalPlatformTest {
    static final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path data;
    @TempDir
    Path releaseDir;
    final MemoryRegistry registry = new MemoryRegistry();
    final List<Instance> toStop = new ArrayList<>();
    LocalPlatform platform;

    LocalPlatform platform() {
        if (platform == null) {
            platform = new LocalPlatform(data, registry, name -> name.equals("SAMPLE_SERVICE_NAME") ? Optional.of("shop") : Optional.empty(),
                    Clock.systemUTC());
        }
        return platform;
    }

    @AfterEach
    void stopAll() {
        toStop.forEach(i -> platform().stop(i, Duration.ZERO));
    }

    static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }

    static String sampleClasspath() throws Exception {
        return Path.of(SampleService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    ServiceVersion sample(String version, Map<String, String> env) throws Exception {
        RunSpec run = new RunSpec(List.of(java(), "-XX:TieredStopAtLevel=1", "-cp", sampleClasspath(), SampleService.class.getName()),
                env, Optional.empty(), 1, Duration.ofSeconds(5));
        return new ServiceVersion("catalog", version, run, releaseDir);
    }

    static HttpResponse<String> get(Instance i, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + i.address() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void startsReplicasAsProcessesOnTheirOwnPortsWithTemplatesFilledIn() throws Exception {
        List<Instance> started = platform().start(sample("2.4.0", Map.of("PORT", "{{port}}", "VERSION", "{{version}}",
                "SERVICE_NAME", "{{env.SAMPLE_SERVICE_NAME}}", "INSTANCE", "{{instance}}")), 2);
        toStop.addAll(started);
        assertThat(started).hasSize(2);
        assertThat(started).extracting(i -> i.address().port()).doesNotHaveDuplicates();
        // never from the range outgoing connections take their ports from (InstancePorts)
        InstancePorts.Range ephemeral = InstancePorts.ephemeral(InstancePorts.EPHEMERAL_RANGE).orElse(InstancePorts.LINUX_DEFAULT);
        assertThat(started).extracting(i -> i.address().port()).noneMatch(ephemeral::contains);
        for (Instance i : started) {
            assertThat(i.id()).startsWith("catalog-2.4.0-");
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> get(i, "/").statusCode() == 200);
            HttpResponse<String> r = get(i, "/");
            assertThat(r.body()).isEqualTo("hello from shop 2.4.0\n");
            assertThat(r.headers().firstValue("X-Instance")).contains(i.id());
            assertThat(i.log()).isEqualTo(data.resolve("logs/catalog/2.4.0/" + i.id() + ".log"));
            assertThat(Files.readString(i.log())).contains("listening on 127.0.0.1:" + i.address().port());
            assertThat(platform().isAlive(i)).isTrue();
        }
        assertThat(registry.instances()).containsExactlyInAnyOrderElementsOf(started);
        assertThat(platform().list("catalog")).containsExactlyInAnyOrderElementsOf(started);
        assertThat(platform().list("pricing")).isEmpty();
    }

    @Test
    void aCommandThatCannotStartIsAClearErrorAndLeavesNothingBehind() {
        ServiceVersion bad = new ServiceVersion("catalog", "1", new RunSpec(List.of("no-such-program-xyz", "--port"), Map.of(), Optional.empty(),
                1, Duration.ZERO), releaseDir);
        assertThatThrownBy(() -> platform().start(bad, 2)).isInstanceOf(PlatformException.class)
                .hasMessageContaining("cannot start catalog 1: no-such-program-xyz (run.command[0]) was not found")
                .hasMessageContaining("without a shell");
        assertThat(registry.instances()).isEmpty();
        ServiceVersion noDir = new ServiceVersion("catalog", "1", new RunSpec(List.of("true"), Map.of(), Optional.of("missing/dir"), 1,
                Duration.ZERO), releaseDir);
        assertThatThrownBy(() -> platform().start(noDir, 1)).hasMessageContaining("run.workdir " + releaseDir.resolve("missing/dir"));
    }

    @Test
    void theCommandRunsAsArgvNeverThroughAShell() throws Exception {
        Path marker = releaseDir.resolve("marker");
        // with a shell, ';' would run a second command; as argv it is just an argument to echo
        ServiceVersion v = new ServiceVersion("echo", "1", new RunSpec(List.of("echo", "hi; touch " + marker), Map.of(), Optional.empty(), 1,
                Duration.ZERO), releaseDir);
        Instance i = platform().start(v, 1).get(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> !platform().isAlive(i));
        assertThat(Files.readString(i.log())).isEqualTo("hi; touch " + marker + "\n");
        assertThat(marker).doesNotExist();
        platform().stop(i, Duration.ZERO);
    }

    @Test
    void stopIsSigtermThenAfterTheGraceSigkillForTheWholeTree() throws Exception {
        // a program that ignores SIGTERM and has a child: only SIGKILL ends them
        ServiceVersion stubborn = new ServiceVersion("stubborn", "1", new RunSpec(List.of("sh", "-c", "trap '' TERM; sleep 600 & wait"),
                Map.of(), Optional.empty(), 1, Duration.ofMillis(500)), releaseDir);
        Instance i = platform().start(stubborn, 1).get(0);
        ProcessHandle root = ProcessHandle.of(i.pid()).orElseThrow();
        await().atMost(Duration.ofSeconds(5)).until(() -> root.descendants().findAny().isPresent());
        ProcessHandle child = root.descendants().findFirst().orElseThrow();
        long t0 = System.nanoTime();
        platform().stop(i, Duration.ofMillis(500));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(450));
        assertThat(root.isAlive()).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> !child.isAlive());
        assertThat(registry.instances()).isEmpty();
    }

    @Test
    void aPoliteServiceStopsOnSigtermWithinItsGrace() throws Exception {
        Instance i = platform().start(sample("1", Map.of("PORT", "{{port}}")), 1).get(0);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> get(i, "/health").statusCode() == 200);
        long t0 = System.nanoTime();
        platform().stop(i, Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(platform().isAlive(i)).isFalse();
    }

    @Test
    void aRestartedServerAdoptsLiveInstancesAndCanStopThem() throws Exception {
        Instance i = platform().start(sample("1", Map.of("PORT", "{{port}}")), 1).get(0);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> get(i, "/health").statusCode() == 200);
        LocalPlatform afterRestart = new LocalPlatform(data, registry, x -> Optional.empty(), Clock.systemUTC());
        assertThat(afterRestart.list("catalog")).containsExactly(i);
        assertThat(afterRestart.isAlive(i)).isTrue();
        afterRestart.stop(i, Duration.ofSeconds(10));
        assertThat(ProcessHandle.of(i.pid()).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(afterRestart.list("catalog")).isEmpty();
    }

    @Test
    void aReusedPidIsNotMistakenForTheInstance() throws Exception {
        Instance i = platform().start(sample("1", Map.of("PORT", "{{port}}")), 1).get(0);
        toStop.add(i);
        Instance sameP = new Instance(i.id(), i.service(), i.version(), i.address(), i.pid(), i.processStart().minusSeconds(3600), i.log(), i.startedAt());
        assertThat(platform().isAlive(sameP)).isFalse();
        assertThat(platform().isAlive(i)).isTrue();
    }

    @Test
    void exitedCompletesWhenAnInstanceCrashes() throws Exception {
        Instance i = platform().start(sample("1", Map.of("PORT", "{{port}}", "CRASH_AFTER", "1s")), 1).get(0);
        platform().exited(i).get(20, TimeUnit.SECONDS);
        assertThat(platform().isAlive(i)).isFalse();
        assertThat(platform().dead()).containsExactly(i);
        assertThat(platform().list("catalog")).isEmpty();
        platform().stop(i, Duration.ZERO);
        assertThat(registry.instances()).isEmpty();
    }

    @Test
    void aRelativeWorkdirIsResolvedAgainstTheReleaseDirectory() throws Exception {
        Files.createDirectories(releaseDir.resolve("svc/1"));
        ServiceVersion v = new ServiceVersion("pwd", "1", new RunSpec(List.of("pwd"), Map.of(), Optional.of("svc/{{version}}"), 1, Duration.ZERO),
                releaseDir);
        Instance i = platform().start(v, 1).get(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> !platform().isAlive(i));
        assertThat(Files.readString(i.log()).strip()).isEqualTo(releaseDir.resolve("svc/1").toRealPath().toString());
        platform().stop(i, Duration.ZERO);
    }
}
