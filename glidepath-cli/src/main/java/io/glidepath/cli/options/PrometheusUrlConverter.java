package io.glidepath.cli.options;

import io.glidepath.spec.PrometheusSpec;
import java.net.URI;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --prometheus}: the base URL of the Prometheus that release files reading their figures from
 * Prometheus may leave unnamed. It may carry credentials ({@code https://user:password@host}), so a bad
 * one is reported without its value (picocli shows a {@link TypeConversionException}'s message alone).
 */
public final class PrometheusUrlConverter implements ITypeConverter<URI> {
    /** Where {@code up} hands the URL to the server it starts: the environment, not the command line others can read. */
    public static final String ENV = "GLIDEPATH_PROMETHEUS_URL";
    public static final String DESCRIPTION = "Prometheus's base URL, such as http://127.0.0.1:9090 (credentials as https://USER:PASSWORD@HOST; "
            + "default $" + ENV + "), for release files whose analysis reads Prometheus without naming a url";

    @Override
    public URI convert(String value) {
        java.util.Optional<String> problem = PrometheusSpec.urlProblem(value, true);
        if (problem.isPresent()) {
            throw new TypeConversionException("--prometheus " + problem.get());
        }
        return URI.create(value);
    }
}
