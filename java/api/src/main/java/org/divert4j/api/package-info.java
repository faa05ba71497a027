/**
 * The divert4j Java API: open a {@link org.divert4j.api.DivertHandle} with a filter, receive,
 * modify and inject packets, and control the handle.
 */
package org.divert4j.api;
