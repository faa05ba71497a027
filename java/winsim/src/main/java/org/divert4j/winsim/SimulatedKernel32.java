package org.divert4j.winsim;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinBase.SECURITY_ATTRIBUTES;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.divert4j.api.windows.Kernel32DeviceIo;

/**
 * kernel32 over the simulated kernel: device handles are the simulation's file objects, requests
 * go into the driver as IRPs, completions come back through the caller's OVERLAPPED (written by
 * libwinsim_jna.so as the I/O manager writes the status block). Events exist only as handles: the
 * simulated GetOverlappedResult waits on the completion itself. Errors are set as the thread's
 * last error, last, as kernel32 leaves them.
 */
final class SimulatedKernel32 implements Kernel32DeviceIo {
    private static final int ERROR_INVALID_HANDLE = 6;

    private final WinsimLibrary lib;
    private final Map<Long, Pointer> files = new ConcurrentHashMap<>();
    private final Set<Long> events = ConcurrentHashMap.newKeySet();
    /** Event handle values: small multiples of 4, never a file object's address. */
    private final AtomicLong nextEvent = new AtomicLong();

    SimulatedKernel32(WinsimLibrary lib) {
        this.lib = lib;
    }

    /** {@return the number of device handles open} */
    int openFiles() {
        return files.size();
    }

    @Override
    public HANDLE CreateFile(String lpFileName, int dwDesiredAccess, int dwShareMode,
            SECURITY_ATTRIBUTES lpSecurityAttributes, int dwCreationDisposition, int dwFlagsAndAttributes,
            HANDLE hTemplateFile) {
        if ((dwFlagsAndAttributes & WinNT.FILE_FLAG_OVERLAPPED) == 0 || dwCreationDisposition != WinNT.OPEN_EXISTING) {
            throw new IllegalArgumentException("the simulation opens existing devices for overlapped I/O only");
        }
        IntByReference error = new IntByReference();
        Pointer file = lib.winsim_jna_create_file(lpFileName, error);
        if (file == null) {
            Native.setLastError(error.getValue());
            return WinBase.INVALID_HANDLE_VALUE;
        }
        files.put(Pointer.nativeValue(file), file);
        return new HANDLE(file);
    }

    @Override
    public boolean DeviceIoControl(HANDLE hDevice, int dwIoControlCode, Pointer lpInBuffer, int nInBufferSize,
            Pointer lpOutBuffer, int nOutBufferSize, IntByReference lpBytesReturned, Pointer lpOverlapped) {
        Pointer file = file(hDevice);
        if (file == null) {
            return invalidHandle();
        }
        IntByReference error = new IntByReference();
        boolean ok = lib.winsim_jna_device_io_control(file, dwIoControlCode, lpInBuffer, nInBufferSize, lpOutBuffer,
                nOutBufferSize, lpBytesReturned, lpOverlapped, error);
        Native.setLastError(error.getValue());
        return ok;
    }

    @Override
    public boolean GetOverlappedResult(HANDLE hFile, Pointer lpOverlapped, IntByReference lpNumberOfBytesTransferred,
            boolean bWait) {
        if (file(hFile) == null) {
            return invalidHandle();
        }
        IntByReference error = new IntByReference();
        boolean ok = lib.winsim_jna_get_overlapped_result(lpOverlapped, lpNumberOfBytesTransferred, bWait, error);
        Native.setLastError(error.getValue());
        return ok;
    }

    @Override
    public boolean CancelIoEx(HANDLE hFile, Pointer lpOverlapped) {
        Pointer file = file(hFile);
        if (file == null) {
            return invalidHandle();
        }
        IntByReference error = new IntByReference();
        boolean ok = lib.winsim_jna_cancel_io_ex(file, lpOverlapped, error);
        Native.setLastError(error.getValue());
        return ok;
    }

    @Override
    public boolean CloseHandle(HANDLE hObject) {
        long value = Pointer.nativeValue(hObject.getPointer());
        if (events.remove(value)) {
            return true;
        }
        Pointer file = files.remove(value);
        if (file == null) {
            return invalidHandle();
        }
        lib.winsim_jna_close_handle(file);
        return true;
    }

    @Override
    public HANDLE CreateEvent(SECURITY_ATTRIBUTES lpEventAttributes, boolean bManualReset, boolean bInitialState,
            String lpName) {
        long value = nextEvent.addAndGet(4);
        events.add(value);
        return new HANDLE(new Pointer(value));
    }

    @Override
    public boolean QueryPerformanceFrequency(LongByReference frequency) {
        lib.winsim_jna_counter(frequency);
        return true;
    }

    @Override
    public boolean QueryPerformanceCounter(LongByReference count) {
        count.setValue(lib.winsim_jna_counter(new LongByReference()));
        return true;
    }

    private Pointer file(HANDLE handle) {
        return handle == null ? null : files.get(Pointer.nativeValue(handle.getPointer()));
    }

    private static boolean invalidHandle() {
        Native.setLastError(ERROR_INVALID_HANDLE);
        return false;
    }
}
