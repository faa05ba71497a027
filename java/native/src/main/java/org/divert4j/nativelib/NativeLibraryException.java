package org.divert4j.nativelib;

/** The native library is missing, cannot be loaded, or does not match this code. */
public final class NativeLibraryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NativeLibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
