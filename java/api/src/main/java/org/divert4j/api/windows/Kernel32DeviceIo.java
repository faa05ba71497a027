package org.divert4j.api.windows;

import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.WinBase.SECURITY_ATTRIBUTES;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;

/**
 * The kernel32 calls {@link WindowsTransport} makes, with kernel32's names and signatures. The
 * platform's kernel32 implements it; a simulated kernel implements it to run the transport, and
 * so every byte of every request it sends, against the Windows driver's own sources elsewhere
 * (the java/winsim test module). A failing call reports its Windows error as kernel32 does,
 * through the thread's last error ({@link com.sun.jna.Native#getLastError()}).
 */
public interface Kernel32DeviceIo {
    /**
     * Opens a device.
     *
     * @param lpFileName the device path
     * @param dwDesiredAccess access rights
     * @param dwShareMode sharing
     * @param lpSecurityAttributes null
     * @param dwCreationDisposition OPEN_EXISTING
     * @param dwFlagsAndAttributes attributes and flags (FILE_FLAG_OVERLAPPED)
     * @param hTemplateFile null
     * @return the handle, or INVALID_HANDLE_VALUE
     */
    HANDLE CreateFile(String lpFileName, int dwDesiredAccess, int dwShareMode, SECURITY_ATTRIBUTES lpSecurityAttributes,
            int dwCreationDisposition, int dwFlagsAndAttributes, HANDLE hTemplateFile);

    /**
     * Issues an IOCTL on an overlapped handle.
     *
     * @param hDevice the device
     * @param dwIoControlCode the IOCTL code
     * @param lpInBuffer input buffer
     * @param nInBufferSize its length
     * @param lpOutBuffer output buffer or NULL
     * @param nOutBufferSize its length
     * @param lpBytesReturned bytes returned when it completes at once
     * @param lpOverlapped the OVERLAPPED the completion is written to
     * @return true if it completed successfully at once (else the last error says why, or
     *     ERROR_IO_PENDING)
     */
    boolean DeviceIoControl(HANDLE hDevice, int dwIoControlCode, Pointer lpInBuffer, int nInBufferSize,
            Pointer lpOutBuffer, int nOutBufferSize, IntByReference lpBytesReturned, Pointer lpOverlapped);

    /**
     * The completion of an overlapped request.
     *
     * @param hFile the device
     * @param lpOverlapped the request's OVERLAPPED
     * @param lpNumberOfBytesTransferred bytes transferred
     * @param bWait wait for the completion
     * @return true if the request succeeded
     */
    boolean GetOverlappedResult(HANDLE hFile, Pointer lpOverlapped, IntByReference lpNumberOfBytesTransferred,
            boolean bWait);

    /**
     * Cancels pending requests.
     *
     * @param hFile the device
     * @param lpOverlapped one request's OVERLAPPED, or null for all of them
     * @return true if a request was found to cancel
     */
    boolean CancelIoEx(HANDLE hFile, Pointer lpOverlapped);

    /**
     * Closes a device or event handle.
     *
     * @param hObject the handle
     * @return true on success
     */
    boolean CloseHandle(HANDLE hObject);

    /**
     * Creates an event.
     *
     * @param lpEventAttributes null
     * @param bManualReset manual reset
     * @param bInitialState initially signalled
     * @param lpName null
     * @return the event, or null
     */
    HANDLE CreateEvent(SECURITY_ATTRIBUTES lpEventAttributes, boolean bManualReset, boolean bInitialState,
            String lpName);

    /**
     * The frequency of the clock address-record timestamps count.
     *
     * @param frequency receives ticks per second
     * @return true on success
     */
    boolean QueryPerformanceFrequency(LongByReference frequency);

    /**
     * The current value of that clock.
     *
     * @param count receives the tick count
     * @return true on success
     */
    boolean QueryPerformanceCounter(LongByReference count);
}
