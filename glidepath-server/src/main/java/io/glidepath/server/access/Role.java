package io.glidepath.server.access;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** What a token may do. Each role includes the ones before it: a deployer can read, an admin can deploy. */
public enum Role {
    /** Reads releases, their events and services. */
    VIEWER,
    /** Also submits releases, promotes and aborts them. */
    DEPLOYER,
    /** Also creates, lists and revokes tokens, and reads the audit log. */
    ADMIN;

    public boolean includes(Role needed) {
        return compareTo(needed) >= 0;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> parse(String s) {
        return Arrays.stream(values()).filter(r -> r.label().equals(s)).findFirst();
    }

    /** "viewer, deployer or admin", for messages. */
    public static String choices() {
        String all = Arrays.stream(values()).map(Role::label).collect(Collectors.joining(", "));
        int last = all.lastIndexOf(", ");
        return all.substring(0, last) + " or " + all.substring(last + 2);
    }
}
