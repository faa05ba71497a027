/** The Linux transport: the same IOCTL-shaped requests into the NFQUEUE host of libdivert4j.so, through JNA. */
package org.divert4j.api.linux;
