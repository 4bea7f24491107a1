package io.glidepath.examples;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The inventory example (examples/inventory: release files and the migration folders they name) as
 * this build carries it, written out to a folder for the demo and the tests: the database URL the files
 * name ({@link #FILE_URL}) replaced by a real one, and the service run with this JVM from wherever its
 * classes (and the PostgreSQL driver) were loaded.
 */
public final class InventoryExample {
    /** The database URL the example's files name. */
    public static final String FILE_URL = "jdbc:postgresql://127.0.0.1:5432/inventory?user=inventory";
    public static final List<String> RELEASES = List.of("inventory-v1.yaml", "inventory-v2.yaml", "inventory-v3-locking.yaml");
    static final List<String> MIGRATIONS = List.of(
            "v1/expand/V1__items.sql",
            "v2/expand/V1__items.sql", "v2/expand/V2__quantity_column.sql", "v2/expand/V3__backfill_quantity.sql",
            "v2/expand/V3__backfill_quantity.sql.conf", "v2/contract/V4__drop_qty.sql",
            "v3-locking/expand/V1__items.sql", "v3-locking/expand/V2__quantity_column.sql", "v3-locking/expand/V3__backfill_quantity.sql",
            "v3-locking/expand/V3__backfill_quantity.sql.conf", "v3-locking/expand/V5__sku_index.sql", "v3-locking/contract/V4__drop_qty.sql");

    private InventoryExample() {
    }

    /** Writes the release files and migration folders into {@code dir}, the database at {@code url}; returns {@code dir}. */
    public static Path writeTo(Path dir, String url) {
        try {
            for (String f : RELEASES) {
                String text = read(f).replace(FILE_URL, url).replace(ShopExample.JAVA_PLACEHOLDER, ShopExample.javaCommand())
                        .replace(ShopExample.JAR_PLACEHOLDER, classpath());
                Files.writeString(dir.resolve(f), text);
            }
            for (String f : MIGRATIONS) {
                Path target = dir.resolve(f);
                Files.createDirectories(target.getParent());
                Files.writeString(target, read(f));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(String name) throws IOException {
        try (InputStream in = InventoryExample.class.getResourceAsStream("inventory/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no inventory example file " + name + " in this build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The sample services' classes and the PostgreSQL driver (the same jar when both are in glidepath.jar). */
    static String classpath() {
        try {
            String driver = Path.of(org.postgresql.Driver.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            String own = ShopExample.classpath();
            return own.equals(driver) ? own : own + File.pathSeparator + driver;
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot tell where the PostgreSQL driver is", e);
        }
    }
}
