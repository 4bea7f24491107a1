package io.glidepath.router.acme;

/** What the plain listener asks for {@code /.well-known/acme-challenge/TOKEN} before it looks for a route. */
public interface Http01Responder {
    /** The key authorization to answer for {@code token}; null when no order of ours waits on it (the request then goes to its route). */
    String keyAuthorization(String token);
}
