package io.glidepath.cli.options;

import io.glidepath.route.EndpointAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A listen address flag: {@code host:port}; port 0 picks a free one. */
public record HostPort(String host, int port) {

    @Override
    public String toString() {
        return host + ":" + port;
    }

    public static final class Converter implements ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            String v = value.trim();
            int colon = v.lastIndexOf(':');
            if (colon > 0) {
                try {
                    int port = Integer.parseInt(v.substring(colon + 1));
                    if (port == 0) {
                        return new HostPort(v.substring(0, colon), 0);
                    }
                } catch (NumberFormatException ignored) {
                    // reported below
                }
            }
            return EndpointAddress.parse(v).map(a -> new HostPort(a.host(), a.port()))
                    .orElseThrow(() -> new TypeConversionException("'" + value + "' is not host:port, such as 127.0.0.1:8080 (port 0 picks a free one)"));
        }
    }
}
