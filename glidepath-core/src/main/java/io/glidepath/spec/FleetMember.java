package io.glidepath.spec;

/** What makes a deployment one customer of a fleet: the fleet's service, the customer, its ring (0-based) and the ring's name. */
public record FleetMember(String service, String customer, int ring, String ringName) {
}
