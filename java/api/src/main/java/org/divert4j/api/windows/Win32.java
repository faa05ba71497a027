package org.divert4j.api.windows;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.Advapi32;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.platform.win32.Winsvc.SC_HANDLE;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.win32.W32APIOptions;

/** The Win32 entry points jna-platform lacks, loaded only when first used (on Windows). */
final class Win32 {
    private Win32() {
    }

    /** kernel32 with overlapped completion and cancellation (the calls of {@link Kernel32DeviceIo}). */
    interface Kernel32Io extends Kernel32, Kernel32DeviceIo {
        @Override
        boolean GetOverlappedResult(HANDLE file, Pointer overlapped, IntByReference transferred, boolean wait);

        @Override
        boolean CancelIoEx(HANDLE file, Pointer overlapped);

        @Override
        boolean QueryPerformanceFrequency(LongByReference frequency);

        @Override
        boolean QueryPerformanceCounter(LongByReference count);
    }

    /** advapi32 with the service configuration query. */
    interface Advapi32Svc extends Advapi32 {
        boolean QueryServiceConfig(SC_HANDLE service, Pointer config, int size, IntByReference needed);
    }

    private static final class Holder {
        static final Kernel32Io KERNEL32 = Native.load("kernel32", Kernel32Io.class, W32APIOptions.DEFAULT_OPTIONS);
        static final Advapi32Svc ADVAPI32 = Native.load("advapi32", Advapi32Svc.class, W32APIOptions.DEFAULT_OPTIONS);
    }

    static Kernel32Io kernel32() {
        return Holder.KERNEL32;
    }

    static Advapi32Svc advapi32() {
        return Holder.ADVAPI32;
    }

    /** The error of the native call just made (JNA saves it right after the call). */
    static int lastError() {
        return Native.getLastError();
    }
}
