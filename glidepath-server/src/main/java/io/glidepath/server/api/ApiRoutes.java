package io.glidepath.server.api;

import io.vertx.ext.web.Router;

/** One resource of the server's API: adds its routes, each with the role it needs, to the API's router. */
interface ApiRoutes {
    void mount(Router r);
}
