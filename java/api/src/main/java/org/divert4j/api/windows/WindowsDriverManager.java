package org.divert4j.api.windows;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.Advapi32Util;
import com.sun.jna.platform.win32.W32Errors;
import com.sun.jna.platform.win32.Win32Exception;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.platform.win32.WinReg;
import com.sun.jna.platform.win32.Winsvc;
import com.sun.jna.platform.win32.Winsvc.SC_HANDLE;
import com.sun.jna.ptr.IntByReference;
import java.nio.file.Path;
import org.divert4j.api.DivertException;
import org.divert4j.api.WinError;
import org.divert4j.api.spi.DriverManager;

/**
 * The driver service through the service control manager (docs/spec/device-abi.md §1.1 with our names):
 * install under the install mutex as a demand-start kernel service, start it, and mark it for
 * deletion at once so it unloads when its last handle closes.
 */
public final class WindowsDriverManager implements DriverManager {
    static final int MAX_PATH = 260;
    private static final int EVENT_TYPES_SUPPORTED = 7;

    private final String service;
    private final String mutex;

    /**
     * @param service the service name, e.g. {@code divert4j}
     * @param mutex the install mutex name, e.g. {@code Divert4jDriverInstallMutex}
     */
    public WindowsDriverManager(String service, String mutex) {
        this.service = service;
        this.mutex = mutex;
    }

    /**
     * Checks the driver path fits MAX_PATH as the service manager needs.
     *
     * @throws DivertException (161) if it does not
     */
    static String checkedPath(Path driverFile) {
        String path = driverFile.toAbsolutePath().toString();
        if (path.length() >= MAX_PATH) {
            throw DivertException.of(WinError.BAD_PATHNAME.code(), "install driver", path.length() + " characters: " + path);
        }
        return path;
    }

    @Override
    public void install(Path driverFile) {
        String path = checkedPath(driverFile);
        HANDLE m = Win32.kernel32().CreateMutex(null, false, mutex);
        if (m == null) {
            throw fail("install driver (create mutex " + mutex + ")", Win32.lastError());
        }
        try {
            // Infinite wait; WAIT_ABANDONED (a crashed installer) still hands us the mutex.
            if (Win32.kernel32().WaitForSingleObject(m, WinBase.INFINITE) == WinBase.WAIT_FAILED) {
                throw fail("install driver (wait for mutex)", Win32.lastError());
            }
            try {
                installLocked(path);
            } finally {
                Win32.kernel32().ReleaseMutex(m);
            }
        } finally {
            Win32.kernel32().CloseHandle(m);
        }
    }

    private void installLocked(String path) {
        SC_HANDLE scm = openManager("install driver");
        try {
            SC_HANDLE svc = Win32.advapi32().OpenService(scm, service, Winsvc.SERVICE_ALL_ACCESS);
            if (svc == null) {
                svc = Win32.advapi32().CreateService(scm, service, service, Winsvc.SERVICE_ALL_ACCESS,
                        WinNT.SERVICE_KERNEL_DRIVER, WinNT.SERVICE_DEMAND_START, WinNT.SERVICE_ERROR_NORMAL,
                        path, null, null, null, null, null);
                if (svc == null) {
                    int error = Win32.lastError();
                    if (error != W32Errors.ERROR_SERVICE_EXISTS) {
                        throw fail("install driver (create service " + service + ")", error);
                    }
                    svc = Win32.advapi32().OpenService(scm, service, Winsvc.SERVICE_ALL_ACCESS);
                    if (svc == null) {
                        throw fail("install driver (open service " + service + ")", Win32.lastError());
                    }
                } else {
                    registerEventSource(path);
                }
            }
            try {
                if (Win32.advapi32().StartService(svc, 0, null)) {
                    // Unload once the last handle closes (or at reboot); failure only leaves it installed.
                    Win32.advapi32().DeleteService(svc);
                } else {
                    int error = Win32.lastError();
                    if (error != W32Errors.ERROR_SERVICE_ALREADY_RUNNING) {
                        throw fail("install driver (start service " + service + " from " + path + ")", error);
                    }
                }
            } finally {
                Win32.advapi32().CloseServiceHandle(svc);
            }
        } finally {
            Win32.advapi32().CloseServiceHandle(scm);
        }
    }

