/** Writing captured packets with their WinDivert address records as pcapng files. */
package org.divert4j.packet.pcapng;
