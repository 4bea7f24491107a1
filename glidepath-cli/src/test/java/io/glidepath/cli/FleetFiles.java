package io.glidepath.cli;

/** A fleet of five customers and a release of it in three rings, for the CLI's tests of plan and live progress. */
public final class FleetFiles {
    public static final String CUSTOMERS = """
            customers:
              - {name: c01, host: c01.example.test}
              - {name: c02, host: c02.example.test, env: {CHECKOUT_V2: "true"}}
              - {name: c03, host: c03.example.test, replicas: 2}
              - {name: c04, host: c04.example.test}
              - {name: c05, host: c05.example.test}
            """;
    /** web's customers in rings [c01] (manual gate), [c02, c03] (one at a time, 2m bake), the rest; edge after the whole fleet. */
    public static final String RELEASE = """
            release: web-v2
            services:
              - name: web
                version: v2
                run: {command: [java, -jar, web.jar], env: {MODE: shared, CHECKOUT_V2: "false"}}
                route: {pathPrefix: /}
                steps: [{weight: 20}, {bake: 4s}]
                fleet:
                  file: customers.yaml
                  maxParallel: 2
                  bake: 1m
                  rings:
                    - {name: internal, customers: [c01], gate: manual}
                    - {name: early, customers: [c02, c03], maxParallel: 1, bake: 2m}
                    - {name: rest}
                  failureBudget: {max: 1, then: keep}
              - name: edge
                version: 1.0.0
                dependsOn: [web]
                run: {command: [edge]}
                route: {host: edge.example.test}
                strategy: blueGreen
            """;

    private FleetFiles() {
    }
}