    /** The volatile event-log source the driver logs under; failures are ignored (cosmetic). */
    private void registerEventSource(String path) {
        String key = "System\\CurrentControlSet\\Services\\EventLog\\System\\" + service;
        WinReg.HKEYByReference created = new WinReg.HKEYByReference();
        if (Win32.advapi32().RegCreateKeyEx(WinReg.HKEY_LOCAL_MACHINE, key, 0, null, WinNT.REG_OPTION_VOLATILE,
                WinNT.KEY_SET_VALUE, null, created, null) != 0) {
            return;
        }
        try {
            Advapi32Util.registrySetStringValue(created.getValue(), "EventMessageFile", path);
            Advapi32Util.registrySetIntValue(created.getValue(), "TypesSupported", EVENT_TYPES_SUPPORTED);
        } catch (Win32Exception e) {
            // Ignored as the spec prescribes: the driver works without its event-log source.
        } finally {
            Win32.advapi32().RegCloseKey(created.getValue());
        }
    }

    @Override
    public void uninstall() {
        SC_HANDLE scm = openManager("uninstall driver");
        try {
            SC_HANDLE svc = Win32.advapi32().OpenService(scm, service, Winsvc.SERVICE_ALL_ACCESS);
            if (svc == null) {
                int error = Win32.lastError();
                if (error == WinError.SERVICE_DOES_NOT_EXIST.code()) {
                    return;
                }
                throw fail("uninstall driver (open service " + service + ")", error);
            }
            try {
                if (!Win32.advapi32().ControlService(svc, Winsvc.SERVICE_CONTROL_STOP, new Winsvc.SERVICE_STATUS())) {
                    int error = Win32.lastError();
                    if (error != W32Errors.ERROR_SERVICE_NOT_ACTIVE) {
                        throw fail("uninstall driver (stop " + service + "; close every program using it)", error);
                    }
                }
                if (!Win32.advapi32().DeleteService(svc)) {
                    int error = Win32.lastError();
                    if (error != WinError.SERVICE_MARKED_FOR_DELETE.code()) {
                        throw fail("uninstall driver (delete service " + service + ")", error);
                    }
                }
            } finally {
                Win32.advapi32().CloseServiceHandle(svc);
            }
        } finally {
            Win32.advapi32().CloseServiceHandle(scm);
        }
    }

    @Override
    public Status status() {
        SC_HANDLE scm = openManager("driver status");
        try {
            SC_HANDLE svc = Win32.advapi32().OpenService(scm, service,
                    Winsvc.SERVICE_QUERY_STATUS | Winsvc.SERVICE_QUERY_CONFIG);
            if (svc == null) {
                int error = Win32.lastError();
                if (error == WinError.SERVICE_DOES_NOT_EXIST.code()) {
                    return new Status(service, State.NOT_INSTALLED, null);
                }
                throw fail("driver status (open service " + service + ")", error);
            }
            try {
                Winsvc.SERVICE_STATUS_PROCESS st = new Winsvc.SERVICE_STATUS_PROCESS();
                IntByReference needed = new IntByReference();
                if (!Win32.advapi32().QueryServiceStatusEx(svc, Winsvc.SC_STATUS_TYPE.SC_STATUS_PROCESS_INFO,
                        st, st.size(), needed)) {
                    throw fail("driver status (query " + service + ")", Win32.lastError());
                }
                return new Status(service, state(st.dwCurrentState), binaryPath(svc));
            } finally {
                Win32.advapi32().CloseServiceHandle(svc);
            }
        } finally {
            Win32.advapi32().CloseServiceHandle(scm);
        }
    }

    static State state(int currentState) {
        return switch (currentState) {
            case Winsvc.SERVICE_RUNNING -> State.RUNNING;
            case Winsvc.SERVICE_STOPPED -> State.STOPPED;
            default -> State.PENDING;
        };
    }

    /** lpBinaryPathName of QUERY_SERVICE_CONFIGW: three DWORDs, then the pointer (aligned). */
    private static String binaryPath(SC_HANDLE svc) {
        IntByReference needed = new IntByReference();
        Win32.advapi32().QueryServiceConfig(svc, null, 0, needed);
        if (needed.getValue() <= 0) {
            return null;
        }
        Memory config = new Memory(needed.getValue());
        if (!Win32.advapi32().QueryServiceConfig(svc, config, (int) config.size(), needed)) {
            return null;
        }
        int offset = (12 + Native.POINTER_SIZE - 1) / Native.POINTER_SIZE * Native.POINTER_SIZE;
        Pointer p = config.getPointer(offset);
        return p == null ? null : p.getWideString(0);
    }

    private static SC_HANDLE openManager(String operation) {
        SC_HANDLE scm = Win32.advapi32().OpenSCManager(null, null, Winsvc.SC_MANAGER_ALL_ACCESS);
        if (scm == null) {
            throw fail(operation + " (open service control manager)", Win32.lastError());
        }
        return scm;
    }

    private static DivertException fail(String operation, int error) {
        return DivertException.of(error == 0 ? WinError.OPEN_FAILED.code() : error, operation, null);
    }
}
