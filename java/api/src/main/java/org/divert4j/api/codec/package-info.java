/** Byte-exact codecs of the device ABI records: address record, request header, version record. */
package org.divert4j.api.codec;
