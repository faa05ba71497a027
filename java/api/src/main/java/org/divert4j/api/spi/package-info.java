/**
 * The transport SPI: how a handle reaches a divert device. Implementations move the
 * IOCTL-shaped requests the client builds (Windows: DeviceIoControl; Linux: the native host).
 */
package org.divert4j.api.spi;
