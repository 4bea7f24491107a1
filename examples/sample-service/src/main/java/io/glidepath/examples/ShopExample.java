package io.glidepath.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The release files of examples/shop (four sample services: gateway calls catalog and pricing,
 * catalog calls inventory) and examples/fleet (twelve customers of one service), as this build carries them. The files run the sample service with
 * {@code {{env.GLIDEPATH_JAVA}}} from {@code {{env.GLIDEPATH_HOME}}}'s jar, which the launcher
 * sets; here they run it with this JVM and wherever this class was loaded from (the jar, or the
 * classes directory in a build), so the demo and the tests deploy the files as they are otherwise.
 */
public final class ShopExample {
    public static final String JAVA_PLACEHOLDER = "{{env.GLIDEPATH_JAVA}}";
    public static final String JAR_PLACEHOLDER = "{{env.GLIDEPATH_HOME}}/glidepath-cli/target/glidepath.jar";

    private ShopExample() {
    }

    /** The release file {@code name} (shop-v1.yaml, shop-v2.yaml, shop-v3.yaml) ready to run here. */
    public static String release(String name) {
        return file("shop", name);
    }

    /** A file of examples/{@code folder} ({@code shop}, {@code fleet}, {@code inventory}) ready to run here. */
    public static String file(String folder, String name) {
        try (InputStream in = ShopExample.class.getResourceAsStream(folder + "/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no file " + folder + "/" + name + " in this build");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.replace(JAVA_PLACEHOLDER, javaCommand()).replace(JAR_PLACEHOLDER, classpath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String javaCommand() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static String classpath() {
        try {
            return Path.of(ShopExample.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot tell where the sample service's classes are", e);
        }
    }
}
