/**
 * {@link org.sae4j.serve.EncodeHandler}: the JDK {@code HttpServer} handler that serves an encoder, with stated
 * limits on body size, body time and requests in flight.
 *
 * <p>May import: org.sae4j, org.sae4j.encode, org.sae4j.io.json.
 */
package org.sae4j.serve;
