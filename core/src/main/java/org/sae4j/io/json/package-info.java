/**
 * JSON with the JDK alone: {@link org.sae4j.io.json.JsonParser} (strict, with bounded depth and size),
 * {@link org.sae4j.io.json.JsonWriter}, the {@link org.sae4j.io.json.Json} facade, and
 * {@link org.sae4j.io.json.JsonFields} for reading a config's fields with one-line messages naming file and field.
 *
 * <p>May import: org.sae4j.
 */
package org.sae4j.io.json;
